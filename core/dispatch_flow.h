// dispatch_flow.h — how many jobs the scheduler keeps in flight: its flow
// control ("flow"; a "window" is always a store's send window).
//
// A job pushed to a worker is in flight until its result comes. The flow
// keeps enough in flight to fill every worker's queue and few enough that
// little is claimed in Redis only to come back because the queues are full.
// It learns what the queues hold, the way TCP learns a congestion window: a
// push that would block while the workers are busy sets the in-flight limit
// to what is in flight then, and each second without one widens it by a
// quarter batch (workers joining, or going faster), up to 4 batches. A
// channel is busy while a worker took one of its jobs in the last 10 s: a
// busy channel with a full queue is due again at once, an unmanned one after
// retry_delay. An entry whose result has not come after the ack timeout is
// forgotten: Redis dispatches that job again, and it must not hold the limit.
//
// Pure: every call takes the monotonic time (Clock::monotonic); the
// scheduler does the I/O (sockets, Redis) and asks this class what to do.
// It decides nothing about a single job's fate: that is Redis's (claim_due).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/job.h"

namespace huitou {

class DispatchFlow {
  public:
    // A push this recent makes its channel busy.
    static constexpr std::chrono::seconds kBusyFor{10};
    // How often the limit may widen.
    static constexpr std::chrono::seconds kWidenEvery{1};

    // `batch`: scheduler.dispatch_batch (>= 1); `ack_timeout`: how long a
    // job stays in flight without a result before Redis dispatches it again.
    DispatchFlow(std::size_t batch, std::chrono::seconds ack_timeout);

    // At the start of a dispatch round: widens the limit by a quarter batch
    // if a second has passed with no blocked push, and starts a new second.
    void begin_round(Monotonic now);

    // Whether a worker took a job of `channel` in the last kBusyFor.
    bool busy(Channel channel, Monotonic now) const;

    // How many jobs the next claim of a store may take: 0 means stop
    // claiming this round. `store_room`: what the store's max_in_flight
    // leaves; `writable`: whether any channel's socket could take a job.
    // While the workers are busy: only what the limit has room for, and
    // nothing below a quarter batch (a claim is a script call). With no busy
    // worker, a full batch: claiming goes on, as it is what ends jobs past
    // their expiry.
    std::size_t claim_size(Monotonic now, long long store_room, bool writable) const;

    // `key` ("store|job") was pushed on `channel` at `now`.
    void pushed(Channel channel, const std::string& key, Monotonic now);
    // A push on `channel` would block (its workers' queues are full). Call it
    // once per channel per claim.
    void push_blocked(Channel channel, Monotonic now);
    // When a job that could not be pushed on `channel` is due again: at once
    // on a busy channel, after `retry_delay` on one nobody serves.
    SysSeconds due_again(Channel channel, Monotonic now, SysSeconds clock_now,
                         std::chrono::seconds retry_delay) const;

    // `key` landed: its result came, or Redis took it off the in-flight set
    // otherwise (requeued, or ended unknown).
    void landed(const std::string& key);
    // Forgets what was pushed more than the ack timeout before `now`.
    void forget_stale(Monotonic now);

    std::size_t in_flight() const { return in_flight_.size(); }
    std::size_t limit() const { return limit_; }
    std::size_t min_claim() const { return min_claim_; }

  private:
    std::size_t batch_;
    std::size_t min_claim_;  // a quarter batch, at least 1
    std::size_t max_limit_;  // 4 batches
    std::chrono::seconds ack_timeout_;
    std::size_t limit_;
    bool blocked_ = false;              // a push would block since checked_
    std::optional<Monotonic> checked_;  // the start of the current second
    std::map<Channel, Monotonic> last_push_;
    std::map<std::string, Monotonic> in_flight_;  // "store|job" → when pushed
};

}  // namespace huitou
