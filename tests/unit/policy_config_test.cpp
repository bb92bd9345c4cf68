// [policy] tables (core/policy_config.h): read key by key over the defaults,
// and every mistake refused with the key named.
#include <catch2/catch.hpp>

#include "core/config.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("policy settings: code defaults, store defaults, per store") {
    const Config c = parse_config(R"(
[store_defaults.policy]
send_windows = ["14:00-21:00", "10:00-12:00"]
sms_windows = ["10:00-12:00"]
spread_minutes = 60
max_per_week = 3
cooldown_days = { festival = 5 }
[stores.a]
name = "A"
[stores.a.policy]
max_per_day = 2
caps_apply_to_notices = true
[stores.b]
name = "B"
)",
                                  "t.toml");
    const PolicyConfig& a = c.find_store("a")->policy;
    const PolicyConfig& b = c.find_store("b")->policy;
    // Sorted as read, whatever the order written.
    const std::vector<TimeWindow> windows{{10h, 12h}, {14h, 21h}};
    CHECK(a.windows == windows);
    CHECK(a.windows_for(Channel::sms) == std::vector<TimeWindow>{{10h, 12h}});
    CHECK(a.windows_for(Channel::wechat) == windows);
    CHECK(a.spread == 60min);
    CHECK(a.max_per_day == 2);  // the store's own
    CHECK(b.max_per_day == 1);  // the code's default
    CHECK(a.max_per_week == 3);
    CHECK(a.max_per_30_days == 4);
    // A cooldown table replaces the default one: winback's 3 days are gone.
    CHECK(a.cooldown_for(Kind::festival) == 5);
    CHECK(a.cooldown_for(Kind::winback) == 0);
    CHECK(a.caps_apply_to_notices);
    CHECK_FALSE(b.caps_apply_to_notices);
    CHECK_FALSE(b.notices_need_optin);
    CHECK(PolicyConfig{}.cooldown_for(Kind::winback) == 3);
}

TEST_CASE("policy config errors name the key") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"send_windows = [\"09:00-12:00\", \"11:00-13:00\"]\n",
         "t.toml: stores.a.policy.send_windows: windows 09:00"},
        {"send_windows = []\n",
         "t.toml: stores.a.policy.send_windows: a store needs at least one window"},
        {"send_windows = [9]\n",
         "t.toml: stores.a.policy.send_windows: expected windows as strings"},
        {"sms_windows = [\"12:00-09:00\"]\n", "t.toml: stores.a.policy.sms_windows: "},
        {"send_windows = \"09:00-12:00\"\n",
         "t.toml: stores.a.policy.send_windows: expected an array"},
        {"max_per_day = 3\nmax_per_week = 2\n",
         "t.toml: stores.a.policy.max_per_week: must be at least max_per_day"},
        {"max_per_week = 5\nmax_per_30_days = 4\n",
         "t.toml: stores.a.policy.max_per_30_days: must be at least max_per_week"},
        {"max_per_day = 11\n", "t.toml: stores.a.policy.max_per_day: must be between 1 and 10"},
        {"cooldown_days = { birthdy = 2 }\n",
         "t.toml: stores.a.policy.cooldown_days.birthdy: unknown kind (known: birthday, "
         "child_birthday, festival, card_expiry, winback, points, welcome, announcement)"},
        {"notices_need_optin = \"yes\"\n",
         "t.toml: stores.a.policy.notices_need_optin: expected true or false"},
        {"max_per_dya = 1\n", "t.toml: stores.a.policy.max_per_dya: unknown key"},
    }));
    CAPTURE(text);
    CHECK_THROWS_WITH(
        parse_config("[stores.a]\nname = \"A\"\n[stores.a.policy]\n" + text, "t.toml"),
        Catch::StartsWith(message));
}
