// message_results.h — a store's messages of some days (a month, today), per
// occasion: how many were planned, sent, delivered, failed, and why the
// others were not; the provider errors among them; and the messages sent per
// day — for the console's results and health pages.
//
// Read from what huitou already keeps, never from a counter of its own that
// could drift: the days' touches (hu:{S}:fx:touch, every job planned, by
// due time) and their sent times (hu:{S}:fx:sent) — the same records the
// effect report reads, so "sent" here is the effect report's "sent" — each
// job's state and error (hu:{S}:job:<id>, one HMGET per job, pipelined),
// and what planning left out each day (hu:{S}:fx:skip:<day>, written by the
// scheduler after it plans a day, io/effect_store.h). A job whose record is
// gone (finished jobs are kept scheduler.job_retention_days) still counts
// as planned, and as sent when it was, but its end is "forgotten".
// On a store on day sheets the days' records are the touches too
// (EffectStore::touch_entries): a record not claimed says its own end
// (planned, held, cancelled or expired with its reason, counted under the
// name the job hash's error would have), a claimed one (`d`) is its job
// hash's, read as above — so both layouts give the same numbers.
// Reads only; its cost grows with the days' messages, not with members.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/job.h"
#include "io/redis_connection.h"

namespace huitou {

struct OccasionResults {
    Kind kind = Kind::birthday;
    long long planned = 0;    // jobs planned to go (not the held-out group)
    long long held = 0;       // the held-out group (core/holdout.h): planned, never sent
    long long sent = 0;       // the provider took it (delivered ones included)
    long long delivered = 0;  // the provider confirmed delivery
    long long failed = 0;
    long long cancelled = 0;  // an opt-out, a visit, a hold by staff, ...
    long long expired = 0;    // could not go on its day
    long long unknown = 0;    // a worker stopped mid-send: never sent again
    long long waiting = 0;    // planned or dispatched, no result yet
    long long forgotten = 0;  // the job's record is gone (older than the retention)
    // Why members got nothing: planning's reasons (no_consent, capped_day,
    // ...) and the errors of the cancelled and expired jobs, → count.
    std::map<std::string, long long> not_sent;
};

// A job that failed or whose end is unknown: what the health page lists.
struct ProblemJob {
    std::string job_id;
    std::string member_id;
    Kind kind = Kind::birthday;
    Channel channel = Channel::sms;
    JobState state = JobState::failed;
    std::string error;  // the provider's or huitou's code, "" when none was recorded
    SysSeconds due_at{};
};

struct MessageResults {
    Date first;  // the days read, inclusive
    Date last;
    std::vector<OccasionResults> kinds;  // in Kind order, kinds with anything
    int days_so_far = 0;                 // days of [first, last] up to today
    int days_without_skips = 0;          // of those, days planning left no record
    long long churned = 0;  // win-back members who churned in those days and are still away
    // Provider errors: (channel, error) → jobs that carry it and are not
    // cancelled or expired (failed, unknown, or waiting for a retry).
    std::map<std::pair<Channel, std::string>, long long> errors;
    std::vector<ProblemJob> problems;  // failed and unknown, latest first, at most kMaxProblems
};

inline constexpr std::size_t kMaxProblems = 200;

// The results of `store` for its local days [first, last], as seen on
// `today` (the store's local date). Throws RedisError.
MessageResults message_results(RedisConnection& redis, const StoreConfig& store, const Date& first,
                               const Date& last, const Date& today);

// Messages the provider took per local day of [first, last], in order
// (last - first + 1 values): read from the touches due from `first` on,
// counted on the day each was sent. Throws RedisError.
std::vector<long long> sent_per_day(RedisConnection& redis, const StoreConfig& store,
                                    const Date& first, const Date& last);

// The results as JSON: {"from", "to", "days_so_far",
// "days_without_skips", "churned", "kinds": [{"kind", "planned", "held",
// "sent", "delivered", "failed", "cancelled", "expired", "unknown",
// "waiting", "forgotten", "not_sent": {reason: n}}]}.
nlohmann::json message_results_json(const MessageResults& results);

}  // namespace huitou
