#include "cli/segments_command.h"

#include <ostream>

#include <nlohmann/json.hpp>

#include "core/value_segment.h"
#include "core/visit.h"
#include "core/visit_cycle.h"
#include "io/segment_store.h"

namespace huitou {
namespace {

// "2026-04 to 2027-03": the calendar months of a period ending in `day`'s month.
std::string months_words(const Date& day, int period_months) {
    const date::year_month last{day.year(), day.month()};
    const auto first = last - date::months{period_months - 1};
    auto text = [](const date::year_month& ym) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ym.year()),
                      static_cast<unsigned>(ym.month()));
        return std::string(buf);
    };
    return text(first) + " to " + text(last);
}

}  // namespace

void SegmentsCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand(
        "segments", "A store's members by value segment (RFM), and the thresholds used");
    command_->add_option("--store", store_, "The store")->required();
    command_->add_flag("--json", json_, "JSON: thresholds, counts by segment");
    command_->add_flag("--recompute", recompute_,
                       "Compute today's segments now (the scheduler does it each night)");
}

std::optional<int> SegmentsCommand::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (!command_ || !*command_) return std::nullopt;
    const StoreConfig* store = rt.config.find_store(store_);
    if (!store) {
        err << "huitou segments: --store " << store_ << ": not a store of the config\n";
        return 2;
    }
    RedisConnection redis(rt.redis);
    SegmentStore segments(redis, rt.config);
    if (recompute_) segments.recompute(*store, local_date(rt.clock->now(), store->zone), {}, true);
    const auto run = segments.run(store->id);
    if (run.thresholds_day == 0) {
        err << "huitou segments: " << store->id
            << ": not computed yet (the scheduler computes them each night; or --recompute)\n";
        return 3;
    }
    const Date day = date_of_day(run.thresholds_day);
    if (json_) {
        nlohmann::json counts = nlohmann::json::array();
        for (const auto s : segments_best_first())
            counts.push_back({{"name", segment_name(s)},
                              {"key", segment_key(s)},
                              {"members", run.counts[static_cast<std::size_t>(s)]}});
        nlohmann::json thresholds = nullptr;
        if (run.thresholds)
            thresholds = {{"recency_days", run.thresholds->recency_days},
                          {"visits", run.thresholds->visits},
                          {"amount", format_amount(run.thresholds->cents)},
                          {"members", run.thresholds->members}};
        out << nlohmann::json{{"store", store->id},
                              {"date", format_date(day)},
                              {"period_months", run.period_months},
                              {"done", run.done_day == run.thresholds_day},
                              {"thresholds", thresholds},
                              {"segments", counts},
                              {"no_visit_in_period", run.without}}
                   .dump(2)
            << "\n";
        return 0;
    }
    out << store->id << ": value segments of " << format_date(day) << ", visits of "
        << months_words(day, run.period_months) << " (" << run.period_months << " months)"
        << (run.done_day == run.thresholds_day ? "" : "; this run has not finished") << "\n";
    if (run.thresholds) {
        out << "thresholds (the middle one of " << run.thresholds->members
            << " members with a visit in the period; high = better than it):\n"
            << "  R " << run.thresholds->recency_days << " days since the last visit\n"
            << "  F " << run.thresholds->visits << " visits\n"
            << "  M " << format_amount(run.thresholds->cents) << " yuan\n";
    } else {
        out << "no member has a visit in the period: nobody is scored\n";
    }
    for (const auto s : segments_best_first()) {
        out << "  " << segment_name(s) << "  " << run.counts[static_cast<std::size_t>(s)] << "\n";
    }
    out << "  no visit in the period  " << run.without << "\n";
    return 0;
}

std::string segment_words(const Member& m) {
    const auto s = parse_stored_segment(m.segment);
    if (!s) return "none (no visit in the period, or not computed yet)";
    return std::string(segment_name(s->segment)) + " (R " + std::to_string(s->rfm.recency_days) +
           " days, F " + std::to_string(s->rfm.visits) + " visits, M " +
           format_amount(s->rfm.cents) + "; thresholds of " +
           format_date(date_of_day(s->thresholds_day)) + ")";
}

}  // namespace huitou
