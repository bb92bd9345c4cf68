// core/welcome.h: which consent events welcome, when the welcome is due and
// when it expires, and its words at dispatch.
#include <catch2/catch.hpp>

#include "core/contact_history.h"
#include "core/job_render.h"
#include "core/welcome.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

const Config& config() {
    static const Config c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
festivals = []
[stores.toyland.policy]
sms_windows = ["09:00-12:00", "13:30-20:30"]
wechat_windows = ["10:00-20:00"]
[stores.quiet]
name = "安静书店"
welcome = false
)",
                                         "welcome.toml");
    return c;
}

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

}  // namespace

TEST_CASE("an opt-in at the counter or through the API welcomes — nothing else does", "[welcome]") {
    ConsentEvent e;
    e.store = "toyland";
    e.member = "M1";
    e.opt_in = true;
    using S = ConsentSource;
    for (const auto& [source, welcomes_her] :
         std::vector<std::pair<S, bool>>{{S::counter, true},
                                         {S::api, true},
                                         {S::import, false},
                                         {S::sms_reply, false},
                                         {S::wechat_event, false},
                                         {S::provider, false}}) {
        INFO(to_string(source));
        e.source = source;
        CHECK(welcomes(e) == welcomes_her);
    }
    e.source = S::counter;
    e.opt_in = false;
    CHECK_FALSE(welcomes(e));  // an opt-out
    e.opt_in = true;
    e.shop_record = true;
    CHECK_FALSE(welcomes(e));  // a member write through the API: the shop's record
    e.shop_record = false;
    e.member.clear();
    e.address = "+8613800000001";
    CHECK_FALSE(welcomes(e));  // no member named
}

TEST_CASE("a welcome is due at the channel's next opening and expires at the next day's end",
          "[welcome]") {
    const auto& store = *config().find_store("toyland");
    const SysSeconds end_of_tomorrow = at("2027-09-12T00:00:00+08:00");
    const auto cases = std::vector<std::tuple<Channel, const char*, const char*>>{
        {Channel::sms, "2027-09-10T10:00:00+08:00", "2027-09-10T10:00:00+08:00"},  // open: now
        {Channel::sms, "2027-09-10T12:30:00+08:00", "2027-09-10T13:30:00+08:00"},  // lunch
        {Channel::sms, "2027-09-10T22:30:00+08:00", "2027-09-11T09:00:00+08:00"},  // night
        {Channel::sms, "2027-09-10T07:00:00+08:00", "2027-09-10T09:00:00+08:00"},  // early
        {Channel::wechat, "2027-09-10T09:30:00+08:00", "2027-09-10T10:00:00+08:00"},
        {Channel::wechat, "2027-09-10T20:00:00+08:00", "2027-09-11T10:00:00+08:00"},
    };
    for (const auto& [channel, when, due] : cases) {
        INFO(when << " " << to_string(channel));
        const auto plan = plan_welcome(store, "M1", channel, at(when));
        REQUIRE(plan);
        CHECK(plan->due_at == at(due));
        CHECK(plan->expires_at == end_of_tomorrow);
        CHECK(plan->day == *parse_date("2027-09-10"));
        CHECK(plan->job_id == "welcome:M1:2027-09-10:" + std::string(to_string(channel)));
    }
    // A minute before midnight: the opt-in's day is still the 10th.
    const auto late = plan_welcome(store, "M1", Channel::sms, at("2027-09-10T23:59:00+08:00"));
    REQUIRE(late);
    CHECK(late->due_at == at("2027-09-11T09:00:00+08:00"));
    CHECK(late->expires_at == end_of_tomorrow);
    CHECK_FALSE(plan_welcome(*config().find_store("quiet"), "M1", Channel::sms,
                             at("2027-09-10T10:00:00+08:00")));
    CHECK(welcomed_field("M1", Channel::wechat) == "M1|wechat");
}

TEST_CASE("a welcome stays outside the caps and cooldowns", "[welcome][contact_history]") {
    PolicyConfig policy;
    policy.cooldown_days[Kind::welcome] = 3;
    const int today = 20000;
    const std::vector<Contact> full{{today, Kind::birthday},
                                    {today - 1, Kind::festival},
                                    {today - 2, Kind::winback},
                                    {today - 3, Kind::festival}};
    CHECK(check_contact(full, Kind::winback, today, policy) != ContactCheck::ok);
    CHECK(check_contact(full, Kind::welcome, today, policy) == ContactCheck::ok);
}

TEST_CASE("a welcome's words are written from its id with the store's welcome template",
          "[welcome][job_render]") {
    const auto& store = *config().find_store("toyland");
    const TemplateSet templates = TemplateSet::load(config(), nullptr);
    Member m;
    m.store = "toyland";
    m.id = "M1";
    m.name = "王芳";
    m.gender = Gender::female;
    m.phone = "+8613800000001";
    const Date day = *parse_date("2027-09-10");
    const auto words = render_job(m, config(), store, templates, day, "welcome:M1:2027-09-10:sms",
                                  Channel::sms, {});
    REQUIRE(words.text);
    CHECK(*words.text ==
          "王女士，欢迎加入童乐玩具会员！生日和节日我们会给您送上祝福，新品和活动也会第一时间告诉您"
          "。");
    // An id whose detail is not a channel is not a welcome's.
    CHECK_FALSE(render_job(m, config(), store, templates, day, "welcome:M1:2027-09-10:fax",
                           Channel::sms, {})
                    .text);
}
