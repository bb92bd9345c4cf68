// visit_words.h — a member's visit cycle as the staff at the counter say it:
// "大约每15天来一次，上次23天前，已逾期".
//
// The numbers are the win-back's own (core/visit_state.h, written by
// scripts/record_visit.lua: the cycle, the lapse day, the state), so the
// page says what the reminders act on; only the words are made here. Whether
// the cycle was learned from the member's own visits or is the store's
// default for too few visits is core/visit_cycle.h's learned_cycle. Pure:
// today is an argument.
#pragma once

#include <optional>
#include <string>

#include "core/civil_time.h"
#include "core/visit_state.h"
#include "core/winback_config.h"

namespace huitou {

struct VisitWords {
    std::string line;      // "大约每15天来一次，上次23天前，已逾期"
    bool overdue = false;  // past the lapse day (or lapsed, reminded, churned)
    bool learned = false;  // the cycle is the member's own, not the store's default
};

// The words for `state` (nullopt: no visit recorded) on `today` (the store's
// local date) under the store's win-back settings.
VisitWords visit_words(const std::optional<VisitState>& state, const Date& today,
                       const WinbackConfig& config);

}  // namespace huitou
