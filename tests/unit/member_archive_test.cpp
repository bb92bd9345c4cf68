#include <catch2/catch.hpp>

#include "core/member_archive.h"

using namespace huitou;

namespace {

Date day(const char* text) {
    return *parse_date(text);
}

Birthday bd(const char* text) {
    return *parse_birthday(text);
}

}  // namespace

TEST_CASE("birthdays in words, as written") {
    CHECK(birthday_words(bd("1990-09-15")) == "1990年9月15日");
    CHECK(birthday_words(bd("--02-29")) == "2月29日（年份未知）");
    CHECK(birthday_words(bd("lunar:1989-08-15")) == "农历1989年八月十五");
    CHECK(birthday_words(bd("lunar:--01-01")) == "农历正月初一（年份未知）");
    CHECK(birthday_words(bd("lunar:--12-30")) == "农历腊月三十（年份未知）");
    CHECK(birthday_words(bd("lunar:--11-20")) == "农历冬月二十（年份未知）");
    CHECK(birthday_words(bd("lunar:2020-leap04-21")) == "农历2020年闰四月廿一");
    CHECK(birthday_words(bd("lunar:--03-10")) == "农历三月初十（年份未知）");
    CHECK(birthday_words(bd("lunar:--03-19")) == "农历三月十九（年份未知）");
}

TEST_CASE("the next day a birthday is kept, and the age") {
    // Lunar 八月十五 is 2027-09-15 and 2028-10-03.
    auto v = birthday_view(bd("lunar:1989-08-15"), day("2027-09-15"));
    CHECK(v.next == day("2027-09-15"));
    CHECK(v.days_to_next == 0);
    CHECK(v.age == 38);
    v = birthday_view(bd("lunar:1989-08-15"), day("2027-09-16"));
    CHECK(v.next == day("2028-10-03"));
    // 腊月 of the previous lunar year falls in the next solar January.
    v = birthday_view(bd("lunar:--12-10"), day("2027-01-05"));
    REQUIRE(v.next);
    CHECK(*v.next == day("2027-01-17"));
    // 29 February in a common year is kept on the 28th.
    v = birthday_view(bd("1996-02-29"), day("2027-02-01"));
    CHECK(v.next == day("2027-02-28"));
    CHECK(v.days_to_next == 27);
    CHECK(v.age == 30);
    CHECK_FALSE(birthday_view(bd("--09-15"), day("2027-09-15")).age);
}

TEST_CASE("the archive: honorific, children, the card") {
    Member m;
    m.name = "周晓梅";
    m.gender = Gender::female;
    m.birthday = bd("lunar:1989-08-15");
    m.tier = "金卡";
    m.card_expires = day("2027-09-22");
    m.children = {Child{"周小宝", bd("2020-09-15"), Gender::male}};
    auto a = member_archive(m, day("2027-09-15"));
    CHECK(a.honorific == "周女士");
    CHECK(a.gender == "女");
    REQUIRE(a.children.size() == 1);
    CHECK(a.children[0].gender == "男孩");
    CHECK(a.children[0].birthday->age == 7);
    CHECK(a.card_days_left == 7);
    a = member_archive(m, day("2027-09-30"));
    CHECK(a.card_days_left == -8);
    m.gender = Gender::unknown;  // no safe title: none
    CHECK(member_archive(m, day("2027-09-15")).honorific.empty());
}

TEST_CASE("the archive: points and the days until they lapse") {
    Member m;
    m.points = 1200;
    m.points_expire = day("2027-09-22");
    auto a = member_archive(m, day("2027-09-15"));
    CHECK(a.points == 1200);
    CHECK(a.points_expire == day("2027-09-22"));
    CHECK(a.points_days_left == 7);
    CHECK(member_archive(m, day("2027-09-25")).points_days_left == -3);
    m.points_expire.reset();
    CHECK_FALSE(member_archive(m, day("2027-09-15")).points_days_left);
}
