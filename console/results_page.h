// results_page.h — the console's results page: did the messages go out, and
// did they bring people back, per store and month.
//
//   GET /stores/<S>/results[?month=YYYY-MM]   (default: this month in the
//   store's time zone; links to the month before and after)
//
// Per occasion (table#results-by-kind): planned, sent, delivered, failed and
// why the others got nothing (scheduler/message_results.h); who came back
// from the effect report (scheduler/effect_report.h — the same numbers as
// `huitou report` and GET /api/v1/stores/<S>/report, read by the same
// function). Win-back (section#winback): reminded, came back and what they
// spent (the effect report's win-back row), churned in the month, and the
// store's running totals (admin_views' winback_json, as GET /api/stats).
// A chart (svg#chart-daily, core/svg_chart.h) of messages sent per day over
// the last 90 days, whatever the month: a flood shows as one tall bar.
// Reads only; anyone who may see the store may see it.
#pragma once

#include "console/console_page.h"

namespace huitou {

class ResultsPage {
  public:
    explicit ResultsPage(ConsoleContext& context) : ctx_(context) {}

    void add_to(AdminServer& server);

  private:
    HttpReply show(const HttpRequest& req);

    ConsoleContext& ctx_;
};

// "2027-09" → its first day; nullopt for anything else (the year 2000–2099).
std::optional<Date> parse_month(std::string_view text);

}  // namespace huitou
