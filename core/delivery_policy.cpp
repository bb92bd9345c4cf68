#include "core/delivery_policy.h"

#include <algorithm>
#include <map>

#include "core/consent.h"
#include "core/contact_history.h"
#include "core/day_approval.h"
#include "core/message_draft.h"
#include "core/visit_cycle.h"

namespace huitou {
namespace {

struct Candidate {
    const Occasion* occasion = nullptr;
    Verdict verdict;
    std::optional<Channel> channel;  // set while it may still go
    MessageDraft draft;              // its message's words, and what joined it
    bool chosen = false;             // takes a slot today
    bool joined = false;             // another occasion was merged into it
};

std::string local_hhmm(SysSeconds t, const date::time_zone* zone) {
    return format_instant(t, zone).substr(11, 5);
}

std::string cap_detail(ContactCheck check, const PolicyConfig& p, const Kind kind,
                       const std::string& first_today) {
    switch (check) {
        case ContactCheck::capped_day:
            return std::to_string(p.max_per_day) + " a day: " +
                   (first_today.empty() ? std::string("a message already went today")
                                        : first_today + " goes today");
        case ContactCheck::capped_week:
            return std::to_string(p.max_per_week) + " in 7 days";
        case ContactCheck::capped_30_days:
            return std::to_string(p.max_per_30_days) + " in 30 days";
        case ContactCheck::cooldown:
            return std::string(to_string(kind)) + " waits " + std::to_string(p.cooldown_for(kind)) +
                   " days after another message";
        case ContactCheck::ok:
            break;
    }
    return {};
}

}  // namespace

const std::vector<std::pair<Kind, Kind>>& merge_pairs() {
    static const std::vector<std::pair<Kind, Kind>> pairs{
        {Kind::birthday, Kind::festival},
        {Kind::child_birthday, Kind::festival},
        {Kind::birthday, Kind::child_birthday},
        {Kind::card_expiry, Kind::points},
    };
    return pairs;
}

std::string merge_template_name(Kind winner, Kind merged) {
    return std::string(to_string(winner)) + "+" + std::string(to_string(merged));
}

std::vector<OpenInterval> store_open_intervals(const StoreConfig& store, Channel channel,
                                               const Date& day) {
    return open_intervals(store.policy.windows_for(channel), day, store.zone);
}

DispatchRules dispatch_rules(const StoreConfig& store, SysSeconds now) {
    const Date day = local_date(now, store.zone);
    return {day_number(day),
            day,
            start_of_day(day, store.zone),
            start_of_day(Date{date::sys_days{day} + date::days{1}}, store.zone),
            store_open_intervals(store, Channel::sms, day),
            store_open_intervals(store, Channel::wechat, day),
            &store.policy,
            approval_day(store, now)};
}

WindowCheck check_window(const StoreConfig& store, Channel channel, SysSeconds now,
                         SysSeconds expires_at) {
    const auto open = store_open_intervals(store, channel, local_date(now, store.zone));
    const auto next = next_open(open, now);
    if (next && *next == now) return {true, now};
    if (next && *next < expires_at) return {false, next};
    return {false, std::nullopt};
}

std::vector<Verdict> plan_member_day(const MemberDay& in, const StoreConfig& store,
                                     const TemplateSet& templates) {
    const Member& m = in.member;
    const PolicyConfig& policy = store.policy;
    std::vector<const Occasion*> order;
    for (const auto& o : in.occasions)
        order.push_back(&o);
    std::stable_sort(order.begin(), order.end(), [](const Occasion* a, const Occasion* b) {
        return a->priority < b->priority;
    });

    // The day's messages begin at the send time, or now when planning later.
    const SysSeconds start = std::max(local_instant(in.day, store.send_time, store.zone), in.now);
    const std::map<Channel, std::vector<OpenInterval>> open{
        {Channel::sms, store_open_intervals(store, Channel::sms, in.day)},
        {Channel::wechat, store_open_intervals(store, Channel::wechat, in.day)}};
    auto has_time = [&](Channel c) { return next_open(open.at(c), start).has_value(); };

    // Who could get each one, on which channel, with which words.
    std::vector<Candidate> cs;
    for (const Occasion* o : order) {
        Candidate c;
        c.occasion = o;
        c.verdict.kind = o->kind;
        c.verdict.occasion_id = make_job_id(o->kind, m.id, o->date, o->detail);
        if (!in_audience(m, o->audience, o->date)) {
            c.verdict.reason = "not_in_audience";
        } else if (const auto choice =
                       choose_channel(m, store, o->marketing, in.opted_out, has_time);
                   !choice.channel) {
            c.verdict.reason = choice.reason;
            if (choice.reason == "quiet_hours") {
                c.verdict.detail = "planned at " + local_hhmm(start, store.zone) +
                                   ", after the day's send windows closed";
            }
        } else if (!templates.has(store.id, o->template_name, *choice.channel)) {
            c.verdict.reason = "no_template";
        } else {
            c.channel = choice.channel;
            c.draft = MessageDraft::of(m, *o, store);
        }
        cs.push_back(std::move(c));
    }

    // By priority: the day's slot, merges, caps and cooldowns.
    auto history = parse_contacts(m.contacts);
    const int today = day_number(in.day);
    std::map<Kind, int> sent_today;
    for (const auto& h : history) {
        if (h.day == today && h.kind) ++sent_today[*h.kind];  // a care call is no message
    }
    Candidate* winner = nullptr;  // the first message of the day: merges go into it
    bool winner_merged = false;
    std::string first_today;
    for (auto& c : cs) {
        if (!c.channel) continue;
        const Kind kind = c.occasion->kind;
        if (auto it = sent_today.find(kind); it != sent_today.end() && it->second > 0) {
            // Planned and dispatched earlier today (a restart): it keeps its
            // slot, counted once. Nothing can be merged into a message that went.
            --it->second;
            c.chosen = true;
            c.verdict.already_sent = true;
            if (first_today.empty()) first_today = c.verdict.occasion_id;
            if (!winner) {
                winner = &c;
                winner_merged = true;
            }
            continue;
        }
        const bool open_winner = winner && !winner->verdict.already_sent;
        if (open_winner && winner->draft.joins_as_twin(kind) && winner->channel == c.channel) {
            // Twins, or two children born on one day: one greeting names both.
            winner->draft.join_twin(c.draft, c.verdict.occasion_id);
            c.verdict.reason = "merged";
            c.verdict.detail = "into " + winner->verdict.occasion_id;
            continue;
        }
        // A greeting merges into the day's first message only; a service
        // notice also into another notice going today (points into the
        // card's reminder behind a birthday greeting): one message about
        // her account, not two.
        auto merges_into = [&](Candidate& host) {
            const auto name = merge_template_name(host.occasion->kind, kind);
            const bool known =
                std::find(merge_pairs().begin(), merge_pairs().end(),
                          std::pair{host.occasion->kind, kind}) != merge_pairs().end();
            return known && templates.has(store.id, name, *host.channel);
        };
        Candidate* host = nullptr;
        if (open_winner && !winner_merged && winner->channel == c.channel && merges_into(*winner)) {
            host = winner;
        } else if (is_service_notice(kind)) {
            for (auto& h : cs) {
                if (&h == &c) break;
                if (h.chosen && &h != winner && !h.verdict.already_sent && !h.joined &&
                    h.channel == c.channel && is_service_notice(h.occasion->kind) &&
                    merges_into(h)) {
                    host = &h;
                    break;
                }
            }
        }
        if (host) {
            host->draft.join(kind, c.draft, c.verdict.occasion_id,
                             merge_template_name(host->occasion->kind, kind));
            host->joined = true;
            if (host == winner) winner_merged = true;
            c.verdict.reason = "merged";
            c.verdict.detail = "into " + host->verdict.occasion_id;
            continue;
        }
        const auto check = check_contact(history, kind, today, policy);
        if (check != ContactCheck::ok) {
            c.verdict.reason = std::string(reason_of(check));
            c.verdict.detail = cap_detail(check, policy, kind, first_today);
            continue;
        }
        history = with_contact(std::move(history), today, kind);
        c.chosen = true;
        if (first_today.empty()) first_today = c.verdict.occasion_id;
        if (!winner) winner = &c;
    }

    // The jobs: words, due time, expiry.
    const SysSeconds expires =
        start_of_day(Date{date::sys_days{in.day} + date::days{1}}, store.zone);
    std::vector<Verdict> out;
    for (auto& c : cs) {
        if (c.chosen) {
            const Occasion& o = *c.occasion;
            const auto text =
                templates.render(store.id, c.draft.template_name, *c.channel, c.draft.values);
            const auto due = spread_due(
                open.at(*c.channel), start, policy.spread,
                in.spread_key.empty() ? m.id + "|" + c.verdict.occasion_id : in.spread_key);
            if (!text) {
                c.verdict.reason = "no_template";
            } else if (!due) {
                c.verdict.reason = "quiet_hours";
            } else {
                Job job;
                job.store = store.id;
                job.id = c.verdict.occasion_id;
                job.kind = o.kind;
                job.member_id = m.id;
                job.occasion_date = o.date;
                job.marketing = o.marketing;
                job.channel = *c.channel;
                job.to = address_of(m, *c.channel);
                job.text = *text;
                // Evidence of what the one message stands for (preview, tests).
                job.params = c.draft.params(o.template_name);
                job.due_at = *due;
                job.expires_at = expires;
                job.created_at = in.now;
                c.verdict.job = std::move(job);
            }
        }
        out.push_back(std::move(c.verdict));
    }
    return out;
}

}  // namespace huitou
