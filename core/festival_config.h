// festival_config.h — reading the festivals: which ones exist
// (config/holidays.toml) and which, and when, a store greets on.
//
// The holidays file (embedded; calendar.holidays_file replaces it) defines
// each festival: key, name, date rule (core/festival_rule.h), template and
// audience (core/holidays.h). parse_holidays reads it as strictly as the main
// file reads. A store's occasion keys — `festivals` (defined keys, each
// once), `lead_days`, `card_expiry_days`, `points_reminder_days` — are read by read_store_occasions
// once the festivals are known, so a store naming an undefined festival
// fails with the list of those that are.
//
// Which file to read is parse_config's choice (config.cpp), through the
// reader it is given; nothing here reads a file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/holidays.h"

namespace huitou {

struct Config;
struct StoreConfig;

// Parses and checks a holidays file (see config/holidays.toml); `origin`
// names it in errors. Throws ConfigError.
std::vector<Festival> parse_holidays(std::string_view toml_text, const std::string& origin);

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// The occasion settings of a store (or of [store_defaults]) into `s`:
// festivals, lead_days, card_expiry_days and points_reminder_days (sorted,
// latest first). `c` holds
// the festivals already loaded. Throws ConfigError naming the key.
void read_store_occasions(Table& t, StoreConfig& s, const Config& c);
}  // namespace config_detail

}  // namespace huitou
