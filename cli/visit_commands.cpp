#include "cli/visit_commands.h"

#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/progress_bar.h"
#include "core/csv_reader.h"
#include "core/text_encoding.h"
#include "core/visit_cycle.h"
#include "core/visit_row.h"
#include "io/visit_store.h"
#include "io/winback_store.h"
#include "scheduler/admin_views.h"

namespace huitou {
namespace {

std::string pad_left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string format_days(double days) {
    const auto whole = static_cast<long long>(days);
    return static_cast<double>(whole) == days ? std::to_string(whole)
                                              : std::to_string(whole) + ".5";
}

class VisitBatch {
  public:
    VisitBatch(RedisConnection& redis, const Config& config, std::size_t size, SysSeconds now,
               VisitImportReport& report)
        : store_(redis, config), size_(size), now_(now), report_(report) {}

    void add(Visit v) {
        pending_.push_back(std::move(v));
        if (pending_.size() >= size_) flush();
    }

    void flush() {
        if (pending_.empty()) return;
        for (const auto& r : store_.record(pending_, now_)) {
            switch (r.outcome) {
                case VisitOutcome::latest:
                    ++report_.latest;
                    break;
                case VisitOutcome::earlier:
                    ++report_.earlier;
                    break;
                case VisitOutcome::duplicate:
                    ++report_.duplicate;
                    break;
            }
            if (!r.member_known && r.outcome != VisitOutcome::duplicate) ++report_.unknown_members;
            report_.cancelled += static_cast<std::size_t>(r.cancelled);
        }
        pending_.clear();
    }

  private:
    VisitStore store_;
    std::size_t size_;
    SysSeconds now_;
    VisitImportReport& report_;
    std::vector<Visit> pending_;
};

}  // namespace

VisitImportReport import_visits(const VisitImportOptions& o, const Config& config,
                                RedisConnection& redis, SysSeconds now, std::ostream& errors) {
    if (!o.default_store.empty() && !config.find_store(o.default_store)) {
        throw ConfigError("--store " + o.default_store + ": not a store in " + config.origin);
    }
    // GBK files from Excel are converted, as for members.
    const auto input = open_as_utf8(o.path, errors);
    std::istream& in = *input;
    CsvReader reader(in);
    const auto header = reader.next();
    if (!header) throw ConfigError(o.path + ": the file is empty");
    if (!header->error.empty()) throw ConfigError(o.path + ": line 1: " + header->error);
    VisitRowParser parser(o.default_store);
    if (const auto problem = parser.set_header(header->fields); !problem.empty()) {
        throw ConfigError(o.path + ": line " + std::to_string(header->line) + ": " + problem);
    }
    if (!parser.ignored_columns().empty()) {
        std::string names;
        for (const auto& c : parser.ignored_columns())
            names += (names.empty() ? "" : ", ") + c;
        errors << "note: ignoring columns " << names << "\n";
    }
    VisitImportReport report;
    VisitBatch batch(redis, config, o.batch, now, report);
    ProgressBar progress(errors, in, o.progress);
    while (auto record = reader.next()) {
        ++report.rows;
        progress.row();
        auto checked = record->error.empty() ? parser.parse(record->fields, config, now)
                                             : VisitCheck{std::nullopt, record->error};
        if (checked.visit) {
            batch.add(std::move(*checked.visit));
        } else {
            ++report.rejected;
            progress.clear();
            errors << "line " << record->line << ": " << checked.error << "\n";
        }
    }
    batch.flush();
    return report;
}

void VisitCommands::add_to(CLI::App& app) {
    import_ = app.add_subcommand("import-visits", "Import visits from a CSV file");
    import_->add_option("file", import_options_.path, "CSV with a header row")->required();
    import_->add_option("--store", import_options_.default_store,
                        "Store for rows without a store column");
    import_->add_option("--batch", import_options_.batch, "Visits per Redis round trip")
        ->check(CLI::Range(1, 100000));
    import_->add_flag("--quiet", quiet_, "No progress line on a terminal");
    import_->add_flag("--json", import_json_, "The summary as JSON (and no progress line)");

    visit_ = app.add_subcommand("visit", "Record one visit of a member");
    visit_->add_option("member_id", member_)->required();
    visit_->add_option("--store", store_, "The store visited")->required();
    visit_->add_option("--at", at_, "When (default: now), e.g. 2027-09-15T19:30:00+08:00");
    visit_->add_option("--amount", amount_, "What the member spent, e.g. 128.50");
    visit_->add_option("--id", visit_id_, "The POS's receipt or order number");
    visit_->add_flag("--json", visit_json_, "JSON (as POST /api/visits answers)");

    show_ = app.add_subcommand("visits", "Show a member's visits and win-back state");
    show_->add_option("store", store_)->required();
    show_->add_option("member_id", member_)->required();
    show_->add_flag("--json", show_json_, "JSON");

    stats_ = app.add_subcommand("stats", "Members by win-back state, per store");
    stats_->add_option("--store", store_, "Only this store");
    stats_->add_flag("--json", json_, "JSON instead of a table");
}

std::optional<int> VisitCommands::run(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    if (import_ && *import_) {
        RedisConnection redis(rt.redis);
        import_options_.progress = !quiet_ && !import_json_ && ProgressBar::stderr_is_terminal();
        const auto r = import_visits(import_options_, rt.config, redis, rt.clock->now(), errors);
        if (import_json_) {
            out << nlohmann::json{{"rows", r.rows},
                                  {"imported", r.rows - r.rejected},
                                  {"latest", r.latest},
                                  {"earlier", r.earlier},
                                  {"duplicate", r.duplicate},
                                  {"rejected", r.rejected},
                                  {"unknown_members", r.unknown_members},
                                  {"cancelled_reminders", r.cancelled}}
                       .dump(2)
                << "\n";
            return r.rejected == 0 ? 0 : 3;
        }
        out << "imported " << r.rows - r.rejected << " of " << r.rows << " rows: " << r.latest
            << " latest, " << r.earlier << " earlier, " << r.duplicate << " already recorded; "
            << r.rejected << " rejected\n";
        if (r.unknown_members) {
            out << r.unknown_members
                << " visits are of members not in the member list (kept; import the members)\n";
        }
        if (r.cancelled) out << r.cancelled << " waiting win-back reminders cancelled\n";
        return r.rejected == 0 ? 0 : 3;
    }
    if (visit_ && *visit_) return run_visit(rt, out, errors);
    if (show_ && *show_) return run_show(rt, out, errors);
    if (stats_ && *stats_) return run_stats(rt, out);
    return std::nullopt;
}

int VisitCommands::run_visit(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    const auto checked =
        make_visit({store_, member_, at_, amount_, visit_id_}, rt.config, rt.clock->now());
    if (!checked.visit) {
        errors << "huitou: " << checked.error << "\n";
        return 3;
    }
    RedisConnection redis(rt.redis);
    VisitStore visits(redis, rt.config);
    const auto r = visits.record({*checked.visit}, rt.clock->now()).front();
    const auto* store = rt.config.find_store(store_);
    if (visit_json_) {
        nlohmann::json j{{"outcome", to_string(r.outcome)},
                         {"member_known", r.member_known},
                         {"at", format_instant(checked.visit->at, store->zone)},
                         {"state", to_string(r.state)},
                         {"cycle_days", r.cycle},
                         {"cancelled_reminders", r.cancelled}};
        if (r.state == WinbackState::active || r.state == WinbackState::returned)
            j["lapse_date"] = format_date(date_of_day(r.lapse_day));
        out << j.dump(2) << "\n";
        return 0;
    }
    out << member_ << " at " << format_instant(checked.visit->at, store->zone) << ": "
        << (r.outcome == VisitOutcome::latest    ? "recorded, the latest visit"
            : r.outcome == VisitOutcome::earlier ? "recorded, before the latest visit"
                                                 : "already recorded, nothing changed")
        << "\n";
    if (r.cancelled) out << r.cancelled << " waiting win-back reminders cancelled\n";
    if (r.state == WinbackState::active || r.state == WinbackState::returned) {
        out << "cycle " << format_days(r.cycle) << " days; lapses on "
            << format_date(date_of_day(r.lapse_day))
            << (r.state == WinbackState::returned ? " (came back after a reminder)" : "") << "\n";
    }
    if (!r.member_known)
        errors << "note: " << member_ << " is not in the member list of " << store_ << "\n";
    return 0;
}

int VisitCommands::run_show(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    const auto* store = rt.config.find_store(store_);
    if (!store) throw ConfigError("store " + store_ + ": not in " + rt.config.origin);
    RedisConnection redis(rt.redis);
    const auto v = VisitStore(redis, rt.config).state(store_, member_);
    if (!v) {
        errors << "huitou: no visits of " << member_ << " in store " << store_ << "\n";
        return 3;
    }
    const bool learned = learned_cycle(v->visit_days(), store->winback).has_value();
    if (show_json_) {
        auto history = nlohmann::json::array();
        for (const auto& h : v->history) {
            nlohmann::json e{{"at", format_instant(h.at, store->zone)}};
            if (h.amount_cents) e["amount"] = format_amount(*h.amount_cents);
            history.push_back(std::move(e));
        }
        nlohmann::json j{{"store", store_},
                         {"member_id", member_},
                         {"last_visit", format_instant(v->last, store->zone)},
                         {"visits", v->visits},
                         {"cycle_days", v->cycle},
                         {"cycle_learned", learned},
                         {"state", to_string(v->state)},
                         {"reminders", v->step},
                         {"history", std::move(history)}};
        if (v->lapse_day) j["lapse_date"] = format_date(date_of_day(*v->lapse_day));
        if (v->next_day) j["next_step_date"] = format_date(date_of_day(*v->next_day));
        out << j.dump(2) << "\n";
        return 0;
    }
    out << "store        " << store_ << "\nmember_id    " << member_ << "\n"
        << "last visit   " << format_instant(v->last, store->zone) << "\n"
        << "visits       " << v->visits << " recorded, " << v->history.size() << " kept\n"
        << "cycle        " << format_days(v->cycle) << " days"
        << (learned ? " (learned from the visits)" : " (the default: too few visits)") << "\n"
        << "state        " << to_string(v->state);
    const int today = day_number(local_date(rt.clock->now(), store->zone));
    if (v->lapse_day && (v->state == WinbackState::active || v->state == WinbackState::returned)) {
        out << (*v->lapse_day <= today ? ", lapsed since " : ", lapses on ")
            << format_date(date_of_day(*v->lapse_day));
    }
    if (v->state == WinbackState::reminded) out << ", " << v->step << " reminders";
    if (v->next_day && v->state != WinbackState::active && v->state != WinbackState::returned)
        out << ", next step on " << format_date(date_of_day(*v->next_day));
    out << "\n";
    for (const auto& h : v->history) {
        out << "  " << format_instant(h.at, store->zone);
        if (h.amount_cents) out << "  " << format_amount(*h.amount_cents);
        out << "\n";
    }
    return 0;
}

int VisitCommands::run_stats(const Runtime& rt, std::ostream& out) {
    if (!store_.empty() && !rt.config.find_store(store_))
        throw ConfigError("--store " + store_ + ": not a store in " + rt.config.origin);
    RedisConnection redis(rt.redis);
    WinbackStore winbacks(redis, rt.config.scheduler);
    nlohmann::json stores = nlohmann::json::object();
    if (!json_) {
        out << pad_right("store", 12) << pad_left("active", 8) << pad_left("lapsed", 8)
            << pad_left("reminded", 10) << pad_left("returned", 10) << pad_left("churned", 9)
            << "   came back  reminders  follow-ups  visits\n";
    }
    for (const auto& [id, store] : rt.config.stores) {
        if (!store_.empty() && id != store_) continue;
        const Date today = local_date(rt.clock->now(), store.zone);
        const auto c = winbacks.counts(id, day_number(today));
        auto total = [&c](const char* k) { return c.totals.contains(k) ? c.totals.at(k) : 0; };
        if (json_) {
            stores[id] = winback_json(c, today);
            continue;
        }
        out << pad_right(id, 12) << pad_left(std::to_string(c.active), 8)
            << pad_left(std::to_string(c.lapsed), 8) << pad_left(std::to_string(c.reminded), 10)
            << pad_left(std::to_string(c.returned), 10) << pad_left(std::to_string(c.churned), 9)
            << pad_left(std::to_string(total("returned")), 12)
            << pad_left(std::to_string(total("reminders")), 11)
            << pad_left(std::to_string(total("followups")), 12)
            << pad_left(std::to_string(total("visits")), 8) << "\n";
    }
    if (json_) {
        out << stores.dump(2) << "\n";
    } else {
        out << "(members now; \"came back\", reminders, follow-ups and visits since the start)\n";
    }
    return 0;
}

}  // namespace huitou
