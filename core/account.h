// account.h — a console account's rules: its login name, its role and
// stores, the password a person may choose.
//
// Accounts are per person (docs/security.md): an owner sees every store or a
// list of stores; a staff account sees exactly one store. What is stored and
// how passwords are hashed is io/account_store.h and io/password_hash.h; the
// rules here are pure, so the CLI, the login page and the tests agree on
// them.
//
// Login names are 1–32 of a-z, 0-9, '.', '_' and '-', starting with a letter
// or digit: what a person types on any keyboard, what a log line and a shell
// show without quoting, and no look-alike characters or Unicode
// normalisation to reason about. A name typed at the login form is folded to
// lower case first (a phone's keyboard capitalises the first letter).
//
// Passwords: at least 8 characters (code points, so 8 Chinese characters
// count as 8, not 24 bytes) and at most 128 bytes: long enough for a
// passphrase, short enough that a request cannot make the server hash
// megabytes. Well-formed UTF-8 without control characters, since a newline
// cannot be typed into the form or read from the CLI's one line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.h"

namespace huitou {

inline constexpr std::size_t kLoginNameMax = 32;
inline constexpr std::size_t kPasswordMinChars = 8;
inline constexpr std::size_t kPasswordMaxBytes = 128;

enum class AccountRole { owner, staff };

// "owner" / "staff".
std::string_view to_string(AccountRole role);
// "owner" or "staff", else nullopt.
std::optional<AccountRole> parse_account_role(std::string_view text);

// Why `name` cannot be a login name ("" when it can), in English for the CLI.
std::string check_login_name(std::string_view name);

// `typed` as a login name is looked up: trimmed, ASCII folded to lower case.
std::string fold_login_name(std::string_view typed);

// Why `password` cannot be a password ("" when it can), in English.
std::string check_password(std::string_view password);

// Why these stores do not fit the role ("" when they do): a staff account
// has exactly one store and never all; an owner all or at least one.
std::string check_account_stores(AccountRole role, bool all_stores,
                                 const std::vector<std::string>& stores);

// The identity of a signed-in account: kind account, id and name the login,
// the role, its stores, scope write.
Identity account_identity(const std::string& login, AccountRole role, bool all_stores,
                          const std::vector<std::string>& stores);

}  // namespace huitou
