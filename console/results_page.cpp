#include "console/results_page.h"

#include <charconv>

#include "core/console_words.h"
#include "core/svg_chart.h"
#include "core/visit.h"
#include "core/visit_cycle.h"
#include "io/winback_store.h"
#include "scheduler/admin_views.h"
#include "scheduler/effect_report.h"
#include "scheduler/message_results.h"

namespace huitou {

namespace {

constexpr int kChartDays = 90;

std::string month_text(const Date& d) {
    return format_date(d).substr(0, 7);
}

std::string month_words(const Date& d) {
    return std::to_string(static_cast<int>(d.year())) + "年" +
           std::to_string(static_cast<unsigned>(d.month())) + "月";
}

std::string day_words(const Date& d) {
    return std::to_string(static_cast<unsigned>(d.month())) + "月" +
           std::to_string(static_cast<unsigned>(d.day())) + "日";
}

// The effect report's kind `kind` in its JSON, or null.
const nlohmann::json* effect_kind(const nlohmann::json& effect, Kind kind) {
    for (const auto& k : effect.at("kinds"))
        if (k.at("kind") == to_string(kind)) return &k;
    return nullptr;
}

nlohmann::json kind_row(const OccasionResults& k, const nlohmann::json* effect) {
    nlohmann::json row = {
        {"kind", to_string(k.kind)},
        {"words", kind_words(k.kind)},
        {"planned", k.planned},
        {"sent", k.sent},
        {"delivered", k.delivered},
        {"failed", k.failed},
        {"came_back", effect ? effect->at("messaged").at("came_back").get<long long>() : 0}};
    auto reasons = nlohmann::json::array();
    long long total = 0;
    for (const auto& [code, n] : k.not_sent) {
        reasons.push_back({{"code", code}, {"words", error_words(code)}, {"count", n}});
        total += n;
    }
    row["not_sent"] = std::move(reasons);
    row["not_sent_total"] = total;
    std::string other;
    const auto add = [&other](const char* words, long long n) {
        if (n == 0) return;
        if (!other.empty()) other += " · ";
        other += words + std::to_string(n);
    };
    add("对照组（为衡量效果不发）", k.held);
    add("等待发送 ", k.waiting);
    add("结果不明 ", k.unknown);
    add("记录已清理 ", k.forgotten);
    if (!other.empty()) row["other"] = other;  // an empty string is still "true" to mustache
    return row;
}

std::string daily_chart(const std::vector<long long>& counts, const Date& first) {
    BarChart chart;
    chart.id = "chart-daily";
    chart.title = "最近90天每天发出的消息";
    chart.unit = "条";
    chart.empty_text = "这90天没有发出消息";
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const Date day{date::sys_days{first} + date::days{static_cast<int>(i)}};
        // A tick on each month's first day: three or four labels that fit a phone.
        const bool tick = day.day() == date::day{1};
        chart.bars.push_back({tick ? day_words(day) : std::string{}, day_words(day), counts[i]});
    }
    return svg_bar_chart(chart);
}

}  // namespace

std::optional<Date> parse_month(std::string_view text) {
    if (text.size() != 7 || text[4] != '-') return std::nullopt;
    int year = 0;
    unsigned month = 0;
    const auto y = std::from_chars(text.data(), text.data() + 4, year);
    const auto m = std::from_chars(text.data() + 5, text.data() + 7, month);
    if (y.ec != std::errc{} || y.ptr != text.data() + 4 || m.ec != std::errc{} ||
        m.ptr != text.data() + 7)
        return std::nullopt;
    if (year < 2000 || year > 2099 || month < 1 || month > 12) return std::nullopt;
    return Date{date::year{year} / date::month{month} / date::day{1}};
}

void ResultsPage::add_to(AdminServer& server) {
    server.on_get("/stores/([^/]+)/results", [this](const HttpRequest& req) { return show(req); });
}

HttpReply ResultsPage::show(const HttpRequest& req) {
    const auto& id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, id)) return *refusal;
    const auto& store = *ctx_.config().find_store(id);
    const Date today = local_date(ctx_.clock().now(), store.zone);
    const Date this_month = today.year() / today.month() / date::day{1};
    Date first = this_month;
    if (const auto asked = req.param("month"); !asked.empty()) {
        const auto month = parse_month(asked);
        if (!month) {
            return ctx_.page(req, {"月份不对", id, ConsoleTab::results},
                             "<p class=\"error\" id=\"bad-month\">网址里的月份（month）“" +
                                 html_escape(asked) +
                                 "”看不懂：请写成 2027-09 这样的“年-月”（2000 至 2099 年）。</p>"
                                 "<p><a href=\"/stores/" +
                                 url_encode(id) + "/results\">看本月的效果</a></p>",
                             400);
        }
        first = *month;
    }
    const Date last = first.year() / first.month() / date::last;
    const Date prev = (first.year() / first.month() - date::months{1}) / date::day{1};
    const Date next = (first.year() / first.month() + date::months{1}) / date::day{1};
    const Date chart_first{date::sys_days{today} - date::days{kChartDays - 1}};

    return ctx_.with_redis(req, "results", [&](RedisConnection& redis) {
        const auto results = message_results(redis, store, first, last, today);
        const auto effect =
            effect_json(effect_report(redis, store, first, last), store, first, last);
        const auto totals = winback_json(
            WinbackStore(redis, ctx_.config().scheduler).counts(store.id, day_number(today)),
            today);
        const auto daily = sent_per_day(redis, store, chart_first, today);

        nlohmann::json data;
        data["store_path"] = url_encode(id);
        data["month"] = month_text(first);
        data["month_words"] = month_words(first);
        data["prev"] = month_text(prev);
        data["prev_words"] = month_words(prev);
        // No month after this one: nothing has happened there yet.
        if (date::sys_days{next} <= date::sys_days{this_month}) {
            data["next"] = month_text(next);
            data["next_words"] = month_words(next);
        }
        auto kinds = nlohmann::json::array();
        for (const auto& k : results.kinds)
            kinds.push_back(kind_row(k, effect_kind(effect, k.kind)));
        data["has_kinds"] = !kinds.empty();
        data["kinds"] = std::move(kinds);
        if (results.days_without_skips > 0) {
            data["skips_note"] =
                "这个月有 " + std::to_string(results.days_without_skips) + " 天（共 " +
                std::to_string(results.days_so_far) +
                " 天）没有“规划时不发”的记录：那几天没有规划，或在记录这项数字之前规划。"
                "这些天只统计了计划后被取消或过期的消息。";
        }
        if (const auto* wb = effect_kind(effect, Kind::winback)) {
            const auto& m = wb->at("messaged");
            data["winback"] = {{"reminded", m.at("members")},
                               {"came_back", m.at("came_back")},
                               {"amount", m.at("amount_yuan")},
                               {"churned", results.churned},
                               {"verdict", wb->at("verdict")}};
        } else {
            data["winback"] = {{"reminded", 0},
                               {"came_back", 0},
                               {"amount", "0.00"},
                               {"churned", results.churned},
                               {"verdict", "这个月没有发出召回提醒。"}};
        }
        data["totals"] = totals;
        data["chart"] = daily_chart(daily, chart_first);
        data["chart_from"] = format_date(chart_first);
        data["chart_to"] = format_date(today);
        return ctx_.page(req, {month_words(first) + "的效果", id, ConsoleTab::results},
                         render_view("results", data));
    });
}

}  // namespace huitou
