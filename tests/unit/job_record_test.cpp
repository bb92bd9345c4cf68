#include "core/job_record.h"

#include <catch2/catch.hpp>
#include <random>

using namespace huitou;
using namespace std::chrono_literals;

namespace {
Date day(int y, unsigned m, unsigned d) {
    return Date{date::year{y} / date::month{m} / date::day{d}};
}
}  // namespace

TEST_CASE("a job id becomes a sheet's field and back", "[job_record]") {
    const Date mid_autumn = day(2027, 9, 15);
    struct Case {
        std::string id;
        Date due;
        std::string field;
    };
    const std::vector<Case> cases{
        {"festival:T0001:2027-09-15:mid_autumn", mid_autumn, "fT0001:mid_autumn"},
        {"birthday:T0002:2027-09-15", mid_autumn, "bT0002"},
        // Lead days: the occasion a week after the day it goes.
        {"child_birthday:B-7.x_1:2027-09-22:1fcb5976", mid_autumn, "cB-7.x_1:1fcb5976@7"},
        {"card_expiry:T0006:2027-09-22:7", mid_autumn, "eT0006:7@7"},
        // A win-back is dated by the last visit: before the day it goes.
        {"winback:M9:2027-07-17:2", mid_autumn, "wM9:2@-60"},
        // Across a year's end and a leap day.
        {"birthday:L1:2028-02-29", day(2027, 12, 31), "bL1@60"},
    };
    for (const auto& c : cases) {
        INFO(c.id);
        const auto field = record_field(c.id, c.due);
        REQUIRE(field);
        CHECK(*field == c.field);
        CHECK(job_id_of_record(*field, c.due) == c.id);
        CHECK(record_member(*field) ==
              c.id.substr(c.id.find(':') + 1, record_member(*field).size()));
    }
    CHECK(record_member("fT0001:mid_autumn") == "T0001");
    CHECK(record_member("bT0002") == "T0002");
    CHECK(record_member("eT0006:7@7") == "T0006");
    CHECK(record_member("bL1@60") == "L1");
}

TEST_CASE("what is not a job id or a field is refused", "[job_record]") {
    const Date d = day(2027, 9, 15);
    for (const std::string bad :
         {"", "festival", "festival:T1", "party:T1:2027-09-15", "festival:T1:2027-13-01",
          "festival:T:1:2027-09-15", "festival:T1:2027-09-15:", "festival:T1:2027-09-15:a/b",
          "birthday::2027-09-15"}) {
        INFO(bad);
        CHECK_FALSE(record_field(bad, d));
    }
    for (const std::string bad : {"", "f", "zT1", "fT1:", "fT1@", "fT1@x", "fT1@1@2", "f:T1",
                                  "fT1:a b", "fT 1", "fT1:x@"}) {
        INFO(bad);
        CHECK_FALSE(job_id_of_record(bad, d));
    }
}

TEST_CASE("a member's records share one sheet, and a day's sheets fill evenly", "[job_record]") {
    CHECK(sheet_count(0) == 1);
    CHECK(sheet_count(1) == 1);
    CHECK(sheet_count(64) == 1);
    CHECK(sheet_count(65) == 2);
    CHECK(sheet_count(750'744) == 11'731);
    const int sheets = sheet_count(100'000);
    std::vector<int> filled(static_cast<std::size_t>(sheets));
    for (int i = 0; i < 100'000; ++i) {
        const int s = sheet_of("M" + std::to_string(1'000'000 + i), sheets);
        REQUIRE(s >= 0);
        REQUIRE(s < sheets);
        ++filled[static_cast<std::size_t>(s)];
    }
    // A listpack holds 128: no sheet of a day as expected comes near.
    CHECK(*std::max_element(filled.begin(), filled.end()) < 128);
    CHECK(sheet_of("T0001", 1) == 0);
    CHECK(sheet_of("T0001", 7) == sheet_of("T0001", 7));
}

TEST_CASE("a record's value is written and read back", "[job_record]") {
    JobRecord planned;
    planned.due = 10h + 37min + 5s;
    CHECK(encode_record(planned) == "ps11/" + base36(38225));
    CHECK(decode_record(encode_record(planned)) == planned);

    JobRecord sent = planned;
    sent.state = JobState::delivered;
    sent.channel = Channel::wechat;
    sent.marketing = false;
    sent.sms_parts = 0;
    sent.sent = 10h + 40min;
    sent.merged = "fT1:mid_autumn";
    sent.calls = 2;
    sent.unsure = 10h + 38min;
    sent.reserved = true;
    const auto text = encode_record(sent);
    CHECK(text.size() < 40);
    CHECK(decode_record(text) == sent);

    JobRecord cancelled = planned;
    cancelled.state = JobState::cancelled;
    cancelled.reason = "opted_out";
    CHECK(encode_record(cancelled) == encode_record(planned).replace(0, 1, "c") + "/roo");
    CHECK(decode_record(encode_record(cancelled)) == cancelled);

    // A provider's words do not fit a record: they are kept beside it.
    JobRecord failed = planned;
    failed.state = JobState::failed;
    failed.reason = "isv.BUSINESS_LIMIT_CONTROL";
    failed.error_elsewhere = true;
    auto back = decode_record(encode_record(failed));
    REQUIRE(back);
    CHECK(back->reason.empty());
    CHECK(back->error_elsewhere);
}

TEST_CASE("every record survives the round trip", "[job_record]") {
    std::mt19937 rng(20261206);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const std::vector<std::string> reasons{"",         "opted_out", "no_consent",    "capped",
                                           "cooldown", "no_window", "held_by_staff", "not_approved",
                                           "erased",   "attempts",  "expired",       "no_address"};
    for (int i = 0; i < 20'000; ++i) {
        JobRecord r;
        r.state = static_cast<JobState>(pick(9));
        r.channel = pick(2) ? Channel::wechat : Channel::sms;
        r.marketing = pick(2) == 1;
        r.sms_parts = pick(10);
        r.due = std::chrono::seconds{pick(90'000)};
        if (pick(2)) r.sent = std::chrono::seconds{pick(200'000)};
        r.reason = reasons[static_cast<std::size_t>(pick(static_cast<int>(reasons.size())))];
        r.error_elsewhere = pick(4) == 0;
        if (pick(3) == 0) r.merged = pick(2) ? "fM1:mid_autumn" : "cM1:1fcb5976@7,fM1:mid_autumn";
        r.calls = pick(4);
        if (pick(5) == 0) r.unsure = std::chrono::seconds{pick(90'000)};
        r.reserved = pick(2) == 1;
        const auto text = encode_record(r);
        INFO(text);
        REQUIRE(text.size() <= 64);  // a listpack value
        REQUIRE(decode_record(text) == r);
    }
}

TEST_CASE("a damaged record is refused, not guessed", "[job_record]") {
    for (const std::string bad :
         {"",           "p",         "ps11",      "ps11/",        "zs11/1",
          "px11/1",     "ps21/1",    "ps1x/1",    "ps11-1",       "ps11/1/",
          "ps11/1//",   "ps11/A",    "ps11/1/q",  "ps11/1/rzz",   "ps11/1/t",
          "ps11/1/tx!", "ps11/1/e1", "ps11/1/m",  "ps11/1/mz",    "ps11/1/a0",
          "ps11/1/a-1", "ps11/1/ax", "ps11/1/R1", "ps11/1/t1/t2", "ps11/1/u"}) {
        INFO(bad);
        CHECK_FALSE(decode_record(bad));
    }
}

TEST_CASE("base 36 both ways", "[job_record]") {
    CHECK(base36(0) == "0");
    CHECK(base36(35) == "z");
    CHECK(base36(36) == "10");
    CHECK(base36(86'399) == "1unz");
    for (long long n : {0LL, 1LL, 35LL, 36LL, 1295LL, 86'400LL, 1'790'000'000LL})
        CHECK(parse_base36(base36(n)) == n);
    CHECK_FALSE(parse_base36(""));
    CHECK_FALSE(parse_base36("A"));
    CHECK_FALSE(parse_base36("-1"));
    CHECK_FALSE(parse_base36("zzzzzzzzzzz"));
}
