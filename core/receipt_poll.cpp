#include "core/receipt_poll.h"

#include <array>
#include <cassert>

namespace huitou {
namespace {

using namespace std::chrono_literals;

// Offsets from sending of the first asks; then every `later` apart.
constexpr std::array<std::chrono::seconds, 5> early{60s, 180s, 600s, 1800s, 3600s};
constexpr std::chrono::seconds later{7200};

}  // namespace

SysSeconds first_receipt_query(SysSeconds sent_at) {
    return sent_at + early.front();
}

std::optional<SysSeconds> next_receipt_query(SysSeconds sent_at, SysSeconds now) {
    const SysSeconds end = sent_at + receipt_wait;
    if (now >= end) return std::nullopt;
    for (const auto offset : early)
        if (sent_at + offset > now) return sent_at + offset;
    // Every `later` after the last early ask, the last one at the end.
    const auto since = now - (sent_at + early.back());
    const SysSeconds next = sent_at + early.back() + (since / later + 1) * later;
    return next < end ? next : end;
}

ReceiptStep receipt_step(std::string_view state, std::string_view dlr_status) {
    if (state == "dispatched" || state == "planned") return ReceiptStep::wait;
    if (state != "sent" && state != "unknown") return ReceiptStep::drop;
    if (dlr_status == "undelivered" || dlr_status == "rejected" || dlr_status == "delivered")
        return ReceiptStep::drop;
    return ReceiptStep::ask;
}

std::optional<QueriedStatus> aliyun_send_status(long long send_status) {
    switch (send_status) {
        case 1:
            return QueriedStatus::waiting;
        case 2:
            return QueriedStatus::failed;
        case 3:
            return QueriedStatus::delivered;
        default:
            return std::nullopt;
    }
}

SysSeconds next_pull(std::size_t got, std::size_t limit, SysSeconds now,
                     std::chrono::seconds interval) {
    return got >= limit ? now : now + interval;
}

std::chrono::milliseconds query_gap(int per_second) {
    assert(per_second >= 1);
    return std::chrono::milliseconds(1000 / per_second);
}

}  // namespace huitou
