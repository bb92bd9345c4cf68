// 60 simulated days of the delivery policy on a real Redis, with a fixed
// clock moved five minutes at a time: a few hundred generated members with
// random consent (SMS, WeChat, subscribed or not), birthdays, children's
// birthdays and card expiries piled onto the festivals of September and
// October, lapsing visitors for the win-back, and opt-outs (SMS replies,
// WeChat unsubscribes) arriving at random moments of the day. The scheduler
// plans each store's day at its local midnight as in production; dispatch is
// the scheduler's own claim (JobStore::claim_due with the store's rules); a
// fake worker claims each job with begin_send and reports it sent (or, now
// and then, to be retried later).
//
// Then, over everything that went out: no member got more than the caps
// allow, nothing left outside its window, nothing went after an opt-out,
// nothing went to a member without consent, no win-back came within its
// cooldown, and every greeting went out on its own day.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include <spdlog/spdlog.h>

#include "core/consent.h"
#include "core/delivery_policy.h"
#include "core/visit.h"
#include "core/visit_cycle.h"
#include "io/consent_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/visit_store.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

struct SimMember {
    std::string store, id, phone, openid;
    bool sms_optin = false, wechat_optin = false, wechat_sub = false;
};

struct Sent {
    std::string store, member;
    Kind kind = Kind::birthday;
    Channel channel = Channel::sms;
    SysSeconds at{};
    int day = 0;  // the store's local day number
    Job job;
};

struct OptOut {
    SysSeconds at{};
    std::size_t member = 0;
    Channel channel = Channel::sms;
};

}  // namespace

TEST_CASE("60 days of the delivery policy: caps, windows, consent and opt-outs hold") {
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[store_defaults]
festivals = ["teachers_day", "mid_autumn", "national_day", "double_ninth"]
card_expiry_days = [7, 1]
[store_defaults.winback]
followup_days = [10]
churn_days = 30
[stores.toyland]
name = "童乐玩具"
send_time = "10:00"
[stores.spa]
name = "玉足坊"
timezone = "America/Los_Angeles"
channels = ["sms"]
send_time = "11:00"
[stores.spa.policy]
send_windows = ["10:00-12:00", "14:00-19:00"]
max_per_day = 2
max_per_week = 3
max_per_30_days = 5
cooldown_days = { winback = 5, festival = 1 }
)",
                                       "policy-sim.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const Date first = *parse_date("2027-09-01");
    constexpr int days = 60;
    const int day0 = day_number(first);
    std::mt19937 random(60);
    auto uniform = [&random](int low, int high) {
        return low + static_cast<int>(random() % static_cast<unsigned>(high - low + 1));
    };
    auto chance = [&](int percent) { return uniform(1, 100) <= percent; };
    auto date_in_period = [&] { return format_date(date_of_day(day0 + uniform(0, days - 1))); };
    // Festival days of the period, where occasions pile up.
    const std::vector<std::string> festival_days{"09-10", "09-15", "10-01", "10-08"};

    // The members.
    std::vector<SimMember> members;
    std::vector<MemberRecord> records;
    std::vector<Visit> history;
    FixedClock clock(start_of_day(first, config.find_store("toyland")->zone));
    for (int i = 0; i < 360; ++i) {
        SimMember m;
        m.store = i % 3 == 2 ? "spa" : "toyland";
        m.id = "P" + std::to_string(i);
        m.phone = "+86139" + std::to_string(10000000 + i);
        m.sms_optin = chance(75);
        if (m.store == "toyland" && chance(50)) {
            m.openid = "oSIM_" + std::to_string(i);
            m.wechat_optin = chance(70);
            m.wechat_sub = m.wechat_optin && chance(60);
        }
        MemberRecord r{m.store, m.id, {}, {}};
        r.set = {{"name", "会员" + std::to_string(i)},
                 {"gender", chance(60) ? "F" : "M"},
                 {"phone", m.phone},
                 {"sms_optin", m.sms_optin ? "1" : "0"},
                 {"wechat_optin", m.wechat_optin ? "1" : "0"}};
        if (!m.openid.empty()) r.set["openid"] = m.openid;
        if (m.wechat_sub) r.set.insert_or_assign("wechat_sub", std::string("1"));
        const int year = uniform(1955, 2000);
        if (chance(35)) {
            r.set["birthday"] =
                std::to_string(year) + "-" + festival_days[static_cast<std::size_t>(uniform(0, 3))];
        } else if (chance(60)) {
            r.set["birthday"] = std::to_string(year) + date_in_period().substr(4);
        }
        if (chance(30)) {
            const std::string child_day =
                chance(50) ? festival_days[static_cast<std::size_t>(uniform(0, 3))]
                           : date_in_period().substr(5);
            r.set["children"] =
                encode_children({{"宝贝" + std::to_string(i), parse_birthday("2020-" + child_day),
                                  Gender::unknown}});
        }
        if (chance(40)) r.set["card_expires"] = date_in_period();
        // A quarter visit every 7-14 days and stop before the period: they
        // lapse during it, and the win-back joins the crowd.
        if (chance(25)) {
            const int cycle = uniform(7, 14);
            const int stop = day0 - uniform(2, 25);  // in the past in every zone
            for (int d = stop - 6 * cycle; d <= stop; d += cycle) {
                const auto* zone = config.find_store(m.store)->zone;
                const auto when = local_instant(date_of_day(d), 19h, zone);
                const auto checked = make_visit({m.store, m.id, format_instant(when, zone), "", ""},
                                                config, clock.now());
                REQUIRE(checked.visit);
                history.push_back(*checked.visit);
            }
        }
        records.push_back(std::move(r));
        members.push_back(std::move(m));
    }
    auto redis = server.connect();
    MemberStore(redis).upsert(records);
    VisitStore(redis, config).record(history, clock.now());

    // Opt-outs at random moments, mostly in the daytime: an SMS reply names a
    // number, a WeChat unsubscribe an openid. More come during the run, from
    // members with a message planned that day, before it goes.
    std::multimap<SysSeconds, OptOut> opt_outs;
    for (int i = 0; i < 90; ++i) {
        OptOut o;
        o.member = static_cast<std::size_t>(uniform(0, static_cast<int>(members.size()) - 1));
        const auto& m = members[o.member];
        o.channel = !m.openid.empty() && chance(40) ? Channel::wechat : Channel::sms;
        const auto* zone = config.find_store(m.store)->zone;
        o.at = local_instant(date_of_day(day0 + uniform(0, days - 1)),
                             std::chrono::seconds(uniform(7 * 3600, 22 * 3600)), zone);
        opt_outs.emplace(o.at, o);
    }
    std::map<std::pair<std::size_t, Channel>, SysSeconds> opted_out_at;

    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < members.size(); ++i)
        index[members[i].store + "|" + members[i].id] = i;

    zmq::context_t zmq;
    Scheduler scheduler(config, templates, redis, zmq, clock);
    JobStore jobs(redis, config.scheduler);
    ConsentStore consent(redis, config);
    std::map<std::string, Date> planned;  // store → the day planned last
    std::map<std::string, std::size_t> skipped, winback_reasons, planned_by_kind;
    std::size_t created = 0, retries = 0, declined_at_send = 0, opt_out_cancelled = 0;
    long long claim_cancelled = 0, claim_expired = 0, claim_deferred = 0;
    std::vector<Sent> sent;

    const SysSeconds begin = start_of_day(first, config.find_store("toyland")->zone);
    const SysSeconds end = start_of_day(date_of_day(day0 + days), config.find_store("spa")->zone);
    std::size_t opt_outs_recorded = 0;
    for (SysSeconds now = begin; now < end; now += 5min) {
        clock.set(now);
        // Each store's day is planned at its local midnight.
        for (const auto& [id, store] : config.stores) {
            const Date today = local_date(now, store.zone);
            if (day_number(today) < day0 || day_number(today) >= day0 + days) continue;
            if (planned.contains(id) && planned.at(id) == today) continue;
            const auto report = scheduler.plan_day(store, today);
            created += report.created;
            for (const auto& [reason, n] : report.skipped)
                skipped[reason] += n;
            const auto wb = scheduler.plan_winbacks(store, today);
            created += wb.created;
            for (const auto& [reason, n] : wb.reasons)
                winback_reasons[reason] += n;
            planned[id] = today;
            // One in twelve members with a message planned today refuses
            // before it goes: between midnight and 10:00 (the due times are
            // spread from send_time).
            const auto due = redis.command({"ZRANGE", keys::due(only_shard(id)), "0", "-1"});
            for (const auto& job_id : due.elements) {
                if (!chance(8)) continue;
                const auto job = jobs.get(id, job_id.str);
                if (!job || job->state != JobState::planned) continue;
                OptOut o;
                o.member = index.at(id + "|" + job->member_id);
                o.channel = job->channel;
                o.at = now + std::chrono::minutes(uniform(10, 600));
                opt_outs.emplace(o.at, o);
            }
        }
        // The opt-outs that arrived since the last step.
        for (; !opt_outs.empty() && opt_outs.begin()->first <= now;
             opt_outs.erase(opt_outs.begin()), ++opt_outs_recorded) {
            const auto& o = opt_outs.begin()->second;
            const auto& m = members[o.member];
            ConsentEvent e;
            e.at = o.at;
            e.store = m.store;
            e.channel = o.channel;
            e.source =
                o.channel == Channel::sms ? ConsentSource::sms_reply : ConsentSource::wechat_event;
            e.address = o.channel == Channel::sms ? m.phone : m.openid;
            e.detail = o.channel == Channel::sms ? "reply \"退订\"" : "unsubscribe";
            opt_out_cancelled += static_cast<std::size_t>(consent.record(e).cancelled);
            opted_out_at.try_emplace({o.member, o.channel}, o.at);
        }
        // Dispatch as the scheduler does it, and a worker that sends.
        for (const auto& [id, store] : config.stores) {
            const DispatchRules rules = dispatch_rules(store, now);
            const auto claim = jobs.claim_due(id, now, 10000, &rules);
            claim_cancelled += claim.cancelled;
            claim_expired += claim.expired;
            claim_deferred += claim.deferred;
            for (const auto& job : claim.jobs) {
                const auto began = jobs.begin_send(id, job.id, job.attempts, "sim", now);
                if (began != BeginSend::ok) {
                    ++declined_at_send;
                    continue;
                }
                if (chance(5)) {  // throttled: back in 20 minutes
                    ++retries;
                    jobs.record({id, job.id, Outcome::retry, "sim", "", "throttled", now + 20min,
                                 now, "sim"});
                    continue;
                }
                jobs.record({id, job.id, Outcome::sent, "sim", "", "", {}, now, "sim"});
                sent.push_back({id, job.member_id, job.kind, job.channel, now,
                                day_number(local_date(now, store.zone)), job});
                ++planned_by_kind[std::string(to_string(job.kind))];
            }
        }
    }
    spdlog::set_level(level);

    // Every message that went out, against the rules.
    std::map<std::pair<std::size_t, int>, int> per_day;  // (member, day) → messages
    std::map<std::size_t, std::vector<const Sent*>> by_member;
    std::size_t violations = 0;
    for (const auto& s : sent) {
        const StoreConfig& store = *config.find_store(s.store);
        const auto i = index.at(s.store + "|" + s.member);
        const SimMember& m = members[i];
        INFO(s.store << " " << s.member << " " << s.job.id << " at "
                     << format_instant(s.at, store.zone));
        // Inside the store's window for the channel.
        const bool open =
            is_open(store_open_intervals(store, s.channel, local_date(s.at, store.zone)), s.at);
        CHECK(open);
        // Never after an opt-out of that member's address on the channel.
        if (const auto it = opted_out_at.find({i, s.channel}); it != opted_out_at.end())
            CHECK(s.at < it->second);
        // Marketing only with consent (and, on WeChat, the subscription).
        if (s.job.marketing) {
            const bool agreed =
                s.channel == Channel::sms ? m.sms_optin : (m.wechat_optin && m.wechat_sub);
            CHECK(agreed);
        }
        // On its own day: the day it was planned for, which its expiry ends.
        CHECK(s.day == day_number(local_date(s.job.expires_at - 1s, store.zone)));
        violations += open ? 0 : 1;
        ++per_day[{i, s.day}];
        by_member[i].push_back(&s);
    }
    std::size_t busiest_week = 0;
    for (const auto& [i, list] : by_member) {
        const StoreConfig& store = *config.find_store(members[i].store);
        const PolicyConfig& p = store.policy;
        INFO(members[i].store << " " << members[i].id);
        for (std::size_t k = 0; k < list.size(); ++k) {
            const Sent& s = *list[k];
            CHECK(per_day.at({i, s.day}) <= p.max_per_day);
            std::size_t week = 0, month = 0;
            for (std::size_t j = 0; j <= k; ++j) {
                const int ago = s.day - list[j]->day;
                week += ago < 7 ? 1 : 0;
                month += ago < 30 ? 1 : 0;
                // The cooldown: no message of a kind within N days after
                // another kind's message.
                if (j < k && list[j]->kind != s.kind) {
                    const int n = p.cooldown_for(s.kind);
                    CHECK((n == 0 || ago >= n));
                }
            }
            busiest_week = std::max(busiest_week, week);
            if (s.kind != Kind::card_expiry || p.caps_apply_to_notices) {
                CHECK(week <= static_cast<std::size_t>(p.max_per_week));
                CHECK(month <= static_cast<std::size_t>(p.max_per_30_days));
            }
        }
    }

    // The simulation exercised what it claims to.
    CHECK(violations == 0);
    CHECK(sent.size() > 300);
    CHECK(planned_by_kind["birthday"] > 50);
    CHECK(planned_by_kind["festival"] > 50);
    CHECK(planned_by_kind["card_expiry"] > 20);
    CHECK(planned_by_kind["winback"] > 5);
    CHECK(skipped["merged"] > 10);
    CHECK(skipped["capped"] + winback_reasons["capped"] > 10);
    CHECK(skipped["no_consent"] > 50);
    CHECK(skipped["opted_out"] > 0);
    CHECK(opt_out_cancelled + static_cast<std::size_t>(claim_cancelled) > 0);
    CHECK(retries > 0);
    CHECK(opt_outs.empty());
    CHECK(opt_out_cancelled > 10);  // cancelled at once, before dispatch

    std::string reasons;
    for (const auto& [reason, n] : skipped)
        reasons += " " + reason + " " + std::to_string(n);
    std::string wb;
    for (const auto& [reason, n] : winback_reasons)
        wb += " " + reason + " " + std::to_string(n);
    std::string kinds;
    for (const auto& [kind, n] : planned_by_kind)
        kinds += " " + kind + " " + std::to_string(n);
    WARN("60 days, " << members.size() << " members: " << created << " jobs created, "
                     << sent.size() << " sent (" << kinds << " ); no message at planning:"
                     << reasons << "; win-back held or unreachable:" << wb
                     << "; at dispatch: " << claim_cancelled << " cancelled, " << claim_deferred
                     << " deferred to a window, " << claim_expired << " expired; "
                     << opt_outs_recorded << " opt-outs, which cancelled " << opt_out_cancelled
                     << " planned jobs at once; " << declined_at_send << " declined at begin_send, "
                     << retries << " retried; most in 7 days for one member " << busiest_week);
}
