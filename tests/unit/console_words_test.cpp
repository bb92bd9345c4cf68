// Every code the console shows has Chinese words: the kinds, channels and
// states by their enums, and the reasons the planner, the policy, the
// consent rules and the day preview give.
#include <catch2/catch.hpp>

#include "core/console_words.h"
#include "core/contact_history.h"

using namespace huitou;

TEST_CASE("console words: every kind, channel, state and reason code has words") {
    for (const auto kind : all_kinds())
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

TEST_CASE("skip words: the day page's reason, with what its detail tells") {
    // held and unapproved jobs name the person (day_preview's held / not_approved).
    CHECK(skip_words("held", "held by staff 小李") == "店员 小李 暂停了今天的消息");
    CHECK(skip_words("not_approved", "not approved by boss") == "boss 审批时未勾选");
    CHECK(skip_words("held", "") == reason_words("held"));
    // Which cap (core/delivery_policy.cpp's details).
    CHECK(skip_words("capped", "1 a day: festival:T0006:2027-09-15:mid_autumn goes today") ==
          "今日已发送");
    CHECK(skip_words("capped", "3 in 7 days") == reason_words("capped_week"));
    CHECK(skip_words("capped", "6 in 30 days") == "近30天消息已达上限");
    CHECK(skip_words("capped", "") == reason_words("capped"));
    CHECK(skip_words("merged", "into birthday:T0001:2027-09-15") == "已合并到同一天的生日消息");
    CHECK(skip_words("merged", "into ???") == reason_words("merged"));
    CHECK(skip_words("no_consent", "") == "未同意接收");
    CHECK(skip_words("opted_out", "held by staff x") == "已退订");
}
