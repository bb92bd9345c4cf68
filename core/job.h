// job.h — one planned message, and the words for its kind, channel and state.
//
// A job is born when the planner decides a member should get a message for an
// occasion, and its id is that occasion's stable key within the store:
// "<kind>:<member>:<occasion date>" ("birthday:M001:2027-09-15"). Planning the
// same day again produces the same id, and the job store creates a job only
// if its id is new — that is the whole of idempotent planning.
//
// States: planned → dispatched → sent → delivered, or it ends failed, expired,
// cancelled or unknown (the worker may have called the provider but no result
// was recorded: never sent again, shown to the operator). A job born `held`
// is a member of the holdout group (core/holdout.h): planned like the others,
// never dispatched, so the report can compare. A job holds the
// rendered text, so what the preview showed is what goes out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/member.h"

namespace huitou {

enum class Kind {
    birthday,
    child_birthday,
    festival,
    card_expiry,
    winback,
    points,
    welcome,  // the first message after an opt-in at the counter or the API (core/welcome.h)
    announcement,  // a one-off message to members whose tags match (core/announcement.h)
};
enum class Channel { sms, wechat };
enum class JobState {
    planned,
    dispatched,
    sent,
    delivered,
    failed,
    expired,
    cancelled,
    unknown,
    held  // held out of the message to measure its effect (core/holdout.h): never sent
};

std::string_view to_string(Kind k);
std::string_view to_string(Channel c);
std::string_view to_string(JobState s);
std::optional<Kind> parse_kind(std::string_view s);
std::optional<Channel> parse_channel(std::string_view s);
std::optional<JobState> parse_job_state(std::string_view s);

// Every kind, in the enum's order: the one list to walk them all.
const std::vector<Kind>& all_kinds();

// A service notice (card expiry, points about to lapse) tells the member
// about her own account: no marketing opt-in needed (unless the policy says
// so), no unsubscribe suffix, not counted against the weekly and 30-day caps
// by default, and on WeChat a template message. Every other kind is marketing.
bool is_service_notice(Kind k);

// Sent, delivered, failed, expired, cancelled, unknown and held never change again
// (except sent → delivered, which a delivery report may add).
bool is_terminal(JobState s);

struct Job {
    std::string store;
    std::string id;  // unique within the store; see make_job_id
    Kind kind = Kind::birthday;
    std::string member_id;
    Date occasion_date;     // the day the occasion is kept
    bool marketing = true;  // a greeting; false for a service notice (is_service_notice) —
                            // SMS rules (回T退订) and WeChat's template rules differ
    Channel channel = Channel::sms;
    std::string to;                             // E.164 phone or WeChat openid
    std::string text;                           // the rendered message
    std::map<std::string, std::string> params;  // the template's values, for providers
                                                // that send template codes, not text
    SysSeconds due_at{};                        // not dispatched before
    SysSeconds expires_at{};                    // not sent at or after (a greeting is never late)
    JobState state = JobState::planned;
    int attempts = 0;
    std::string error;  // the last failure, if any
    SysSeconds created_at{};
    // Planning only, not a field of the stored job: the member's group for
    // this kind to record with the job ("<period> h|m", core/holdout.h), or
    // empty when nothing needs recording.
    std::string holdout_record;

    friend bool operator==(const Job&, const Job&) = default;
};

// "<kind>:<member>:<YYYY-MM-DD>"; `detail` (a child's or festival's key, a
// card-expiry step) is appended as ":<detail>" when given.
std::string make_job_id(Kind kind, std::string_view member_id, const Date& occasion,
                        std::string_view detail = {});
// A job id's parts; parse_job_id gives nullopt for what make_job_id cannot
// have made (a kind, member id or date that is not one, an empty detail).
struct JobIdParts {
    Kind kind = Kind::birthday;
    std::string member_id;
    Date occasion;
    std::string detail;
};
std::optional<JobIdParts> parse_job_id(std::string_view id);

// The detail of a job id ("mid_autumn" of "festival:M1:2027-09-15:mid_autumn"), or empty.
std::string_view job_id_detail(std::string_view id);

// The hash fields of a job in Redis, and back. `job_from_fields` returns
// nullopt when a required field is missing or malformed.
FieldMap to_fields(const Job& job);
std::optional<Job> job_from_fields(std::string store, std::string id, const FieldMap& fields);

}  // namespace huitou
