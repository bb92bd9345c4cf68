#include "cli/care_command.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "core/care_list.h"
#include "core/care_rule.h"
#include "core/send_window.h"
#include "io/care_store.h"

namespace huitou {
namespace {

std::string date_or_dash(const std::optional<Date>& d) {
    return d ? format_date(*d) : "-";
}

}  // namespace

void CareCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand("care", "A store's care list of a day: the staff's calls");
    command_->add_option("--store", store_, "The store")->required();
    command_->add_option("--date", date_, "The day, YYYY-MM-DD (default: the store's today)");
    command_->add_flag("--json", json_, "JSON: the day's list");
    command_->add_flag("--build", build_, "Build the day's list now if it has none");
    command_->add_option("--mark", mark_, "Mark this member's entry (with --as)");
    command_->add_option("--as", as_, "done (已联系), no_answer (未接通) or stop (不再致电)");
    command_->add_option("--note", note_, "A note with the mark");
    command_->add_option("--by", by_, "Who marks it (default: cli)");
}

std::optional<int> CareCommand::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (!command_ || !*command_) return std::nullopt;
    const StoreConfig* store = rt.config.find_store(store_);
    if (!store) {
        err << "huitou care: --store " << store_ << ": not a store of the config\n";
        return 2;
    }
    const SysSeconds now = rt.clock->now();
    Date day = local_date(now, store->zone);
    if (!date_.empty()) {
        const auto d = parse_date(date_);
        if (!d) {
            err << "huitou care: --date " << date_ << ": expected YYYY-MM-DD\n";
            return 2;
        }
        day = *d;
    }
    RedisConnection redis(rt.redis);
    CareStore care(redis, rt.config);
    if (!mark_.empty()) {
        const auto state = parse_care_state(as_);
        if (!state || *state == CareState::open) {
            err << "huitou care: --as " << as_ << ": expected done, no_answer or stop\n";
            return 2;
        }
        if (note_.size() > kCareNoteMax) {
            err << "huitou care: --note: at most " << kCareNoteMax << " bytes\n";
            return 2;
        }
        const auto r = care.mark(*store, day, mark_, *state, note_, by_, now);
        if (r != CareMarkResult::ok) {
            err << "huitou care: --mark " << mark_ << ": " << to_string(r) << " on "
                << format_date(day) << "'s list\n";
            return 2;
        }
        out << store->id << " " << format_date(day) << ": " << mark_ << " marked "
            << to_string(*state) << "\n";
        return 0;
    }
    if (build_) {
        if (!store->care.enabled) {
            err << "huitou care: " << store->id << ": care is off ([stores." << store->id
                << ".care] enabled)\n";
            return 2;
        }
        care.build(*store, day, now);
    }
    const auto list = care.day(*store, day);
    if (!list) {
        err << "huitou care: " << store->id << " " << format_date(day)
            << ": no care list (built after the night's segments when [care] is enabled; or "
               "--build)\n";
        return 3;
    }
    const auto hours = format_time_windows(store->care.hours);
    if (json_) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& r : list->rows)
            rows.push_back(
                {{"member", r.entry.member},
                 {"name", r.name},
                 {"phone", r.phone},
                 {"segment", segment_name(r.entry.segment)},
                 {"segment_key", segment_key(r.entry.segment)},
                 {"last_visit", r.last_visit ? nlohmann::json(format_date(*r.last_visit))
                                             : nlohmann::json(nullptr)},
                 {"last_contact", r.last_contact ? nlohmann::json(format_date(*r.last_contact))
                                                 : nlohmann::json(nullptr)},
                 {"hours", format_time_windows(r.hours)},
                 {"work_hours", format_work_hours(r.work_hours)},
                 {"state", to_string(r.entry.state)},
                 {"note", r.entry.note},
                 {"by", r.entry.by}});
        out << nlohmann::json{{"store", store->id},
                              {"date", format_date(day)},
                              {"hours", hours},
                              {"pushed", list->pushed_at.has_value()},
                              {"calls", rows}}
                   .dump(2)
            << "\n";
        return 0;
    }
    out << store->id << " " << format_date(day) << ": " << list->rows.size()
        << " care calls, hours " << hours << "\n";
    int rank = 0;
    for (const auto& r : list->rows) {
        out << ++rank << ". " << r.entry.member << " " << (r.name.empty() ? "-" : r.name) << " "
            << (r.phone.empty() ? "-" : r.phone) << " " << segment_name(r.entry.segment)
            << " last visit " << date_or_dash(r.last_visit) << ", last contact "
            << date_or_dash(r.last_contact) << ": " << care_state_name(r.entry.state);
        if (r.hours != store->care.hours)
            out << ", call " << format_time_windows(r.hours) << " (at work "
                << format_work_hours(r.work_hours) << ")";
        if (!r.entry.note.empty()) out << " (" << r.entry.note << ")";
        out << "\n";
    }
    return 0;
}

}  // namespace huitou
