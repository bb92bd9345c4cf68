// secret.h — a secret (provider credentials, CURVE keys, the admin token,
// the Kannel callback secret), read where the config says it is.
//
// `*_file` names a file (its content, trailing whitespace trimmed), `*_env`
// an environment variable. Read once, at worker start-up; never logged,
// never on a command line. A missing secret is a ConfigError naming the key,
// not the value.
#pragma once

#include <string>

#include "core/config.h"

namespace huitou {

// The secret `ref` points to; `key` names it in errors. Throws ConfigError
// when it is not configured, cannot be read, or is empty.
std::string read_secret(const SecretRef& ref, const std::string& key);

// A secret that may be absent: read_secret(ref, key) when `ref` names a file
// or a variable; else the environment variable `fallback_env` (trimmed) when
// it is set; else "". Throws ConfigError as read_secret does, and when
// `fallback_env` is set but empty (an unset secret must be unset, not blank).
std::string read_optional_secret(const SecretRef& ref, const std::string& key,
                                 const std::string& fallback_env);

}  // namespace huitou
