// Every code the console shows has Chinese words: the kinds, channels and
// states by their enums, and the reasons the planner, the policy, the
// consent rules and the day preview give.
#include <catch2/catch.hpp>

#include "core/console_words.h"
#include "core/contact_history.h"

using namespace huitou;

TEST_CASE("console words: every kind, channel, state and reason code has words") {
    for (const auto kind :
         {Kind::birthday, Kind::child_birthday, Kind::festival, Kind::card_expiry, Kind::winback})
        CHECK(kind_words(kind) != to_string(kind));
    CHECK(channel_words(Channel::sms) == "短信");
    CHECK(channel_words(Channel::wechat) == "微信");
    for (const auto name : {"planned", "dispatched", "sent", "delivered", "failed", "expired",
                            "cancelled", "unknown", "held"}) {
        const auto state = parse_job_state(name);
        REQUIRE(state);
        CHECK(state_words(*state) != "未知");
    }
    // The contact history's own codes, from its function.
    for (const auto check :
         {ContactCheck::capped_day, ContactCheck::capped_week, ContactCheck::cooldown})
        CHECK(reason_words(reason_of(check)) != reason_of(check));
    for (const auto code :
         {"no_consent", "opted_out", "no_channel", "no_template", "quiet_hours", "capped", "merged",
          "not_in_audience", "holdout", "expired", "failed", "unknown", "cancelled", "came_back"}) {
        INFO(code);
        CHECK(reason_words(code) != code);
    }
    CHECK(reason_words("something_new") == "something_new");
    CHECK(error_words("held by staff 小李") == "店员 小李 暂停了今天的消息");
    CHECK(error_words("no_consent") == "未同意接收");
}
