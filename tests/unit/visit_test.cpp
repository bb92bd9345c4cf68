#include <catch2/catch.hpp>

#include "core/visit.h"
#include "core/visit_row.h"

using namespace huitou;

namespace {
const Config& config() {
    static const Config c = parse_config(R"(
[stores.ktv]
name = "欢唱KTV"
[stores.la]
name = "洛城华人超市"
timezone = "America/Los_Angeles"
)",
                                         "t.toml");
    return c;
}
const SysSeconds now = *parse_instant("2027-09-15T12:00:00+08:00");
}  // namespace

TEST_CASE("visit times: an instant, a local time in the store's zone, or a date") {
    const auto* shanghai = config().find_store("ktv")->zone;
    const auto* la = config().find_store("la")->zone;
    const auto [text, expected_shanghai, expected_la] =
        GENERATE(table<std::string, std::string, std::string>({
            {"2027-09-01T19:30:00+08:00", "2027-09-01T19:30:00+08:00", "2027-09-01T19:30:00+08:00"},
            {"2027-09-01T11:30:00Z", "2027-09-01T19:30:00+08:00", "2027-09-01T19:30:00+08:00"},
            {"2027-09-01 19:30", "2027-09-01T19:30:00+08:00", "2027-09-01T19:30:00-07:00"},
            {"2027-09-01T19:30:05", "2027-09-01T19:30:05+08:00", "2027-09-01T19:30:05-07:00"},
            {"2027-09-01", "2027-09-01T00:00:00+08:00", "2027-09-01T00:00:00-07:00"},
        }));
    CAPTURE(text);
    CHECK(parse_visit_time(text, shanghai) == parse_instant(expected_shanghai));
    CHECK(parse_visit_time(text, la) == parse_instant(expected_la));
}

TEST_CASE("malformed visit times are refused with the accepted forms") {
    const auto* zone = config().find_store("ktv")->zone;
    for (const char* bad : {"2027/09/01", "2027-9-1", "yesterday", "2027-09-01 25:00", "2027-09-31",
                            "2027-09-01T19:30:00+99:00", ""}) {
        CAPTURE(bad);
        std::string why;
        CHECK_FALSE(parse_visit_time(bad, zone, &why));
        CHECK_FALSE(why.empty());
    }
    std::string why;
    parse_visit_time("2027/09/01", zone, &why);
    CHECK_THAT(why, Catch::Contains("2027-09-01 19:30 in the store's time zone"));
}

TEST_CASE("amounts are yuan with at most two decimals") {
    CHECK(parse_amount("128") == 12800);
    CHECK(parse_amount("128.5") == 12850);
    CHECK(parse_amount("128.05") == 12805);
    CHECK(parse_amount("0") == 0);
    for (const char* bad : {"-5", "1.234", "¥128", "12,8", "1e3", ".5", "5.", "", "99999999999"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_amount(bad));
    }
    CHECK(format_amount(12805) == "128.05");
    CHECK(format_amount(5) == "0.05");
}

TEST_CASE("a visit is identified by the POS's visit id, else by its second") {
    const auto a = make_visit({"ktv", "K1", "2027-09-01 19:30", "", ""}, config(), now);
    const auto b = make_visit({"ktv", "K1", "2027-09-01T11:30:00Z", "88", ""}, config(), now);
    REQUIRE(a.visit);
    REQUIRE(b.visit);
    CHECK(a.visit->key == b.visit->key);  // the same second, written two ways
    CHECK(a.visit->key == "t:1819798200");
    CHECK(a.visit->day == *parse_date("2027-09-01"));
    const auto c = make_visit({"ktv", "K1", "2027-09-01 19:30", "", "POS-0001"}, config(), now);
    CHECK(c.visit->key == "id:POS-0001");
    SECTION("the store's local date decides the day") {
        const auto late = make_visit({"la", "L1", "2027-09-01T23:30:00-07:00", "", ""}, config(),
                                     now + std::chrono::days{1});
        CHECK(late.visit->day == *parse_date("2027-09-01"));  // already the 2nd in Shanghai
    }
    SECTION("no time: now") {
        const auto v = make_visit({"ktv", "K1", "", "", ""}, config(), now);
        CHECK(v.visit->at == now);
    }
}

TEST_CASE("visits that cannot be right are refused with the reason") {
    const auto [in, message] = GENERATE(table<VisitInput, std::string>({
        {{"ktv", "", "2027-09-01", "", ""}, "member_id is missing"},
        {{"ktv", "K 1", "2027-09-01", "", ""}, "member_id \"K 1\" may hold only"},
        {{"", "K1", "2027-09-01", "", ""}, "store is missing"},
        {{"karaoke", "K1", "2027-09-01", "", ""}, "store \"karaoke\" is not in the config"},
        {{"ktv", "K1", "2027-09-17", "", ""}, "is in the future"},
        {{"ktv", "K1", "1999-12-31", "", ""}, "is before 2000"},
        {{"ktv", "K1", "2027-09-01", "abc", ""}, "amount \"abc\""},
        {{"ktv", "K1", "2027-09-01", "", "a b"}, "visit_id \"a b\""},
    }));
    const auto r = make_visit(in, config(), now);
    CHECK_FALSE(r.visit);
    CHECK_THAT(r.error, Catch::Contains(message));
}

TEST_CASE("import rows: header aliases, defaults and errors") {
    VisitRowParser parser("ktv");
    SECTION("Chinese headers") {
        REQUIRE(parser.set_header({"会员号", "到店时间", "消费金额", "备注"}).empty());
        CHECK(parser.ignored_columns() == std::vector<std::string>{"备注"});
        const auto r = parser.parse({"K1", "2027-09-01 19:30", "88.8", "生日"}, config(), now);
        REQUIRE(r.visit);
        CHECK(r.visit->store == "ktv");
        CHECK(r.visit->amount_cents == 8880);
    }
    SECTION("headers that cannot work") {
        CHECK_THAT(parser.set_header({"member_id", "amount"}),
                   Catch::Contains("no visited_at column"));
        CHECK_THAT(parser.set_header({"visited_at"}), Catch::Contains("no member_id column"));
        CHECK_THAT(parser.set_header({"member_id", "visited_at", "time"}),
                   Catch::Contains("\"time\" twice"));
    }
    SECTION("rows that cannot be read") {
        REQUIRE(parser.set_header({"member_id", "store", "visited_at"}).empty());
        CHECK(parser.parse({"K1", "", "2027-09-01"}, config(), now).visit->store == "ktv");
        CHECK(parser.parse({"K1", "ktv", ""}, config(), now).error == "visited_at is empty");
        CHECK(parser.parse({"K1", "ktv"}, config(), now).error == "visited_at is empty");
        CHECK_THAT(parser.parse({"K1", "ktv", "2027-09-01", "x"}, config(), now).error,
                   Catch::Contains("the row has 4 fields"));
        CHECK_THAT(parser.parse({"K1", "ktv", "2027-09-01\xff"}, config(), now).error,
                   Catch::Contains("UTF-8"));
    }
}
