#include "core/dispatch_flow.h"

#include <algorithm>
#include <cassert>

namespace huitou {

DispatchFlow::DispatchFlow(std::size_t batch, std::chrono::seconds ack_timeout)
    : batch_(batch),
      min_claim_(std::max<std::size_t>(1, batch / 4)),
      max_limit_(4 * batch),
      ack_timeout_(ack_timeout),
      limit_(4 * batch) {
    assert(batch >= 1);
}

void DispatchFlow::begin_round(Monotonic now) {
    if (checked_ && now - *checked_ < kWidenEvery) return;
    if (checked_ && !blocked_) limit_ = std::min(max_limit_, limit_ + min_claim_);
    blocked_ = false;
    checked_ = now;
}

bool DispatchFlow::busy(Channel channel, Monotonic now) const {
    const auto last = last_push_.find(channel);
    return last != last_push_.end() && last->second > now - kBusyFor;
}

std::size_t DispatchFlow::claim_size(Monotonic now, long long store_room, bool writable) const {
    if (store_room <= 0) return 0;
    const bool working = busy(Channel::sms, now) || busy(Channel::wechat, now);
    const std::size_t room = in_flight_.size() < limit_ ? limit_ - in_flight_.size() : 0;
    if (working && (room < min_claim_ || !writable)) return 0;
    const std::size_t want = working ? std::min(batch_, room) : batch_;
    return static_cast<std::size_t>(std::min<long long>(store_room, static_cast<long long>(want)));
}

void DispatchFlow::pushed(Channel channel, const std::string& key, Monotonic now) {
    last_push_[channel] = now;
    in_flight_.insert_or_assign(key, now);
}

void DispatchFlow::push_blocked(Channel channel, Monotonic now) {
    // Only a busy channel's full queues say how much the workers hold; an
    // unmanned channel's say nothing.
    if (!busy(channel, now)) return;
    limit_ = std::max(2 * min_claim_, in_flight_.size());
    blocked_ = true;
}

SysSeconds DispatchFlow::due_again(Channel channel, Monotonic now, SysSeconds clock_now,
                                   std::chrono::seconds retry_delay) const {
    return busy(channel, now) ? clock_now : clock_now + retry_delay;
}

void DispatchFlow::landed(const std::string& key) {
    in_flight_.erase(key);
}

void DispatchFlow::forget_stale(Monotonic now) {
    const auto stale = now - ack_timeout_;
    std::erase_if(in_flight_, [&](const auto& entry) { return entry.second < stale; });
}

}  // namespace huitou
