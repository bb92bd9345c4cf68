// The console's 回访 page (console/care_page.h): the day's care list for the
// store's staff, marking a call done with a note (her contact history gets
// the care call), no answer, don't call again; the door (another store's
// account, no CSRF token, a read-only account).
#include <catch2/catch.hpp>

#include "core/visit_cycle.h"
#include "io/care_store.h"
#include "io/lua_script.h"
#include "io/redis_keys.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;

namespace {

void set_segment(RedisConnection& redis, const std::string& id, ValueSegment s, int day) {
    LuaScript("set_segments")
        .run(redis,
             {keys::shard_segments(only_shard("toyland")), keys::member(only_shard("toyland"), id)},
             {format_stored_segment({s, day, {10, 3, 50000}})})
        .expect_ok("set_segments");
}

// The <li> of `member` in the care list, or "".
std::string entry_of(const std::string& page, const std::string& member) {
    const auto at = page.find("<li class=\"care\" data-member=\"" + member + "\"");
    if (at == std::string::npos) return {};
    return page.substr(at, page.find("</li>", at) - at);
}

}  // namespace

TEST_CASE("回访: the day's care list, marked by the store's staff", "[console][care]") {
    ConsoleFixture f("2027-09-15T15:00:00+08:00", false);
    auto& store = f.rt.config.stores.at("toyland");
    store.care.enabled = true;
    auto redis = f.redis_server.connect();
    const Date day = *parse_date("2027-09-15");
    const int today = day_number(day);
    // Twelve periods a year: September is one, and most members' days in
    // it have come by the 15th. Those whose day has come are put in the
    // care segments; T0007 in 一般价值.
    store.care.calls_per_year = 12;
    const auto period = care_period(today, 12);
    std::vector<std::string> expected;
    for (const char* id : {"T0001", "T0002", "T0003", "T0004", "T0005", "T0006", "T0008"}) {
        if (care_day(id, period) > today) continue;
        set_segment(
            redis, id,
            expected.size() % 2 ? ValueSegment::important_value : ValueSegment::important_retain,
            today - 1);
        expected.push_back(id);
    }
    REQUIRE(expected.size() >= 2);
    set_segment(redis, "T0007", ValueSegment::general_value, today - 1);
    CareStore care(redis, f.rt.config);
    REQUIRE(care.build(store, day, f.rt.clock->now()).listed == expected.size());
    const auto staff = f.session("xiaoli", {"toyland"});
    const auto other = f.session("xiaozhou", {"babycare"});

    auto r = f.get("/stores/toyland/care", staff);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK_THAT(r->body, Catch::Contains("回访"));
    CHECK_THAT(r->body, Catch::Contains("10:00"));  // the hours
    const auto list = care.day(store, day);
    REQUIRE(list);
    for (const auto& row : list->rows)
        CHECK_FALSE(entry_of(r->body, row.entry.member).empty());
    CHECK(entry_of(r->body, "T0007").empty());  // 一般价值: never on the list

    SECTION("another store's account gets the 404 of every store page; no CSRF, 403") {
        CHECK(f.get("/stores/toyland/care", other)->status == 404);
        CHECK(f.post("/stores/toyland/care/mark",
                     {{"csrf", f.csrf(other)},
                      {"day", "2027-09-15"},
                      {"member", "T0006"},
                      {"state", "done"}},
                     other)
                  ->status == 404);
        CHECK(f.post("/stores/toyland/care/mark",
                     {{"day", "2027-09-15"}, {"member", "T0006"}, {"state", "done"}}, staff)
                  ->status == 403);
        CHECK(f.get("/stores/toyland/care")->status == 303);  // nobody: to /login
    }
    SECTION("marked done with a note: final, and a contact in her history") {
        REQUIRE_FALSE(list->rows.empty());
        const auto member = list->rows.front().entry.member;
        r = f.post("/stores/toyland/care/mark",
                   {{"csrf", f.csrf(staff)},
                    {"day", "2027-09-15"},
                    {"member", member},
                    {"state", "done"},
                    {"note", "她说下周带孩子来"}},
                   staff);
        REQUIRE(r);
        CHECK(r->status == 303);
        const auto location = r->get_header_value("Location");
        CHECK_THAT(location, Catch::Contains("marked=" + member));
        r = f.get(location, staff);
        REQUIRE(r);
        const auto entry = entry_of(r->body, member);
        CHECK_THAT(entry, Catch::Contains("data-state=\"done\""));
        CHECK_THAT(entry, Catch::Contains("她说下周带孩子来（xiaoli）"));
        CHECK_THAT(entry, !Catch::Contains("care-form"));  // final
        CHECK_THAT(r->body, Catch::Contains("id=\"notice\""));
        // The notice names her as the list does (her id when she has no name).
        const auto& name = list->rows.front().name;
        CHECK_THAT(r->body,
                   Catch::Contains("已记下：" + (name.empty() ? member : name) + " 已联系。"));
        // A member not on the list in the query: no notice.
        r = f.get("/stores/toyland/care?day=2027-09-15&marked=NOBODY&as=done", staff);
        REQUIRE(r);
        CHECK_THAT(r->body, !Catch::Contains("id=\"notice\""));
        // A day that is not one, or one still to come: said, nothing else.
        r = f.get("/stores/toyland/care?day=tomorrow", staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Catch::Contains("日期“tomorrow”看不懂"));
        r = f.get("/stores/toyland/care?day=2027-09-16", staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Catch::Contains("不能提前查看"));
        const auto ch = redis.command({"HGET", keys::member(only_shard("toyland"), member), "ch"});
        CHECK(ch.str == std::to_string(today) + "k");
        // Again: refused, nothing changes.
        r = f.post("/stores/toyland/care/mark",
                   {{"csrf", f.csrf(staff)},
                    {"day", "2027-09-15"},
                    {"member", member},
                    {"state", "no_answer"}},
                   staff);
        CHECK_THAT(r->get_header_value("Location"), Catch::Contains("refused=final"));
        CHECK(care.day(store, day)->rows.front().entry.state == CareState::done);
    }
    SECTION("a bad state or a member not on the list") {
        CHECK(f.post("/stores/toyland/care/mark",
                     {{"csrf", f.csrf(staff)},
                      {"day", "2027-09-15"},
                      {"member", "T0006"},
                      {"state", "maybe"}},
                     staff)
                  ->status == 400);
        r = f.post("/stores/toyland/care/mark",
                   {{"csrf", f.csrf(staff)},
                    {"day", "2027-09-15"},
                    {"member", "T0007"},
                    {"state", "done"}},
                   staff);
        CHECK_THAT(r->get_header_value("Location"), Catch::Contains("refused=not_listed"));
    }
}
