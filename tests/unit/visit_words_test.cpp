#include <catch2/catch.hpp>

#include "core/visit_cycle.h"
#include "core/visit_words.h"

using namespace huitou;

namespace {

Date day(const char* text) {
    return *parse_date(text);
}

// A member who came on `dates`, as record_visit.lua leaves the state.
VisitState came_on(std::vector<const char*> dates, const WinbackConfig& config) {
    VisitState s;
    for (const auto* d : dates)
        s.history.push_back({{}, day_number(day(d)), d, std::nullopt});
    s.last_date = day(dates.back());
    s.cycle = visit_cycle(s.visit_days(), "", config);
    s.lapse_day = lapse_day(day_number(s.last_date), s.cycle, config);
    return s;
}

}  // namespace

TEST_CASE("the visit cycle in words") {
    const WinbackConfig config;  // factor 1.5, floor 7, default 30, min_visits 4
    const auto regular =
        came_on({"2027-06-21", "2027-07-05", "2027-07-19", "2027-08-02", "2027-08-16"}, config);
    REQUIRE(regular.cycle == 14);
    // Lapsed after 21 days: on 2027-09-07.
    auto w = visit_words(regular, day("2027-09-15"), config);
    CHECK(w.line == "大约每14天来一次，上次30天前，已逾期");
    CHECK(w.overdue);
    CHECK(w.learned);
    w = visit_words(regular, day("2027-09-06"), config);
    CHECK(w.line == "大约每14天来一次，上次21天前，未逾期");
    CHECK_FALSE(w.overdue);
    w = visit_words(regular, day("2027-09-07"), config);
    CHECK(w.overdue);
    w = visit_words(regular, day("2027-08-16"), config);
    CHECK(w.line == "大约每14天来一次，今天来过，未逾期");
    w = visit_words(regular, day("2027-08-17"), config);
    CHECK(w.line == "大约每14天来一次，上次是昨天，未逾期");

    const auto newcomer = came_on({"2027-09-05", "2027-09-12"}, config);
    w = visit_words(newcomer, day("2027-09-15"), config);
    CHECK(w.line == "按门店默认，大约每30天来一次，上次3天前，未逾期");
    CHECK_FALSE(w.learned);

    auto s = regular;
    s.state = WinbackState::reminded;
    s.lapse_day.reset();
    CHECK(visit_words(s, day("2027-09-15"), config).line ==
          "大约每14天来一次，上次30天前，已逾期，已发过提醒");
    s.state = WinbackState::churned;
    CHECK(visit_words(s, day("2027-09-15"), config).line ==
          "大约每14天来一次，上次30天前，很久没来了，不再提醒");
    s.state = WinbackState::returned;
    s.lapse_day = regular.lapse_day;
    CHECK(visit_words(s, day("2027-08-20"), config).line ==
          "大约每14天来一次，上次4天前，收到提醒后回来了");

    w = visit_words(std::nullopt, day("2027-09-15"), config);
    CHECK(w.line == "还没有到店记录");
    CHECK_FALSE(w.overdue);
}
