#include <catch2/catch.hpp>

#include "core/announcement.h"
#include "core/occasion.h"

using namespace huitou;

namespace {
const Date today = Date{date::year{2027} / 9 / 1};
const SysSeconds now = date::sys_days{today} + std::chrono::hours{3};

AnnouncementRequest request() {
    AnnouncementRequest r;
    r.tags = "历史小说；乐高";
    r.date = "2027-09-15";
    return r;
}
}  // namespace

TEST_CASE("an announcement is checked field by field, with the field named") {
    SECTION("a good one") {
        const auto c = check_announcement(request(), "bookshop", today, "wang", now);
        REQUIRE(c.announcement);
        const auto& a = *c.announcement;
        CHECK(a.store == "bookshop");
        CHECK(a.tags == std::vector<std::string>{"历史小说", "乐高"});
        CHECK(a.match == TagMatch::any);
        CHECK(a.template_name == "new_arrivals");
        CHECK(a.date == Date{date::year{2027} / 9 / 15});
        CHECK(a.created_by == "wang");
        CHECK(a.segments == 0);
    }
    const auto [field, value, error] = GENERATE(table<std::string, std::string, std::string>({
        {"tags", "", "tags: name at least one tag (e.g. 历史小说)"},
        {"tags", " ;， ", "tags: name at least one tag (e.g. 历史小说)"},
        {"tags", "一二三四五六七八九十一二三四五六七八九十一",
         "tags: tag \"一二三四五六七八九十一二三四五六七八九十一\" is longer than 20 characters"},
        {"match", "most", "match: \"most\" is not any or all"},
        {"segments", "重要价值|VIP", "segments: unknown segment \"VIP\""},
        {"template", "sale",
         "template: \"sale\" is not an announcement template (new_arrivals, event)"},
        {"date", "2027-9-15x", "date: \"2027-9-15x\" is not a date YYYY-MM-DD"},
        {"date", "2027-09-01",
         "date: 2027-09-01 is not after today (2027-09-01); the day's planning has run"},
        {"date", "2028-09-02", "date: 2028-09-02 is more than a year ahead"},
        {"id", "A1", "id: \"A1\" may hold only a-z, 0-9, '_' and '-' (at most 32)"},
        {"id", "a:1", "id: \"a:1\" may hold only a-z, 0-9, '_' and '-' (at most 32)"},
    }));
    CAPTURE(field, value);
    auto r = request();
    if (field == "tags") r.tags = value;
    if (field == "match") r.match = value;
    if (field == "segments") r.segments = value;
    if (field == "template") r.template_name = value;
    if (field == "date") r.date = value;
    if (field == "id") r.id = value;
    const auto c = check_announcement(r, "bookshop", today, "wang", now);
    CHECK_FALSE(c.announcement);
    CHECK(c.error == error);
}

TEST_CASE("an announcement keeps in a hash and comes back the same") {
    auto r = request();
    r.match = "all";
    r.segments = "重要价值|important_retain";
    r.id = "history-0915";
    auto a = *check_announcement(r, "bookshop", today, "wang", now).announcement;
    CHECK(announcement_from_fields("bookshop", a.id, to_fields(a)) == a);
    a.cancelled = true;
    a.cancelled_by = "li";
    a.cancelled_at = now + std::chrono::hours{1};
    CHECK(announcement_from_fields("bookshop", a.id, to_fields(a)) == a);
    CHECK_FALSE(announcement_from_fields("bookshop", a.id, {}));
    CHECK(state_on(a, today) == AnnouncementState::cancelled);
    a.cancelled = false;
    CHECK(state_on(a, a.date) == AnnouncementState::scheduled);
    CHECK(state_on(a, Date{date::year{2027} / 9 / 16}) == AnnouncementState::done);
    CHECK(next_announcement_id(a.date, 3) == "a20270915-3");
}

TEST_CASE("an announcement is an occasion of its day for every member, its audience her tags") {
    auto a = *check_announcement(request(), "bookshop", today, "wang", now).announcement;
    a.id = "a20270915-1";
    StoreConfig store;
    store.id = "bookshop";
    PlanningDay pd;
    pd.day = a.date;
    pd.announcements.push_back(a);
    CHECK(pd.reads_all_members());
    Member m;
    m.id = "M1";
    m.tags = {"乐高", "绘本"};
    const auto os = occasions_for(m, pd, store);
    REQUIRE(os.size() == 1);
    const auto& o = os[0];
    CHECK(o.kind == Kind::announcement);
    CHECK(o.detail == "a20270915-1");
    CHECK(o.date == a.date);
    CHECK(o.marketing);
    CHECK(o.template_name == "announcement.new_arrivals");
    CHECK(o.values.at("tags") == "乐高");  // hers of the announcement's
    CHECK(in_audience(m, o.audience, a.date));
    Member other = m;
    other.tags = {"绘本"};
    CHECK_FALSE(in_audience(other, occasions_for(other, pd, store)[0].audience, a.date));
    CHECK(make_job_id(o.kind, m.id, o.date, o.detail) == "announcement:M1:2027-09-15:a20270915-1");
}

TEST_CASE("an announcement ranks below the greetings and the notices, above a win-back") {
    CHECK(occasion_priority(Kind::festival) < occasion_priority(Kind::announcement));
    CHECK(occasion_priority(Kind::points) < occasion_priority(Kind::announcement));
    CHECK(occasion_priority(Kind::announcement) < occasion_priority(Kind::winback));
    CHECK_FALSE(is_service_notice(Kind::announcement));
}
