// job_record.h — a job as a record of its day's sheet: where it lives and
// how it is written.
//
// A festival greets most of a store's members on one day; stored one hash a
// job, a 中秋 greeting costs about 1,400 bytes of Redis and five rewrites of a
// hashtable on its way out (docs/BENCHMARKS.md). The job store of issue 20
// (docs/architecture.md, "Job storage for a festival day: day sheets") keeps
// a job as one field of a small hash instead: the store's local *due day* is
// cut into `sheets` hashes of about 64 records each, a member's records all
// in one sheet (`stable_hash(member) % sheets`), so every hash stays a Redis
// listpack (≤ 128 entries, values ≤ 64 bytes) and a record costs ~35 bytes.
//
// This file is the one codec of that layout, pure so it can be tested both
// ways and fuzzed:
//   - the record's *field*: the job id without what the sheet already says
//     — "<kind letter><member>[:<detail>][@<days>]" — and back to the full,
//     unchanged job id ("festival:T0001:2027-09-15:mid_autumn"), so the API,
//     webhooks and receipts keep their ids;
//   - the record's *value*: state, channel, marketing, SMS parts, due time,
//     and the few facts a state adds (sent at, a reason, the occasions
//     joined into the message, provider calls, an unsure attempt).
// Times in a record are seconds after the start of the due day (the store's
// local midnight), in base 36: three or four characters for a day.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/job.h"

namespace huitou {

// Records a sheet is meant to hold: half the listpack limit, so an uneven
// hash or a day bigger than expected still fits.
inline constexpr std::size_t records_per_sheet = 64;

// How many sheets a day expected to hold `expected` jobs gets (at least one).
int sheet_count(std::size_t expected);

// The sheet of a member's records on a day of `sheets` sheets.
int sheet_of(std::string_view member_id, int sheets);

// A store's day cut into sheets: how many sheets the day has in each of the
// store's shards (core/store_shards.h), by shard index. Each shard fixes its
// own count (a reshard sets it from the records it moved), so a member's
// sheet is found in her shard's count. Empty: the store keeps job hashes.
struct DaySheets {
    std::vector<int> counts;

    bool empty() const { return counts.empty(); }
    int shards() const { return static_cast<int>(counts.size()); }
    // Where `member_id`'s records of the day are. Precondition: !empty().
    struct Place {
        int shard = 0;
        int sheet = 0;
    };
    Place of(std::string_view member_id) const;
};

// Every shard of `shards` with the count sheet_count gives its share of
// `expected` jobs (members are spread evenly over shards).
DaySheets even_day_sheets(std::size_t expected, int shards);

// The record's field for job `job_id` due on `due_day`; nullopt when the id
// is not a job id ("<kind>:<member>:<YYYY-MM-DD>[:<detail>]").
std::optional<std::string> record_field(std::string_view job_id, const Date& due_day);

// The job id of the record `field` of a sheet of `due_day`; nullopt when the
// field is malformed.
std::optional<std::string> job_id_of_record(std::string_view field, const Date& due_day);

// The member of a record's field ("fT0001:mid_autumn" → "T0001").
std::string_view record_member(std::string_view field);

struct JobRecord {
    JobState state = JobState::planned;
    Channel channel = Channel::sms;
    bool marketing = true;
    int sms_parts = 1;                         // 0–9: what the effect report counts for SMS
    std::chrono::seconds due{0};               // after the day's start
    std::optional<std::chrono::seconds> sent;  // when it went (sent, delivered)
    std::string reason;                        // why it ended: one of record_reasons(), or empty
    bool error_elsewhere = false;  // its end's words are in the day's notes (hu:{S}:notes:<day>)
    std::string merged;            // kind letters of the occasions merged into it
    int calls = 0;                 // provider calls made (a retry keeps them)
    std::optional<std::chrono::seconds> unsure;  // an attempt that may have gone
    bool reserved = false;                       // the member's contact history already counts it

    friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

// The reasons a record can hold as a code (the delivery policy's and the
// console's words for why a job ended without going).
bool is_record_reason(std::string_view reason);

// The record's value; a `reason` that is not a record reason is left out
// (store its words in the day's notes and set error_elsewhere).
std::string encode_record(const JobRecord& record);

// The record of `value`, or nullopt when it is malformed.
std::optional<JobRecord> decode_record(std::string_view value);

// Non-negative seconds in base 36 and back (nullopt: not base 36, or too big).
std::string base36(long long n);
std::optional<long long> parse_base36(std::string_view text);

}  // namespace huitou
