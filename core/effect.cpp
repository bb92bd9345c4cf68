#include "core/effect.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "core/visit.h"

namespace huitou {

namespace {

std::string fixed(double v, int places) {
    // Rounded to zero at the shown precision, so "-0.0" never appears.
    const double unit = std::pow(10.0, -places) / 2;
    if (std::fabs(v) < unit) v = 0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", places, v);
    return buf;
}

std::string per_hundred(double share) {
    return fixed(share * 100, 1);
}

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string optional_fixed(const std::optional<double>& v, int places) {
    return v ? fixed(*v, places) : std::string();
}

nlohmann::json optional_number(const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json group_json(const GroupOutcome& g, const std::optional<double>& rate) {
    return {{"members", g.members},
            {"came_back", g.came_back},
            {"rate", optional_number(rate)},
            {"amount_cents", g.amount_cents},
            {"amount_yuan", format_amount(g.amount_cents)},
            {"sent", g.sent},
            {"sms_parts", g.sms_parts}};
}

}  // namespace

SysSeconds touch_start(const Touch& t) {
    return t.sent_at ? *t.sent_at : t.planned_at;
}

SysSeconds touch_end(const Touch& t, const EffectConfig& config, const date::time_zone* zone) {
    if (t.kind == Kind::card_expiry) {
        const Date last = date::sys_days(t.occasion) + date::days(config.card_expiry_grace_days);
        const Date after = date::sys_days(last) + date::days(1);
        return start_of_day(after, zone) - std::chrono::seconds(1);
    }
    const auto it = config.window_days.find(t.kind);
    const int days = it == config.window_days.end() ? 0 : it->second;
    return touch_start(t) + date::days(days);
}

std::vector<Credit> attribute(const std::vector<Touch>& touches,
                              const std::vector<VisitPoint>& visits, const EffectConfig& config,
                              const date::time_zone* zone) {
    std::vector<SysSeconds> starts, ends;
    starts.reserve(touches.size());
    ends.reserve(touches.size());
    for (const auto& t : touches) {
        starts.push_back(touch_start(t));
        ends.push_back(touch_end(t, config, zone));
    }
    std::vector<Credit> credits;
    for (const auto& v : visits) {
        std::optional<std::size_t> best;
        for (std::size_t i = 0; i < touches.size(); ++i) {
            if (!(starts[i] < v.at && v.at <= ends[i])) continue;
            if (!best || starts[i] >= starts[*best]) best = i;
        }
        if (best) credits.push_back({*best, v.at, v.amount_cents});
    }
    return credits;
}

Interval wilson_interval(long long successes, long long n, double z) {
    if (n <= 0) return {0, 1};
    const double nn = static_cast<double>(n);
    const double p = static_cast<double>(successes) / nn;
    const double z2 = z * z;
    const double centre = 2 * nn * p + z2;
    const double spread = z * std::sqrt(z2 + 4 * nn * p * (1 - p));
    const double denominator = 2 * (nn + z2);
    // Exact at the ends (0/n: low 0; n/n: high 1), not a rounding error away.
    const double low = successes == 0 ? 0.0 : (centre - spread) / denominator;
    const double high = successes == n ? 1.0 : (centre + spread) / denominator;
    return {low, high};
}

Interval newcombe_difference(long long x1, long long n1, long long x2, long long n2, double z) {
    assert(n1 > 0 && n2 > 0 && 0 <= x1 && x1 <= n1 && 0 <= x2 && x2 <= n2);
    const double p1 = static_cast<double>(x1) / static_cast<double>(n1);
    const double p2 = static_cast<double>(x2) / static_cast<double>(n2);
    const Interval w1 = wilson_interval(x1, n1, z);
    const Interval w2 = wilson_interval(x2, n2, z);
    const double d = p1 - p2;
    // Newcombe 1998, (10): each bound combines the two Wilson half-widths on
    // the side that moves the difference that way.
    const double low = d - std::hypot(p1 - w1.low, w2.high - p2);
    const double high = d + std::hypot(w1.high - p1, p2 - w2.low);
    return {std::max(-1.0, low), std::min(1.0, high)};
}

EffectReport summarize(const std::vector<Touch>& touches,
                       const std::map<std::string, std::vector<VisitPoint>>& visits,
                       const Date& from, const Date& to, const EffectConfig& config,
                       const date::time_zone* zone) {
    EffectReport report;
    report.from = from;
    report.to = to;
    report.min_group_size = config.min_group_size;
    report.sms_part_price = config.sms_part_price;

    std::map<std::string, std::vector<Touch>> by_member;
    for (const auto& t : touches)
        by_member[t.member_id].push_back(t);

    struct Unit {
        bool messaged = false;  // a touch not held out
        bool came_back = false;
        long long amount_cents = 0;
        long long sent = 0;
        long long sms_parts = 0;
    };
    using UnitKey = std::tuple<Kind, std::string, std::string>;  // kind, member, period
    std::map<UnitKey, Unit> units;

    static const std::vector<VisitPoint> no_visits;
    for (const auto& [member, mine] : by_member) {
        const auto v = visits.find(member);
        const auto credits =
            attribute(mine, v == visits.end() ? no_visits : v->second, config, zone);
        std::vector<std::vector<const Credit*>> credited(mine.size());
        for (const auto& c : credits)
            credited[c.touch].push_back(&c);

        for (std::size_t i = 0; i < mine.size(); ++i) {
            const Touch& t = mine[i];
            const Date planned = local_date(t.planned_at, zone);
            if (planned < from || to < planned) continue;  // may still take a visit above
            Unit& u = units[{t.kind, member, t.period}];
            if (!t.held) u.messaged = true;
            if (t.sent_at) {
                ++u.sent;
                if (t.channel == Channel::sms) u.sms_parts += t.sms_parts;
            }
            for (const Credit* c : credited[i]) {
                u.came_back = true;
                u.amount_cents += c->amount_cents.value_or(0);
            }
        }
    }

    std::map<Kind, KindEffect> kinds;
    for (const auto& [key, u] : units) {
        const Kind kind = std::get<0>(key);
        KindEffect& k = kinds[kind];
        k.kind = kind;
        GroupOutcome& g = u.messaged ? k.messaged : k.held;
        ++g.members;
        if (u.came_back) ++g.came_back;
        g.amount_cents += u.amount_cents;
        g.sent += u.sent;
        g.sms_parts += u.sms_parts;
    }

    for (const Kind kind : all_kinds()) {
        const auto it = kinds.find(kind);
        if (it == kinds.end()) continue;
        KindEffect k = it->second;
        auto rate = [](const GroupOutcome& g) -> std::optional<double> {
            if (g.members == 0) return std::nullopt;
            return static_cast<double>(g.came_back) / static_cast<double>(g.members);
        };
        k.messaged_rate = rate(k.messaged);
        k.held_rate = rate(k.held);
        if (k.messaged_rate && k.held_rate) k.lift = *k.messaged_rate - *k.held_rate;
        k.enough = k.messaged.members >= config.min_group_size &&
                   k.held.members >= config.min_group_size && k.messaged.members > 0 &&
                   k.held.members > 0;
        k.cost_yuan = static_cast<double>(k.messaged.sms_parts) * config.sms_part_price;
        if (k.enough) {
            k.lift_interval = newcombe_difference(k.messaged.came_back, k.messaged.members,
                                                  k.held.came_back, k.held.members);
            k.extra_members = *k.lift * static_cast<double>(k.messaged.members);
            if (*k.lift > 0) k.cost_per_extra_yuan = k.cost_yuan / *k.extra_members;
        }
        k.verdict = effect_verdict(k, config.min_group_size);
        report.kinds.push_back(std::move(k));
    }
    return report;
}

std::string effect_verdict(const KindEffect& k, int min_group_size) {
    if (k.held.members == 0) return "没有对照组：这类消息没有留出会员，无法衡量效果";
    if (k.messaged.members == 0) return "没有发送组：这类消息的会员全部被留出，无法衡量效果";
    if (!k.enough || !k.lift_interval) {
        return "数据还不够：每组至少需要" + std::to_string(min_group_size) + "人（目前发送组" +
               std::to_string(k.messaged.members) + "人，对照组" + std::to_string(k.held.members) +
               "人）";
    }
    const Interval& i = *k.lift_interval;
    const std::string range = "95%区间 " + per_hundred(i.low) + " 到 " + per_hundred(i.high) + "）";
    if (i.low > 0) return "消息让每100位会员中多回来约" + per_hundred(*k.lift) + "位（" + range;
    if (i.high < 0) {
        return "收到消息的会员反而回来得更少：每100位中少回来约" + per_hundred(-*k.lift) + "位（" +
               range;
    }
    return "看不出效果：区间包含0（每100位会员中多回来 " + per_hundred(i.low) + " 到 " +
           per_hundred(i.high) + " 位，95%区间）";
}

std::string effect_csv(const EffectReport& report) {
    std::string out =
        "kind,from,to,messaged_members,messaged_came_back,messaged_rate,messaged_amount_yuan,"
        "held_members,held_came_back,held_rate,held_amount_yuan,lift,lift_low,lift_high,enough,"
        "sent,sms_parts,cost_yuan,extra_members,cost_per_extra_yuan,verdict\n";
    for (const auto& k : report.kinds) {
        const std::vector<std::string> cells{
            std::string(to_string(k.kind)),
            format_date(report.from),
            format_date(report.to),
            std::to_string(k.messaged.members),
            std::to_string(k.messaged.came_back),
            optional_fixed(k.messaged_rate, 4),
            format_amount(k.messaged.amount_cents),
            std::to_string(k.held.members),
            std::to_string(k.held.came_back),
            optional_fixed(k.held_rate, 4),
            format_amount(k.held.amount_cents),
            optional_fixed(k.lift, 4),
            k.lift_interval ? fixed(k.lift_interval->low, 4) : std::string(),
            k.lift_interval ? fixed(k.lift_interval->high, 4) : std::string(),
            k.enough ? "true" : "false",
            std::to_string(k.messaged.sent),
            std::to_string(k.messaged.sms_parts),
            format_yuan(k.cost_yuan),
            optional_fixed(k.extra_members, 1),
            k.cost_per_extra_yuan ? format_yuan(*k.cost_per_extra_yuan) : std::string(),
            k.verdict,
        };
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) out += ',';
            out += csv_cell(cells[i]);
        }
        out += '\n';
    }
    return out;
}

nlohmann::json to_json(const EffectReport& report) {
    nlohmann::json kinds = nlohmann::json::array();
    for (const auto& k : report.kinds) {
        nlohmann::json interval = nullptr;
        if (k.lift_interval)
            interval = {{"low", k.lift_interval->low}, {"high", k.lift_interval->high}};
        kinds.push_back({
            {"kind", to_string(k.kind)},
            {"messaged", group_json(k.messaged, k.messaged_rate)},
            {"held", group_json(k.held, k.held_rate)},
            {"enough", k.enough},
            {"lift", optional_number(k.lift)},
            {"lift_interval", interval},
            {"cost_yuan", format_yuan(k.cost_yuan)},
            {"extra_members", optional_number(k.extra_members)},
            {"cost_per_extra_yuan", k.cost_per_extra_yuan
                                        ? nlohmann::json(format_yuan(*k.cost_per_extra_yuan))
                                        : nlohmann::json(nullptr)},
            {"verdict", k.verdict},
        });
    }
    return {{"from", format_date(report.from)},
            {"to", format_date(report.to)},
            {"min_group_size", report.min_group_size},
            {"sms_part_price_yuan", report.sms_part_price},
            {"interval", "Newcombe 1998 method 10 (hybrid score), 95%"},
            {"kinds", kinds}};
}

std::string format_yuan(double amount) {
    return format_amount(std::llround(amount * 100));
}

}  // namespace huitou
