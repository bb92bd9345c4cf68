// care_config.h — a store's settings for its care list: the staff's phone
// calls to its most valuable members (回访, docs/policy.md "The care list").
//
// `[store_defaults.care]` sets them for every store and `[stores.<id>.care]`
// overrides them (docs/configuration.md). Off unless `enabled`: a call is
// the staff's time, which only the store can give. The robot's key (the
// WeChat Work group robot that receives the day's list) is a secret: read
// from a file or the environment, never written in the config, never logged.
// Nothing here reads a clock.
#pragma once

#include <string>
#include <vector>

#include "core/provider_config.h"
#include "core/send_window.h"
#include "core/value_segment.h"

namespace huitou {

struct CareConfig {
    bool enabled = false;
    // The segments whose members the staff call, in the order the list
    // ranks them (the first is called first): 重要挽留 (about to be lost),
    // then 重要价值.
    std::vector<ValueSegment> segments{ValueSegment::important_retain,
                                       ValueSegment::important_value};
    int calls_per_year = 3;  // care calls a member gets in a calendar year
    int quiet_days = 7;      // no care call within this many days of any message or call
    // The hours the staff call, in the store's time zone: not at meals, not
    // at night (config refuses hours before 08:00 or after 21:00).
    std::vector<TimeWindow> hours{
        {std::chrono::minutes(10 * 60), std::chrono::minutes(11 * 60 + 30)},
        {std::chrono::minutes(14 * 60 + 30), std::chrono::minutes(17 * 60 + 30)},
        {std::chrono::minutes(19 * 60), std::chrono::minutes(20 * 60 + 30)}};
    int daily_limit = 20;  // calls on one day's list
    std::vector<int> weekdays{1, 2, 3, 4,
                              5, 6, 7};  // ISO: 1 Monday … 7 Sunday; the days with a list
    // The WeChat Work group robot: where the day's list is posted
    // (`robot_url` + "?key=" + the key); no key, no post.
    std::string robot_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send";
    SecretRef robot_key;            // robot_key_file / robot_key_env
    bool robot_full_phone = false;  // the group message shows whole numbers (else 138****8000)

    bool has_robot() const { return !robot_key.empty(); }
};

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// [care] of a store or of [store_defaults]; keys it lacks keep `c`'s
// values. Throws ConfigError naming the key.
void read_care(Table& t, CareConfig& c);
}  // namespace config_detail

}  // namespace huitou
