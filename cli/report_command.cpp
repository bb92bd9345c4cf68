#include "cli/report_command.h"

#include <cstdio>
#include <ostream>

#include "core/visit.h"
#include "scheduler/effect_report.h"

namespace huitou {
namespace {

std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::birthday:
            return "生日祝福";
        case Kind::child_birthday:
            return "孩子生日";
        case Kind::festival:
            return "节日问候";
        case Kind::card_expiry:
            return "会员卡到期提醒";
        case Kind::winback:
            return "好久不见（召回）";
        case Kind::points:
            return "积分到期提醒";
        case Kind::welcome:
            return "入会欢迎";
        case Kind::announcement:
            return "上新/活动通知（按标签）";
    }
    return "";
}

std::string percent(const std::optional<double>& rate) {
    if (!rate) return "—";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", *rate * 100);
    return buf;
}

std::string points(double difference) {  // percentage points, signed
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.1f", difference * 100);
    return buf;
}

void print_group(const char* label, const GroupOutcome& g, const std::optional<double>& rate,
                 std::ostream& out) {
    out << "  " << label << g.members << " 人，回店 " << g.came_back << " 人（" << percent(rate)
        << "），消费 " << format_amount(g.amount_cents) << " 元\n";
}

}  // namespace

void print_effect_report(const EffectReport& report, const StoreConfig& store, const Date& from,
                         const Date& to, std::ostream& out) {
    out << store.name << "（" << store.id << "） " << format_date(from) << " 至 " << format_date(to)
        << " 的消息效果\n";
    if (report.kinds.empty()) {
        out << "  这段时间没有计划的消息。\n";
        return;
    }
    for (const auto& k : report.kinds) {
        out << "\n" << kind_name(k.kind) << "（" << to_string(k.kind) << "）\n";
        print_group("收到消息：", k.messaged, k.messaged_rate, out);
        out << "    已发出 " << k.messaged.sent << " 条";
        if (k.messaged.sms_parts > 0)
            out << "，短信 " << k.messaged.sms_parts << " 条计费，约 " << format_yuan(k.cost_yuan)
                << " 元";
        out << "\n";
        if (k.held.members > 0) print_group("对照组（不发送）：", k.held, k.held_rate, out);
        if (k.lift) out << "  差别：" << points(*k.lift) << " 个百分点";
        if (k.lift_interval) {
            out << "（95% 区间 " << points(k.lift_interval->low) << " 到 "
                << points(k.lift_interval->high) << "）";
        }
        if (k.lift) out << "\n";
        if (k.extra_members) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", *k.extra_members);
            out << "  多回来的会员：约 " << buf << " 人";
        }
        if (k.cost_per_extra_yuan)
            out << "，每多回来一位约花 " << format_yuan(*k.cost_per_extra_yuan) << " 元";
        if (k.extra_members) out << "\n";
        out << "  " << k.verdict << "\n";
    }
    out << "\n说明：对照组是随机留出、不发送的会员；两组回店率之差才是消息带来的效果"
           "（docs/effect.md）。\n";
}

void ReportCommand::add_to(CLI::App& app) {
    command_ = app.add_subcommand(
        "report", "Did the messages bring members back? Messaged vs held out, per kind");
    command_->add_option("--store", store_, "The store")->required();
    command_->add_option("--from", from_, "First day, YYYY-MM-DD (the store's local days)")
        ->required();
    command_->add_option("--to", to_, "Last day, YYYY-MM-DD")->required();
    auto* json = command_->add_flag("--json", json_, "JSON (as GET /api/v1/stores/<S>/report)");
    auto* csv = command_->add_flag("--csv", csv_, "CSV, one row per kind, for a spreadsheet");
    json->excludes(csv);
    command_->add_option("--by", by_, "month: one report per calendar month of the range")
        ->check(CLI::IsMember({"month"}));
}

std::optional<int> ReportCommand::run(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    if (!command_ || !*command_) return std::nullopt;
    const StoreConfig* store = rt.config.find_store(store_);
    if (!store) throw ConfigError("--store " + store_ + ": not a store in " + rt.config.origin);
    const auto from = parse_date(from_);
    if (!from) throw ConfigError("--from: expected YYYY-MM-DD, got \"" + from_ + "\"");
    const auto to = parse_date(to_);
    if (!to) throw ConfigError("--to: expected YYYY-MM-DD, got \"" + to_ + "\"");
    if (const auto why = check_report_range(*from, *to); !why.empty()) {
        errors << "huitou: " << why << "\n";
        return 2;
    }
    RedisConnection redis(rt.redis);
    if (by_ == "month") {
        const auto months = effect_report_by_month(redis, *store, *from, *to);
        const auto ranges = report_months(*from, *to);
        if (json_) {
            out << effect_json_by_month(months, *store, *from, *to).dump(2) << "\n";
            return 0;
        }
        if (csv_) {
            out << effect_csv_by_month(months);
            return 0;
        }
        for (std::size_t i = 0; i < months.size(); ++i) {
            if (i > 0) out << "\n";
            print_effect_report(months[i], *store, ranges[i].first, ranges[i].second, out);
        }
        return 0;
    }
    const auto report = effect_report(redis, *store, *from, *to);
    if (json_)
        out << effect_json(report, *store, *from, *to).dump(2) << "\n";
    else if (csv_)
        out << effect_csv(report);
    else
        print_effect_report(report, *store, *from, *to, out);
    return 0;
}

}  // namespace huitou
