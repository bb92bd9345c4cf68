// holidays.h — the festivals a shop can greet on, and who each one is for.
//
// A festival comes from config/holidays.toml (embedded; a configured file
// replaces it): a key ("mid_autumn"), the name members read (中秋节), a date
// rule (festival_rule.h: "lunar:08-15"), the template it is written with
// ("festival.mid_autumn", or the general "festival") and an audience — the
// conditions a member must all meet: everyone, members with a child, members
// aged 60 and over, women, men. Each store lists the festivals it celebrates
// (config.h); config loading checks every key, rule and template name.
//
// Pure: which festivals fall on a day or in a year, and whether a member is
// in an audience on a day. It does not decide channels or consent
// (planner.h) or whether a store sends too often (the delivery policy).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/festival_rule.h"
#include "core/member.h"

namespace huitou {

enum class Audience { all, with_child, age_60_plus, women, men };

std::string_view to_string(Audience a);
std::optional<Audience> parse_audience(std::string_view text);

struct Festival {
    std::string key;                 // [a-z0-9_]{1,32}
    std::string name;                // 中秋节
    FestivalRule rule;               // when it falls
    std::string template_name;       // "festival" or "festival.<variant>"
    std::vector<Audience> audience;  // every condition must hold; empty: everyone
};

// True when `m` meets every condition of `audience` on `day` (age on that day).
bool in_audience(const Member& m, const std::vector<Audience>& audience, const Date& day);

struct FestivalDay {
    const Festival* festival = nullptr;
    Date date;

    friend bool operator==(const FestivalDay&, const FestivalDay&) = default;
};

// Every day in `solar_year` on which one of `festivals` falls, sorted by
// date, then key.
std::vector<FestivalDay> festival_days_in(const std::vector<const Festival*>& festivals,
                                          int solar_year);

// Those of `festivals` that fall on `day`.
std::vector<const Festival*> festivals_on(const std::vector<const Festival*>& festivals,
                                          const Date& day);

// The embedded default (config/holidays.toml as built).
std::string_view default_holidays_text();

}  // namespace huitou
