// rate_wait.h — how long a worker sleeps when the account's rate says "not yet".
//
// gcra.lua answers a refused ask with the exact wait until the next free
// slot, the same for every worker waiting on the account. Sleeping exactly
// that made every waiting worker wake at the same instant: one passed, the
// others asked again and were told to wait one emission interval T more —
// at 64 workers about 37 asks of Redis for each provider call (docs/
// BENCHMARKS.md section 14). So a worker that lost adds a random share of a
// spread that doubles with each loss in a row (T, 2T, 4T, ...): the waiters
// thin out over the slots ahead instead of all asking for the first one.
// The spread is capped at the limit's burst tolerance tau, so no capacity
// is lost: a slot asked for up to tau late still passes at once and the
// stored TAT keeps its pace, since GCRA lets the TAT run up to tau ahead of
// now (core/gcra.h); the bound (R + B in any window) is GCRA's and does not
// depend on when workers ask. With no burst (tau = 0) any lateness would
// waste a slot, so the wait stays exact. The wait is never shorter than the
// one gcra.lua gave: an early ask can only lose. Measured with 64 workers at
// 200/s (docs/BENCHMARKS.md section 14): 8–13 asks a call instead of 48–55,
// the same utilisation. Pure: the randomness is an argument in [0, 1), as in
// core/backoff.h.
#pragma once

#include <chrono>

#include "core/gcra.h"

namespace huitou {

// The sleep after the `losses`-th refusal in a row (>= 1) that said `wait`:
// wait + unit_random × min(T × 2^(losses−1), tau). `unit_random` is clamped
// into [0, 1].
std::chrono::microseconds spread_rate_wait(std::chrono::microseconds wait, const GcraLimit& limit,
                                           int losses, double unit_random);

// Whether an account decision the worker received `elapsed` ago may still be
// used for a call. The limit is spaced for windows of 1 s + guard, so a call
// may leave up to `guard` after its decision and the provider still counts
// at most R + B in its second; a worker slower than that (descheduled on a
// busy host, a slow call mark) asks again, which wastes the old slot but
// never lets the calls of two slots land together. A guard of 0 keeps no
// slack to check against: every decision counts as fresh.
bool rate_decision_fresh(std::chrono::nanoseconds elapsed, std::chrono::milliseconds guard);

}  // namespace huitou
