// login_throttle.h — how long an account waits after wrong passwords.
//
// Five wrong passwords in a row and the account slows down: from the fifth,
// the next password is not even checked before a wait of 30 s, doubling with
// each further failure, at most 15 minutes. A correct password resets the
// count. Slowing down (not locking out) keeps a guesser to a few hundred
// tries a day per account, while a colleague who mistyped waits half a
// minute and an attacker cannot lock the owner out for good by failing on
// purpose. The arithmetic is here, pure; io/account_store.h keeps the count
// and the time in Redis and the login page (console/login_page.h) asks.
#pragma once

#include <chrono>

#include "core/clock.h"

namespace huitou {

inline constexpr int kLoginFreeFailures = 4;  // failures that cost nothing
inline constexpr std::chrono::seconds kLoginFirstWait{30};
inline constexpr std::chrono::seconds kLoginMaxWait{15 * 60};

// The wait after `failures` wrong passwords in a row: 0 for up to 4, 30 s
// at 5, 60 s at 6, ... at most 15 min.
std::chrono::seconds login_wait(int failures);

// Until when an account whose `failures`-th wrong password in a row came at
// `last_failure` must wait (no later than `last_failure` when it need not).
SysSeconds login_wait_until(int failures, SysSeconds last_failure);

// Whole minutes to tell a person who must wait until `until` at `now`: the
// seconds left rounded up, at least 1.
long long login_wait_minutes(SysSeconds until, SysSeconds now);

}  // namespace huitou
