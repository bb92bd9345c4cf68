// effect_config.h — a store's settings for measuring what its messages do:
// the holdout share per kind, the attribution window per kind, what an SMS
// part costs, and how much data a verdict needs.
//
// `[store_defaults.effect]` sets them for every store and
// `[stores.<id>.effect]` overrides them key by key, like [winback]
// (docs/configuration.md, docs/effect.md). Read and checked by read_effect
// (effect_config.cpp); used by core/holdout.h (who is held out) and
// core/effect.h (the report).
#pragma once

#include <map>

#include "core/job.h"

namespace huitou {

struct EffectConfig {
    // The share of the members who would get a message of a kind that is
    // held out of it, [0, 0.5]. Win-back and festivals on by default; a
    // birthday greeting and a card-expiry notice only when the owner says so.
    std::map<Kind, double> holdout{{Kind::birthday, 0.0},  {Kind::child_birthday, 0.0},
                                   {Kind::festival, 0.10}, {Kind::card_expiry, 0.0},
                                   {Kind::winback, 0.10},  {Kind::points, 0.0},
                                   {Kind::welcome, 0.0},   {Kind::announcement, 0.0}};
    // A visit this many days after a message counts for it (the birthday
    // month's gift: 30). Card expiry has no entry: its window runs until
    // the card's last day + card_expiry_grace_days.
    std::map<Kind, int> window_days{{Kind::birthday, 30}, {Kind::child_birthday, 30},
                                    {Kind::festival, 7},  {Kind::winback, 14},
                                    {Kind::points, 14},   {Kind::welcome, 14},
                                    {Kind::announcement, 14}};
    int card_expiry_grace_days = 7;
    double sms_part_price = 0.05;  // yuan per SMS part, for the cost lines
    int min_group_size = 30;       // fewer members in a group: "not enough data yet"
    int keep_days = 400;           // messages kept for the report this long

    double holdout_share(Kind k) const {
        const auto it = holdout.find(k);
        return it == holdout.end() ? 0.0 : it->second;
    }
};

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// [effect] of a store or of [store_defaults]; keys it lacks keep `e`'s
// values. Throws ConfigError naming the key.
void read_effect(Table& t, EffectConfig& e);
}  // namespace config_detail

}  // namespace huitou
