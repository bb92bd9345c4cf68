// scripts/record_lib.lua agrees with core/job_record.h, the one codec: for
// thousands of generated records — every kind, details, occasion dates
// before and after the due day across year ends and leap days, every state
// and reason, dues at every time of day — a tiny script that includes the
// lib (as the claim does: `--#include record_lib`) answers, in Redis, what
// the C++ says: the job id and member of the field, the state, channel,
// marketing, due, extras, the merged ids, and a changed state read back by
// decode_record.
#include <catch2/catch.hpp>

#include <random>

#include "core/contact_history.h"
#include "core/embedded_files.h"
#include "core/job_record.h"
#include "core/separated_list.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

// For each (field, day, value, new state letter, reason) of ARGV, what the
// lib says, as strings ("" for nil).
const char* kProbe = R"(
local out = {}
local function s(v)
  if v == nil then return '' end
  if type(v) == 'number' then return string.format('%d', v) end
  if type(v) == 'boolean' then return v and '1' or '0' end
  return v
end
for i = 1, #ARGV, 5 do
  local field, day, value, letter, reason = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local kind, member, occasion, detail = record_parts(field, day)
  out[#out + 1] = {s(record_job_id(field, day)), s(record_member(field)), s(kind), s(occasion),
                   s(detail), record_state(value), record_channel(value), record_marketing(value),
                   s(record_due(value)), s(record_extra(value, 'm')), s(record_extra(value, 'a')),
                   s(record_from_base36(record_extra(value, 'u'))),
                   s(record_from_base36(record_extra(value, 't'))), s(record_extra(value, 'r')),
                   s(record_flag(value, 'R')), s(record_flag(value, 'e')),
                   record_with_state(value, letter, reason), record_merged_ids(value, day)}
end
return out
)";

std::string probe_script() {
    const auto lib = embedded_file("scripts/record_lib.lua");
    REQUIRE(lib);
    return std::string(*lib) + "\n" + kProbe;
}

struct Case {
    std::string id, field, day, value, letter, reason;
    JobRecord record;
    JobState new_state;
};

const std::vector<std::string> kReasons{
    "opted_out",    "no_consent", "capped",   "cooldown", "no_window",  "held_by_staff",
    "not_approved", "erased",     "attempts", "expired",  "no_address",
};

}  // namespace

TEST_CASE("record_lib.lua reads and changes records as core/job_record.h does", "[sheets]") {
    TestRedis server;
    auto redis = server.connect();
    const std::string script = probe_script();

    std::mt19937 rng(20261206);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    // Due days: year ends, leap days (2028, 2000; 2100 is not one), and any.
    std::vector<Date> days;
    for (const char* d : {"2027-12-31", "2028-01-01", "2028-02-28", "2028-02-29", "2028-03-01",
                          "2100-02-28", "2100-03-01", "2000-02-29", "1999-12-31", "2026-12-31"})
        days.push_back(*parse_date(d));
    for (int i = 0; i < 40; ++i)
        days.push_back(Date{date::sys_days{*parse_date("2020-01-01")} + date::days{pick(7300)}});
    const std::vector<Kind>& kinds = all_kinds();
    const std::vector<std::string> details{"",  "mid_autumn",      "1fcb5976", "7",
                                           "1", "spring-festival", "a.b_c"};
    const std::vector<char> letters{'p', 'd', 's', 'D', 'f', 'x', 'c', 'u', 'h'};
    auto member_id = [&] {
        const std::string chars = "ABCXYZabcxyz0123456789_-.";
        std::string id;
        for (int n = 1 + pick(12); n > 0; --n)
            id += chars[static_cast<std::size_t>(pick(static_cast<int>(chars.size())))];
        return id;
    };
    auto job_on = [&](const Date& day, const std::string& member) {
        const Kind kind = kinds[static_cast<std::size_t>(pick(static_cast<int>(kinds.size())))];
        // Kinds without a detail in their ids (birthday) keep it empty.
        std::string detail =
            kind == Kind::birthday ? "" : details[static_cast<std::size_t>(1 + pick(6))];
        const int lead = pick(3) == 0 ? 0 : pick(81) - 40;
        return make_job_id(kind, member, Date{date::sys_days{day} + date::days{lead}}, detail);
    };

    std::vector<Case> cases;
    for (int i = 0; i < 6000; ++i) {
        Case c;
        const Date day = days[static_cast<std::size_t>(pick(static_cast<int>(days.size())))];
        const std::string member = member_id();
        c.id = job_on(day, member);
        c.field = *record_field(c.id, day);
        c.day = format_date(day);
        JobRecord& r = c.record;
        r.state = static_cast<JobState>(pick(9));
        r.channel = pick(2) ? Channel::wechat : Channel::sms;
        r.marketing = pick(2) == 1;
        r.sms_parts = pick(10);
        // Any second of the day, DST days' 25 hours too: every first base-36 digit.
        r.due = std::chrono::seconds{pick(90'000)};
        if (pick(3) == 0) r.sent = std::chrono::seconds{pick(90'000)};
        if (pick(2) == 0) r.reason = kReasons[static_cast<std::size_t>(pick(11))];
        r.error_elsewhere = pick(5) == 0;
        if (pick(3) == 0) {
            std::vector<std::string> fields;
            for (int n = 1 + pick(3); n > 0; --n)
                fields.push_back(*record_field(job_on(day, member), day));
            r.merged = join_list(fields, ',');
        }
        if (pick(3) == 0) r.calls = 1 + pick(12);
        if (pick(4) == 0) r.unsure = std::chrono::seconds{pick(90'000)};
        r.reserved = pick(2) == 0;
        c.value = encode_record(r);
        c.new_state = static_cast<JobState>(pick(9));
        c.letter = std::string(1, letters[static_cast<std::size_t>(c.new_state)]);
        // A reason the codec has, none, or a provider's text it does not keep.
        const int k = pick(13);
        c.reason = k < 11 ? kReasons[static_cast<std::size_t>(k)]
                          : (k == 11 ? "" : "isv.BUSINESS_LIMIT_CONTROL");
        cases.push_back(std::move(c));
    }

    std::size_t checked = 0;
    for (std::size_t from = 0; from < cases.size(); from += 500) {
        std::vector<std::string> command{"EVAL", script, "0"};
        const std::size_t to = std::min(cases.size(), from + 500);
        for (std::size_t i = from; i < to; ++i) {
            const auto& c = cases[i];
            command.insert(command.end(), {c.field, c.day, c.value, c.letter, c.reason});
        }
        const auto reply = redis.command(command);
        reply.expect_ok("EVAL record_lib probe");
        REQUIRE(reply.elements.size() == to - from);
        for (std::size_t i = from; i < to; ++i) {
            const Case& c = cases[i];
            const JobRecord& r = c.record;
            const auto& got = reply.elements[i - from].elements;
            REQUIRE(got.size() == 18);
            INFO("field " << c.field << " of " << c.day << ", value " << c.value);
            const Date day = *parse_date(c.day);
            // The field: the job id, its parts, the member.
            CHECK(got[0].str == c.id);
            CHECK(got[0].str == *job_id_of_record(c.field, day));
            CHECK(got[1].str == record_member(c.field));
            const auto parts = *parse_job_id(c.id);
            CHECK(got[2].str == to_string(parts.kind));
            CHECK(got[3].str == format_date(parts.occasion));
            CHECK(got[4].str == parts.detail);
            // The value, as decode_record reads it.
            const auto decoded = *decode_record(c.value);
            REQUIRE(decoded == r);
            CHECK(got[5].str == c.value.substr(0, 1));
            CHECK(got[6].str == to_string(r.channel));
            CHECK(got[7].str == (r.marketing ? "1" : "0"));
            CHECK(got[8].str == std::to_string(r.due.count()));
            CHECK(got[9].str == r.merged);
            CHECK(got[10].str == (r.calls > 0 ? std::to_string(r.calls) : ""));
            CHECK(got[11].str == (r.unsure ? std::to_string(r.unsure->count()) : ""));
            CHECK(got[12].str == (r.sent ? std::to_string(r.sent->count()) : ""));
            std::string code;
            if (!r.reason.empty()) {
                JobRecord only;
                only.reason = r.reason;
                const auto e = encode_record(only);
                code = e.substr(e.find("/r") + 2);
            }
            CHECK(got[13].str == code);
            CHECK(got[14].str == (r.reserved ? "1" : "0"));
            CHECK(got[15].str == (r.error_elsewhere ? "1" : "0"));
            // A changed state: the new letter, and the reason kept when one
            // was there, else the new one when the codec has it.
            JobRecord changed = r;
            changed.state = c.new_state;
            if (changed.reason.empty() && is_record_reason(c.reason)) changed.reason = c.reason;
            const auto back = decode_record(got[16].str);
            REQUIRE(back);
            CHECK(*back == changed);
            // The merged ids, as planning wrote params["merged"].
            std::vector<std::string> ids;
            for (const auto& f : split_list(r.merged, ','))
                ids.push_back(*job_id_of_record(f, day));
            CHECK(got[17].str == join_list(ids, ' '));
            ++checked;
        }
    }
    CHECK(checked == 6000);
}
