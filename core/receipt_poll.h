// receipt_poll.h — when huitou asks a provider for receipts it was not sent.
//
// A shop without a public address cannot take the providers' pushes, so the
// SMS worker asks (workers/receipt_poller.h). The decisions are here, pure,
// on the time given:
//   - Aliyun is asked message by message (QuerySendDetails). A message is
//     first asked about a minute after it went, then 3, 10 and 30 minutes,
//     1 hour, and every 2 hours after sending: most carriers report within
//     seconds, a phone that is off reports when it comes back. After 72 hours
//     huitou gives up: the job stays `sent` (nothing says otherwise), and it
//     leaves the index of jobs awaiting a receipt.
//   - Tencent is pulled account-wide (PullSmsSendStatus, ≤ 100 reports a
//     call, each handed out once): again at once after a full page, else
//     after the poll interval.
//   - Either way at most `per_second` provider calls a second, a gap between
//     calls, so polling never takes the account's request rate from sending.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/clock.h"

namespace huitou {

// How long a message waits for its receipt before huitou stops asking.
inline constexpr std::chrono::hours receipt_wait{72};

// The first time to ask about a message sent at `sent_at`.
SysSeconds first_receipt_query(SysSeconds sent_at);

// The next time after `now` to ask about a message sent at `sent_at` (the
// schedule above), or nullopt when `receipt_wait` has passed: give up.
std::optional<SysSeconds> next_receipt_query(SysSeconds sent_at, SysSeconds now);

// What the poller does with a job of the index, from its state and its last
// delivery report: ask the provider (sent, or unknown — a receipt proves an
// unknown message went — and no final report yet), wait (its result is not
// recorded yet: dispatched or planned again), or drop it (delivered, a final
// failure report, or ended otherwise).
enum class ReceiptStep { ask, wait, drop };
ReceiptStep receipt_step(std::string_view state, std::string_view dlr_status);

// Aliyun's QuerySendDetails SendStatus: 1 waiting for the receipt, 2 failed,
// 3 delivered. nullopt for anything else (unread; asked again later).
enum class QueriedStatus { waiting, failed, delivered };
std::optional<QueriedStatus> aliyun_send_status(long long send_status);

// When to pull Tencent's reports again after a pull at `now` that returned
// `got` of at most `limit`: at once after a full page (more are waiting),
// else after `interval`.
SysSeconds next_pull(std::size_t got, std::size_t limit, SysSeconds now,
                     std::chrono::seconds interval);

// The gap between two provider calls for at most `per_second` a second
// (per_second ≥ 1).
std::chrono::milliseconds query_gap(int per_second);

}  // namespace huitou
