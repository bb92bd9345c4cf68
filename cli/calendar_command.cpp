#include "cli/calendar_command.h"

#include <charconv>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/holidays.h"
#include "core/lunar_calendar.h"

namespace huitou {
namespace {

// The answer of a conversion: one date as text (the one asked for), or both as JSON.
void print(const std::string& solar, const std::string& lunar, bool lunar_asked, bool json,
           std::ostream& out) {
    if (json)
        out << nlohmann::json{{"solar", solar}, {"lunar", lunar}}.dump(2) << "\n";
    else
        out << (lunar_asked ? lunar : solar) << "\n";
}

}  // namespace

int calendar_convert(std::string_view text, std::ostream& out, std::ostream& err, bool json) {
    if (text.starts_with("lunar:")) {
        const auto lunar = parse_lunar(text);
        if (!lunar) {
            err << "huitou: \"" << text
                << "\" is not a lunar date lunar:YYYY-MM-DD or lunar:YYYY-leapMM-DD\n";
            return 2;
        }
        const auto solar = to_solar(*lunar);
        if (!solar) {
            const bool in_table =
                month_length(lunar->year, lunar->month, lunar->leap) >= lunar->day;
            if (in_table || lunar->year < 1900 || lunar->year > 2099) {
                err << "huitou: " << text << " is " << lunar_date_problem(*lunar) << "\n";
            } else {
                err << "huitou: " << text << " does not exist: " << lunar_date_problem(*lunar)
                    << "\n";
            }
            return 2;
        }
        print(format_date(*solar), format_lunar(*lunar), false, json, out);
        return 0;
    }
    const auto solar = parse_date(text);
    if (!solar) {
        err << "huitou: \"" << text << "\" is not a date YYYY-MM-DD or lunar:YYYY-MM-DD\n";
        return 2;
    }
    const auto lunar = to_lunar(*solar);
    if (!lunar) {
        err << "huitou: " << text << " is outside the lunar calendar's range ("
            << format_date(kFirstLunarSupportedDay) << " to " << format_date(kLastLunarSupportedDay)
            << ")\n";
        return 2;
    }
    print(format_date(*solar), format_lunar(*lunar), true, json, out);
    return 0;
}

int calendar_holidays(const Config& config, std::string_view year_text, const std::string& store,
                      std::ostream& out, std::ostream& err, bool json) {
    int year = 0;
    const auto [end, ec] =
        std::from_chars(year_text.data(), year_text.data() + year_text.size(), year);
    if (ec != std::errc{} || end != year_text.data() + year_text.size() || year < 1901 ||
        year > 2099) {
        err << "huitou: \"" << year_text << "\" is not a year 1901..2099\n";
        return 2;
    }
    std::vector<const Festival*> festivals;
    if (store.empty()) {
        for (const auto& f : config.festivals)
            festivals.push_back(&f);
    } else {
        const auto* s = config.find_store(store);
        if (!s) {
            err << "huitou: --store " << store << ": not a store in " << config.origin << "\n";
            return 2;
        }
        festivals = config.festivals_of(*s);
    }
    auto days = nlohmann::json::array();
    for (const auto& [festival, day] : festival_days_in(festivals, year)) {
        if (json)
            days.push_back(
                {{"date", format_date(day)}, {"key", festival->key}, {"name", festival->name}});
        else
            out << format_date(day) << " " << festival->key << " " << festival->name << "\n";
    }
    if (json) out << days.dump(2) << "\n";
    return 0;
}

}  // namespace huitou
