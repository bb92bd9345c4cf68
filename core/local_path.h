// local_path.h — where the login form may send the browser afterwards.
//
// The login page takes `next` (the page a signed-out person asked for) and
// answers 303 to it. Unchecked, that is an open redirect: a link to
// /login?next=//evil.example would end on another site after a real login,
// looking trusted. Only a path on this server is accepted: it starts with
// one "/", not "//" (a scheme-relative URL) nor "/\" (browsers read "\" as
// "/"), and holds no control characters (browsers drop tabs and newlines
// from URLs, so "/\t/evil.example" would become "//evil.example"; and a
// newline must never reach a Location header).
#pragma once

#include <string>
#include <string_view>

namespace huitou {

// Whether `next` is a path on this server (see above).
bool is_local_path(std::string_view next);

// `next` when it is a local path, else "/".
std::string local_path_or_root(std::string_view next);

}  // namespace huitou
