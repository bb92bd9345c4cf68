#include <catch2/catch.hpp>

#include "core/effect.h"

using namespace huitou;

namespace {

const date::time_zone* shanghai() {
    return find_zone("Asia/Shanghai");
}

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

// A touch planned at `planned` (sent then too unless `sent` says otherwise).
Touch touch(std::string member, Kind kind, std::string period, const char* planned,
            std::optional<SysSeconds> sent = std::nullopt, bool held = false) {
    Touch t;
    t.member_id = std::move(member);
    t.kind = kind;
    t.period = std::move(period);
    t.planned_at = at(planned);
    t.occasion = local_date(t.planned_at, shanghai());
    t.job_id = std::string(to_string(kind)) + ":" + t.member_id + ":" + format_date(t.occasion);
    t.held = held;
    t.sent_at = held ? std::nullopt : sent;
    t.channel = Channel::sms;
    t.sms_parts = held ? 0 : 2;
    return t;
}

Touch sent(std::string member, Kind kind, std::string period, const char* planned) {
    return touch(std::move(member), kind, std::move(period), planned, at(planned));
}

Touch held(std::string member, Kind kind, std::string period, const char* planned) {
    return touch(std::move(member), kind, std::move(period), planned, std::nullopt, true);
}

VisitPoint visit(const char* text, std::optional<long long> cents = std::nullopt) {
    return {at(text), cents};
}

// The touch each visit was credited to, -1 for none.
std::vector<int> credited(const std::vector<Touch>& touches, const std::vector<VisitPoint>& visits,
                          const EffectConfig& config = {},
                          const date::time_zone* zone = shanghai()) {
    std::vector<int> out(visits.size(), -1);
    const auto credits = attribute(touches, visits, config, zone);
    std::size_t v = 0;
    for (const auto& c : credits) {
        while (visits[v].at != c.visit_at)
            ++v;
        out[v++] = static_cast<int>(c.touch);
    }
    return out;
}

}  // namespace

TEST_CASE("Wilson's score interval gives Newcombe's published single-proportion intervals",
          "[effect]") {
    // Newcombe RG, Two-sided confidence intervals for the single proportion,
    // Statistics in Medicine 1998;17:857–872, Table I, method 3.
    const auto [x, n, low, high] = GENERATE(table<long long, long long, double, double>({
        {81, 263, 0.2553, 0.3662},
        {15, 148, 0.0624, 0.1605},
        {0, 20, 0.0, 0.1611},
        {1, 29, 0.0061, 0.1718},
        {29, 29, 0.8830, 1.0},
    }));
    CAPTURE(x, n);
    const auto i = wilson_interval(x, n);
    CHECK(i.low == Approx(low).margin(0.00005));
    CHECK(i.high == Approx(high).margin(0.00005));
}

TEST_CASE("an empty group's rate may be anything", "[effect]") {
    const auto i = wilson_interval(0, 0);
    CHECK(i.low == 0);
    CHECK(i.high == 1);
}

TEST_CASE("Newcombe's method 10 gives the intervals of Newcombe 1998, Table II", "[effect]") {
    // Newcombe RG, Interval estimation for the difference between independent
    // proportions: comparison of eleven methods. Statistics in Medicine
    // 1998;17:873–890, Table II, method 10, examples (a) to (h); each checked
    // again from the paper's definitions (Wilson intervals combined as in (10)).
    const auto [x1, n1, x2, n2, low, high] =
        GENERATE(table<long long, long long, long long, long long, double, double>({
            {56, 70, 48, 80, 0.0524, 0.3339},
            {9, 10, 3, 10, 0.1705, 0.8090},
            {6, 7, 2, 7, 0.0582, 0.8062},
            {5, 56, 0, 29, -0.0381, 0.1926},
            {0, 10, 0, 20, -0.1611, 0.2775},
            {0, 10, 0, 10, -0.2775, 0.2775},
            {10, 10, 0, 20, 0.6791, 1.0},
            {10, 10, 0, 10, 0.6075, 1.0},
        }));
    CAPTURE(x1, n1, x2, n2);
    const auto i = newcombe_difference(x1, n1, x2, n2);
    CHECK(i.low == Approx(low).margin(0.00005));
    CHECK(i.high == Approx(high).margin(0.00005));
}

TEST_CASE("the interval of a difference turns over with the groups", "[effect]") {
    const auto a = newcombe_difference(56, 70, 48, 80);
    const auto b = newcombe_difference(48, 80, 56, 70);
    CHECK(b.low == Approx(-a.high));
    CHECK(b.high == Approx(-a.low));
}

TEST_CASE("two messages before one visit: the later one takes it", "[effect]") {
    const std::vector<Touch> touches{
        sent("M1", Kind::birthday, "2027", "2027-09-12T10:00:00+08:00"),
        sent("M1", Kind::festival, "2027-09-10:x", "2027-09-10T10:00:00+08:00"),
    };
    CHECK(credited(touches, {visit("2027-09-13T19:00:00+08:00")}) == std::vector<int>{0});
    // In either order.
    const std::vector<Touch> reversed{touches[1], touches[0]};
    CHECK(credited(reversed, {visit("2027-09-13T19:00:00+08:00")}) == std::vector<int>{1});
}

TEST_CASE("a visit on the message's day counts only after the message went out", "[effect]") {
    // Planned for 10:00, the provider took it at 10:05.
    const std::vector<Touch> touches{touch("M1", Kind::festival, "2027-09-15:mid_autumn",
                                           "2027-09-15T10:00:00+08:00",
                                           at("2027-09-15T10:05:00+08:00"))};
    CHECK(touch_start(touches[0]) == at("2027-09-15T10:05:00+08:00"));
    CHECK(credited(touches, {visit("2027-09-15T09:30:00+08:00"), visit("2027-09-15T10:02:00+08:00"),
                             visit("2027-09-15T10:05:00+08:00"), visit("2027-09-15T10:05:01+08:00"),
                             visit("2027-09-15T20:00:00+08:00")}) ==
          std::vector<int>{-1, -1, -1, 0, 0});
}

TEST_CASE("a message that never went starts counting when it was due", "[effect]") {
    // Intent to treat: a failed or cancelled message stays in the messaged group.
    const std::vector<Touch> touches{
        touch("M1", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00")};
    CHECK(touch_start(touches[0]) == at("2027-09-15T10:00:00+08:00"));
    CHECK(credited(touches, {visit("2027-09-15T09:59:59+08:00"),
                             visit("2027-09-15T10:00:01+08:00")}) == std::vector<int>{-1, 0});
}

TEST_CASE("a visit after the window is not the message's effect", "[effect]") {
    const std::vector<Touch> festival{
        sent("M1", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00")};
    CHECK(touch_end(festival[0], {}, shanghai()) == at("2027-09-22T10:00:00+08:00"));
    CHECK(credited(festival, {visit("2027-09-22T10:00:00+08:00"),
                              visit("2027-09-22T10:00:01+08:00")}) == std::vector<int>{0, -1});

    const std::vector<Touch> winback{
        sent("M1", Kind::winback, "2027-08-01", "2027-09-15T10:00:00+08:00")};
    CHECK(touch_end(winback[0], {}, shanghai()) == at("2027-09-29T10:00:00+08:00"));

    SECTION("the window is the store's setting") {
        EffectConfig config;
        config.window_days[Kind::festival] = 3;
        CHECK(credited(festival,
                       {visit("2027-09-18T10:00:00+08:00"), visit("2027-09-18T10:00:01+08:00")},
                       config) == std::vector<int>{0, -1});
    }
    SECTION("a kind with no window takes no visit") {
        EffectConfig config;
        config.window_days.erase(Kind::festival);
        CHECK(credited(festival, {visit("2027-09-15T10:00:01+08:00")}, config) ==
              std::vector<int>{-1});
    }
}

TEST_CASE("a visit after a later message's window goes to the earlier, longer window", "[effect]") {
    // The birthday counts 30 days from 1 September, the festival 7 from the 10th.
    const std::vector<Touch> touches{
        sent("M1", Kind::birthday, "2027", "2027-09-01T10:00:00+08:00"),
        sent("M1", Kind::festival, "2027-09-10:x", "2027-09-10T10:00:00+08:00"),
    };
    CHECK(credited(touches, {visit("2027-09-05T12:00:00+08:00"), visit("2027-09-15T12:00:00+08:00"),
                             visit("2027-09-20T12:00:00+08:00"),
                             visit("2027-10-02T12:00:00+08:00")}) == std::vector<int>{0, 1, 0, -1});
}

TEST_CASE("a card-expiry reminder counts until the card's end plus the grace, in the store's zone",
          "[effect]") {
    Touch card = sent("M1", Kind::card_expiry, "2027-09-30", "2027-09-23T10:00:00+08:00");
    card.occasion = *parse_date("2027-09-30");  // the card's last day
    const std::vector<Touch> touches{card};
    CHECK(touch_end(card, {}, shanghai()) == at("2027-10-07T23:59:59+08:00"));
    CHECK(credited(touches, {visit("2027-10-07T23:59:59+08:00"),
                             visit("2027-10-08T00:00:00+08:00")}) == std::vector<int>{0, -1});

    SECTION("a store in Los Angeles: its own midnight") {
        const auto* la = find_zone("America/Los_Angeles");
        CHECK(touch_end(card, {}, la) == at("2027-10-07T23:59:59-07:00"));
        // Midnight in Shanghai is still the 7th in Los Angeles.
        CHECK(credited(touches, {visit("2027-10-08T00:00:00+08:00")}, {}, la) ==
              std::vector<int>{0});
    }
    SECTION("the grace is the store's setting") {
        EffectConfig config;
        config.card_expiry_grace_days = 0;
        CHECK(touch_end(card, config, shanghai()) == at("2027-09-30T23:59:59+08:00"));
    }
}

TEST_CASE("a held-out member's visits are credited as if the message had gone", "[effect]") {
    const std::vector<Touch> touches{
        held("M1", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00")};
    CHECK(credited(touches, {visit("2027-09-15T09:00:00+08:00"), visit("2027-09-15T11:00:00+08:00"),
                             visit("2027-09-23T11:00:00+08:00")}) == std::vector<int>{-1, 0, -1});
}

TEST_CASE("each visit is credited once, with its amount", "[effect]") {
    const std::vector<Touch> touches{
        sent("M1", Kind::birthday, "2027", "2027-09-01T10:00:00+08:00"),
        sent("M1", Kind::festival, "2027-09-10:x", "2027-09-10T10:00:00+08:00"),
    };
    const auto credits = attribute(
        touches, {visit("2027-09-11T12:00:00+08:00", 12850), visit("2027-09-12T12:00:00+08:00")},
        {}, shanghai());
    REQUIRE(credits.size() == 2);
    CHECK(credits[0] == Credit{1, at("2027-09-11T12:00:00+08:00"), 12850});
    CHECK(credits[1] == Credit{1, at("2027-09-12T12:00:00+08:00"), std::nullopt});
}

namespace {

// A festival of `messaged` members (the first `messaged_back` of them come
// back the next day, spending 100 yuan) and `held_out` held-out members (the
// first `held_back` come back).
std::vector<Touch> festival_day(int messaged, int held_out,
                                std::map<std::string, std::vector<VisitPoint>>& visits,
                                int messaged_back, int held_back) {
    std::vector<Touch> touches;
    for (int i = 0; i < messaged; ++i) {
        const std::string id = "S" + std::to_string(i);
        touches.push_back(
            sent(id, Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00"));
        if (i < messaged_back) visits[id].push_back(visit("2027-09-16T19:00:00+08:00", 10000));
    }
    for (int i = 0; i < held_out; ++i) {
        const std::string id = "H" + std::to_string(i);
        touches.push_back(
            held(id, Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00"));
        if (i < held_back) visits[id].push_back(visit("2027-09-16T19:00:00+08:00", 5000));
    }
    return touches;
}

const Date september_1 = *parse_date("2027-09-01");
const Date september_30 = *parse_date("2027-09-30");

}  // namespace

TEST_CASE("messaged against held out: rates, lift, interval, money and cost", "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    const auto touches = festival_day(40, 30, visits, 20, 3);
    EffectConfig config;
    config.sms_part_price = 0.05;
    const auto report = summarize(touches, visits, september_1, september_30, config, shanghai());
    REQUIRE(report.kinds.size() == 1);
    const auto& k = report.kinds[0];
    CHECK(k.kind == Kind::festival);
    CHECK(k.messaged == GroupOutcome{40, 20, 20 * 10000, 40, 80});
    CHECK(k.held == GroupOutcome{30, 3, 3 * 5000, 0, 0});
    CHECK(k.enough);
    CHECK(*k.messaged_rate == Approx(0.5));
    CHECK(*k.held_rate == Approx(0.1));
    CHECK(*k.lift == Approx(0.4));
    REQUIRE(k.lift_interval);
    const auto expected = newcombe_difference(20, 40, 3, 30);
    CHECK(k.lift_interval->low == Approx(expected.low));
    CHECK(k.lift_interval->high == Approx(expected.high));
    CHECK(k.cost_yuan == Approx(80 * 0.05));
    CHECK(*k.extra_members == Approx(16));
    CHECK(*k.cost_per_extra_yuan == Approx(4.0 / 16));
    CHECK(k.verdict.rfind("消息让每100位会员中多回来约40.0位（95%区间 ", 0) == 0);
}

TEST_CASE("below the minimum group size the report says there is not enough data yet", "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    EffectConfig config;
    config.min_group_size = 30;
    SECTION("both groups at the minimum: enough") {
        const auto report = summarize(festival_day(30, 30, visits, 15, 3), visits, september_1,
                                      september_30, config, shanghai());
        CHECK(report.kinds.at(0).enough);
        CHECK(report.kinds.at(0).lift_interval);
    }
    SECTION("one short in the held-out group: rates and lift, no interval, no verdict") {
        const auto report = summarize(festival_day(300, 29, visits, 150, 3), visits, september_1,
                                      september_30, config, shanghai());
        const auto& k = report.kinds.at(0);
        CHECK_FALSE(k.enough);
        CHECK(k.lift);
        CHECK_FALSE(k.lift_interval);
        CHECK_FALSE(k.extra_members);
        CHECK_FALSE(k.cost_per_extra_yuan);
        CHECK(k.cost_yuan == Approx(300 * 2 * 0.05));
        CHECK(k.verdict == "数据还不够：每组至少需要30人（目前发送组300人，对照组29人）");
    }
    SECTION("nobody held out: nothing to compare with") {
        const auto report = summarize(festival_day(300, 0, visits, 150, 0), visits, september_1,
                                      september_30, config, shanghai());
        const auto& k = report.kinds.at(0);
        CHECK_FALSE(k.held_rate);
        CHECK_FALSE(k.lift);
        CHECK(k.verdict == "没有对照组：这类消息没有留出会员，无法衡量效果");
    }
}

TEST_CASE("the verdict: more came back, fewer came back, or no visible effect", "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    const auto verdict = [&](int messaged_back, int held_back) {
        visits.clear();
        return summarize(festival_day(100, 100, visits, messaged_back, held_back), visits,
                         september_1, september_30, {}, shanghai())
            .kinds.at(0)
            .verdict;
    };
    CHECK(verdict(30, 10).rfind("消息让每100位会员中多回来约20.0位（95%区间 ", 0) == 0);
    CHECK(verdict(10, 30).rfind("收到消息的会员反而回来得更少：每100位中少回来约20.0位", 0) == 0);
    CHECK(verdict(22, 20).rfind("看不出效果：区间包含0", 0) == 0);
}

TEST_CASE("a win-back's reminder and follow-up of one absence are one member", "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    std::vector<Touch> touches{
        sent("M1", Kind::winback, "2027-08-01", "2027-09-02T10:00:00+08:00"),
        sent("M1", Kind::winback, "2027-08-01", "2027-09-12T10:00:00+08:00"),
        // A second absence of the same member is another unit.
        sent("M1", Kind::winback, "2027-09-20", "2027-09-28T10:00:00+08:00"),
        held("M2", Kind::winback, "2027-08-03", "2027-09-04T10:00:00+08:00"),
        held("M2", Kind::winback, "2027-08-03", "2027-09-14T10:00:00+08:00"),
    };
    visits["M1"] = {visit("2027-09-13T12:00:00+08:00", 8800), visit("2027-09-14T12:00:00+08:00")};
    visits["M2"] = {visit("2027-09-20T12:00:00+08:00", 3000)};
    const auto report = summarize(touches, visits, september_1, september_30, {}, shanghai());
    REQUIRE(report.kinds.size() == 1);
    const auto& k = report.kinds[0];
    CHECK(k.kind == Kind::winback);
    CHECK(k.messaged == GroupOutcome{2, 1, 8800, 3, 6});
    CHECK(k.held == GroupOutcome{1, 1, 3000, 0, 0});
}

TEST_CASE("only touches planned in the range are counted, but any touch may take a visit",
          "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    const std::vector<Touch> touches{
        // In range: a birthday greeting, 30 days.
        sent("M1", Kind::birthday, "2027", "2027-09-10T10:00:00+08:00"),
        // After the range: a festival takes the visit of 3 October from the birthday.
        sent("M1", Kind::festival, "2027-10-01:national_day", "2027-10-01T10:00:00+08:00"),
        // Planned on the range's last local day, 30 September 23:30 in Shanghai.
        sent("M2", Kind::birthday, "2027", "2027-09-30T23:30:00+08:00"),
        // The first local day after it.
        sent("M3", Kind::birthday, "2027", "2027-10-01T00:00:00+08:00"),
    };
    visits["M1"] = {visit("2027-10-03T12:00:00+08:00", 5000)};
    visits["M2"] = {visit("2027-10-03T12:00:00+08:00", 7000)};
    const auto report = summarize(touches, visits, september_1, september_30, {}, shanghai());
    REQUIRE(report.kinds.size() == 1);
    const auto& k = report.kinds[0];
    CHECK(k.kind == Kind::birthday);
    CHECK(k.messaged == GroupOutcome{2, 1, 7000, 2, 4});
    CHECK(k.held == GroupOutcome{});
}

TEST_CASE("the cost counts SMS parts the provider took, not WeChat or unsent messages",
          "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    std::vector<Touch> touches{
        sent("M1", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00"),
        sent("M2", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00"),
        touch("M3", Kind::festival, "2027-09-15:mid_autumn", "2027-09-15T10:00:00+08:00"),
    };
    touches[0].sms_parts = 3;
    touches[1].channel = Channel::wechat;
    touches[1].sms_parts = 0;
    EffectConfig config;
    config.sms_part_price = 0.045;
    const auto report = summarize(touches, visits, september_1, september_30, config, shanghai());
    const auto& k = report.kinds.at(0);
    CHECK(k.messaged.members == 3);
    CHECK(k.messaged.sent == 2);
    CHECK(k.messaged.sms_parts == 3);
    CHECK(k.cost_yuan == Approx(0.135));
}

TEST_CASE("kinds come in their order, only those with touches in the range", "[effect]") {
    const std::vector<Touch> touches{
        sent("M1", Kind::winback, "2027-08-01", "2027-09-02T10:00:00+08:00"),
        sent("M1", Kind::birthday, "2027", "2027-09-10T10:00:00+08:00"),
        sent("M2", Kind::festival, "2027-10-01:national_day", "2027-10-01T10:00:00+08:00"),
    };
    const auto report = summarize(touches, {}, september_1, september_30, {}, shanghai());
    REQUIRE(report.kinds.size() == 2);
    CHECK(report.kinds[0].kind == Kind::birthday);
    CHECK(report.kinds[1].kind == Kind::winback);
}

TEST_CASE("the report as CSV and JSON", "[effect]") {
    std::map<std::string, std::vector<VisitPoint>> visits;
    const auto touches = festival_day(40, 30, visits, 20, 3);
    const auto report = summarize(touches, visits, september_1, september_30, {}, shanghai());
    const auto i = *report.kinds.at(0).lift_interval;
    char low[16], high[16];
    std::snprintf(low, sizeof low, "%.4f", i.low);
    std::snprintf(high, sizeof high, "%.4f", i.high);

    const std::string csv = effect_csv(report);
    CHECK(csv ==
          "kind,from,to,messaged_members,messaged_came_back,messaged_rate,messaged_amount_yuan,"
          "held_members,held_came_back,held_rate,held_amount_yuan,lift,lift_low,lift_high,"
          "enough,sent,sms_parts,cost_yuan,extra_members,cost_per_extra_yuan,verdict\n"
          "festival,2027-09-01,2027-09-30,40,20,0.5000,2000.00,30,3,0.1000,150.00,0.4000," +
              std::string(low) + "," + high + ",true,40,80,4.00,16.0,0.25," +
              report.kinds[0].verdict + "\n");

    const auto j = to_json(report);
    CHECK(j["from"] == "2027-09-01");
    CHECK(j["to"] == "2027-09-30");
    CHECK(j["min_group_size"] == 30);
    const auto& k = j["kinds"].at(0);
    CHECK(k["kind"] == "festival");
    CHECK(k["messaged"]["members"] == 40);
    CHECK(k["messaged"]["came_back"] == 20);
    CHECK(k["messaged"]["amount_yuan"] == "2000.00");
    CHECK(k["held"]["rate"].get<double>() == Approx(0.1));
    CHECK(k["enough"] == true);
    CHECK(k["lift_interval"]["low"].get<double>() == Approx(i.low));
    CHECK(k["cost_yuan"] == "4.00");
    CHECK(k["cost_per_extra_yuan"] == "0.25");
    CHECK(k["verdict"] == report.kinds[0].verdict);

    SECTION("what is not known is null, and an empty cell in the CSV") {
        visits.clear();
        const auto few = summarize(festival_day(5, 2, visits, 1, 0), visits, september_1,
                                   september_30, {}, shanghai());
        const auto fj = to_json(few)["kinds"].at(0);
        CHECK(fj["lift_interval"].is_null());
        CHECK(fj["extra_members"].is_null());
        CHECK(fj["cost_per_extra_yuan"].is_null());
        CHECK(effect_csv(few).find(",0.2000,,,false,5,10,0.50,,,数据还不够") != std::string::npos);
    }
}

TEST_CASE("a unit with one message sent is messaged, even if another touch was held", "[effect]") {
    // Never planned so (a period keeps its group), but the message went.
    const std::vector<Touch> touches{
        sent("M1", Kind::winback, "2027-08-01", "2027-09-02T10:00:00+08:00"),
        held("M1", Kind::winback, "2027-08-01", "2027-09-12T10:00:00+08:00"),
    };
    const auto report = summarize(touches, {}, september_1, september_30, {}, shanghai());
    const auto& k = report.kinds.at(0);
    CHECK(k.messaged.members == 1);
    CHECK(k.held.members == 0);
}
