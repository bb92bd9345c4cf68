// Caps and cooldowns on a member's contact history: per day, per 7 days, per
// 30 days, all kinds together; service notices held back only by the day.
#include <catch2/catch.hpp>

#include "core/contact_history.h"

using namespace huitou;

namespace {

constexpr int today = 20711;

std::vector<Contact> history(std::initializer_list<std::pair<int, Kind>> ago) {
    std::vector<Contact> out;
    for (const auto& [days, kind] : ago)
        out.push_back({today - days, kind});
    return out;
}

}  // namespace

TEST_CASE("the stored history round-trips and forgives junk", "[contact_history]") {
    const std::vector<Contact> h{
        {20700, Kind::birthday}, {20705, Kind::winback}, {20711, Kind::card_expiry}};
    CHECK(format_contacts(h) == "20700b 20705w 20711e");
    CHECK(parse_contacts("20700b 20705w 20711e") == h);
    CHECK(parse_contacts("").empty());
    CHECK(parse_contacts("20700b x 12 20705q  20705w") ==
          std::vector<Contact>{{20700, Kind::birthday}, {20705, Kind::winback}});
    for (const Kind k : all_kinds())
        CHECK(kind_from_letter(kind_letter(k)) == k);
}

TEST_CASE("the daily cap: one message a member a day by default", "[contact_history]") {
    const PolicyConfig p;
    CHECK(check_contact({}, Kind::birthday, today, p) == ContactCheck::ok);
    CHECK(check_contact(history({{0, Kind::festival}}), Kind::birthday, today, p) ==
          ContactCheck::capped_day);
    // Even a service notice waits for tomorrow.
    CHECK(check_contact(history({{0, Kind::festival}}), Kind::card_expiry, today, p) ==
          ContactCheck::capped_day);
    CHECK(check_contact(history({{1, Kind::festival}}), Kind::birthday, today, p) ==
          ContactCheck::ok);
    PolicyConfig two = p;
    two.max_per_day = 2;
    CHECK(check_contact(history({{0, Kind::festival}}), Kind::birthday, today, two) ==
          ContactCheck::ok);
    // A record of a later day (a clock moved back) is not today's business.
    CHECK(check_contact(history({{-1, Kind::festival}}), Kind::birthday, today, p) ==
          ContactCheck::ok);
}

TEST_CASE("weekly and 30-day caps count the days ending today", "[contact_history]") {
    PolicyConfig p;
    p.max_per_week = 2;
    p.max_per_30_days = 3;
    SECTION("two in the last 7 days: capped for the week") {
        const auto h = history({{6, Kind::festival}, {3, Kind::birthday}});
        CHECK(check_contact(h, Kind::festival, today, p) == ContactCheck::capped_week);
        // One day later the first falls out of the week.
        CHECK(check_contact(h, Kind::festival, today + 1, p) == ContactCheck::ok);
    }
    SECTION("three in the last 30 days: capped for the month") {
        const auto h = history({{29, Kind::festival}, {20, Kind::birthday}, {10, Kind::festival}});
        CHECK(check_contact(h, Kind::festival, today, p) == ContactCheck::capped_30_days);
        CHECK(check_contact(h, Kind::festival, today + 1, p) == ContactCheck::ok);
    }
    SECTION("service notices pass the week and month unless told otherwise") {
        const auto h = history({{6, Kind::festival}, {3, Kind::birthday}});
        CHECK(check_contact(h, Kind::card_expiry, today, p) == ContactCheck::ok);
        p.caps_apply_to_notices = true;
        CHECK(check_contact(h, Kind::card_expiry, today, p) == ContactCheck::capped_week);
    }
}

TEST_CASE("cooldowns: a kind waits after any other kind's message", "[contact_history]") {
    PolicyConfig p;  // win-back: 3 days
    REQUIRE(p.cooldown_for(Kind::winback) == 3);
    CHECK(check_contact(history({{2, Kind::birthday}}), Kind::winback, today, p) ==
          ContactCheck::cooldown);
    CHECK(check_contact(history({{3, Kind::birthday}}), Kind::winback, today, p) ==
          ContactCheck::ok);
    // Its own kind does not start the cooldown (the win-back's own gaps do that).
    CHECK(check_contact(history({{2, Kind::winback}}), Kind::winback, today, p) ==
          ContactCheck::ok);
    // Other kinds have none by default.
    CHECK(check_contact(history({{1, Kind::winback}}), Kind::birthday, today, p) ==
          ContactCheck::ok);
    p.cooldown_days[Kind::festival] = 5;
    CHECK(check_contact(history({{4, Kind::card_expiry}}), Kind::festival, today, p) ==
          ContactCheck::cooldown);
    CHECK(reason_of(ContactCheck::cooldown) == "cooldown");
    CHECK(reason_of(ContactCheck::capped_week) == "capped");
}

TEST_CASE("recording a contact drops what is 30 days old", "[contact_history]") {
    const auto h =
        with_contact(history({{30, Kind::festival}, {29, Kind::birthday}}), today, Kind::winback);
    CHECK(h == std::vector<Contact>{{today - 29, Kind::birthday}, {today, Kind::winback}});
}
