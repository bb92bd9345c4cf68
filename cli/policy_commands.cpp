#include "cli/policy_commands.h"

#include <algorithm>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/consent.h"
#include "core/phone_number.h"
#include "core/utf8.h"
#include "io/consent_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "scheduler/day_planner.h"

namespace huitou {
namespace {

std::string pad(std::string s, std::size_t width) {
    const auto n = count_code_points(s);
    if (n < width) s.append(width - n, ' ');
    return s;
}

std::string local_time(SysSeconds t, const date::time_zone* zone) {
    const auto s = format_instant(t, zone);
    return s.substr(11, 5);
}

std::string shown_address(const std::string& address, Channel c) {
    if (address.empty()) return "-";
    return c == Channel::sms ? mask_phone(address) : address.substr(0, 8) + "…";
}

FieldMap to_field_map(const RedisReply& flat) {
    FieldMap fields;
    for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
        fields.emplace(flat.elements[i].str, flat.elements[i + 1].str);
    return fields;
}

// The reason an existing job of the day will not (or did not) reach the member.
std::optional<std::string> ended_reason(const Job& job, const FieldMap& fields) {
    switch (job.state) {
        case JobState::expired:
            return std::string("expired");
        case JobState::failed:
            return std::string("failed");
        case JobState::unknown:
            return std::string("unknown");
        case JobState::cancelled: {
            const auto it = fields.find("error");
            const std::string why = it == fields.end() ? std::string() : it->second;
            // claim_due and record_consent name the rule: opted_out, no_consent, capped, ...
            return why.empty() || why.find(' ') != std::string::npos ? std::string("cancelled")
                                                                     : why;
        }
        default:
            return std::nullopt;
    }
}

void print_consent(const Member& m, const StoreConfig& store, ConsentStore& consent,
                   std::ostream& out) {
    const auto events = consent.events_about(m);
    out << "member " << m.id << " " << m.name << " (" << store.id << ", " << store.name << ")\n";
    for (const Channel c : {Channel::sms, Channel::wechat}) {
        const auto& address = address_of(m, c);
        const bool refused = !address.empty() && consent.is_refused(store.id, c, address);
        const auto state =
            explain_consent(m, c, refused, store.policy.notices_need_optin, events, store.zone);
        out << "  " << pad(std::string(to_string(c)), 7) << pad(shown_address(address, c), 17)
            << "greetings " << (state.marketing ? "yes" : "no ") << "  notices "
            << (state.notices ? "yes" : "no ") << "  " << state.why << "\n";
    }
    out << "ledger (" << events.size() << (events.size() == 1 ? " event" : " events") << "):\n";
    for (const auto& e : events) {
        const auto when = format_instant(e.at, store.zone);
        out << "  " << when.substr(0, 10) << " " << when.substr(11, 5) << "  "
            << pad(std::string(to_string(e.channel)), 7) << pad(e.opt_in ? "opt_in" : "opt_out", 8)
            << " " << pad(std::string(to_string(e.source)), 13)
            << (e.address.empty() ? std::string() : shown_address(e.address, e.channel) + " ")
            << e.detail << "\n";
    }
}

}  // namespace

std::vector<StorePreview> preview_day(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const Date& day,
                                      const std::string& store_filter, SysSeconds now) {
    std::vector<StorePreview> out;
    DayPlanner planner(redis, config, templates,
                       static_cast<std::size_t>(config.scheduler.dispatch_batch));
    for (const auto& [id, store] : config.stores) {
        if (!store_filter.empty() && id != store_filter) continue;
        StorePreview p;
        p.store = id;
        p.day = day;
        // Today as planning would see it now; another day as at its midnight.
        p.planned_at = local_date(now, store.zone) == day ? now : start_of_day(day, store.zone);
        std::vector<DayVerdict> verdicts;
        planner.occasions(store, day, p.planned_at, [&](OccasionBatch& b) {
            for (auto& v : b.verdicts)
                verdicts.push_back(std::move(v));
        });
        planner.winbacks(store, day, p.planned_at, [&](WinbackBatch& b) {
            for (auto& v : b.verdicts)
                verdicts.push_back(std::move(v));
        });
        // What became of the jobs the day already has.
        for (const auto& v : verdicts)
            redis.append({"HGETALL", keys::job(id, v.verdict.occasion_id)});
        std::map<std::string, std::string> merged_into;  // winner id → merged occasion
        std::vector<std::pair<std::optional<Job>, FieldMap>> existing;
        for (const auto& v : verdicts) {
            const auto reply = redis.read();
            reply.expect_ok("HGETALL job");
            FieldMap fields = to_field_map(reply);
            auto job =
                fields.empty() ? std::nullopt : job_from_fields(id, v.verdict.occasion_id, fields);
            existing.emplace_back(std::move(job), std::move(fields));
            if (v.verdict.reason == "merged" && v.verdict.detail.starts_with("into "))
                merged_into[v.verdict.detail.substr(5)] = v.verdict.occasion_id;
        }
        for (std::size_t i = 0; i < verdicts.size(); ++i) {
            const auto& [member_id, name, v] = verdicts[i];
            const auto& [job, fields] = existing[i];
            const Job* shown = job ? &*job : (v.job ? &*v.job : nullptr);
            std::optional<std::string> reason;
            std::string detail = v.detail;
            if (job) {
                reason = ended_reason(*job, fields);
                if (reason) detail = job->error;
            } else if (!v.job) {
                reason = v.reason;
            }
            if (reason) {
                p.skipped.push_back({member_id, name, v.kind, v.occasion_id, *reason, detail});
                continue;
            }
            PreviewMessage m;
            m.member_id = member_id;
            m.member_name = name;
            m.kind = shown->kind;
            m.job_id = shown->id;
            m.channel = shown->channel;
            m.at = shown->due_at;
            if (job && fields.contains("finished_at")) {
                m.at = SysSeconds{std::chrono::seconds{std::stoll(fields.at("finished_at"))}};
            }
            m.text = shown->text;
            m.state = job ? std::string(to_string(job->state)) : "new";
            if (const auto it = merged_into.find(m.job_id); it != merged_into.end())
                m.merged = it->second;
            p.messages.push_back(std::move(m));
        }
        std::stable_sort(
            p.messages.begin(), p.messages.end(),
            [](const PreviewMessage& a, const PreviewMessage& b) { return a.at < b.at; });
        std::stable_sort(
            p.skipped.begin(), p.skipped.end(),
            [](const PreviewSkip& a, const PreviewSkip& b) { return a.member_id < b.member_id; });
        out.push_back(std::move(p));
    }
    return out;
}

void print_preview(const std::vector<StorePreview>& previews, const Config& config, bool json,
                   std::ostream& out) {
    if (json) {
        auto stores = nlohmann::json::array();
        for (const auto& p : previews) {
            const auto* zone = config.find_store(p.store)->zone;
            auto messages = nlohmann::json::array();
            for (const auto& m : p.messages) {
                nlohmann::json j{{"member_id", m.member_id},
                                 {"name", m.member_name},
                                 {"kind", to_string(m.kind)},
                                 {"job_id", m.job_id},
                                 {"channel", to_string(m.channel)},
                                 {"at", format_instant(m.at, zone)},
                                 {"text", m.text},
                                 {"state", m.state}};
                if (!m.merged.empty()) j["merged"] = m.merged;
                messages.push_back(std::move(j));
            }
            auto skipped = nlohmann::json::array();
            for (const auto& s : p.skipped) {
                skipped.push_back({{"member_id", s.member_id},
                                   {"name", s.member_name},
                                   {"kind", to_string(s.kind)},
                                   {"occasion", s.occasion_id},
                                   {"reason", s.reason},
                                   {"detail", s.detail}});
            }
            stores.push_back({{"store", p.store},
                              {"date", format_date(p.day)},
                              {"planned_at", format_instant(p.planned_at, zone)},
                              {"messages", std::move(messages)},
                              {"skipped", std::move(skipped)}});
        }
        out << nlohmann::json{{"stores", std::move(stores)}}.dump(2) << "\n";
        return;
    }
    for (const auto& p : previews) {
        const auto& store = *config.find_store(p.store);
        out << "== " << p.store << " " << store.name << " " << format_date(p.day) << " ("
            << store.zone_name << "), planned as at " << format_instant(p.planned_at, store.zone)
            << "\n";
        out << "messages (" << p.messages.size() << "):\n";
        for (const auto& m : p.messages) {
            out << "  " << local_time(m.at, store.zone) << "  " << pad(m.member_id, 8) << " "
                << pad(m.member_name, 10) << " " << pad(std::string(to_string(m.channel)), 7)
                << pad(std::string(to_string(m.kind)), 15) << pad(m.state, 10) << m.text;
            if (!m.merged.empty()) out << "  [+ " << m.merged << "]";
            out << "\n";
        }
        std::map<std::string, std::size_t> reasons;
        out << "no message (" << p.skipped.size() << "):\n";
        for (const auto& s : p.skipped) {
            ++reasons[s.reason];
            out << "  " << pad(s.member_id, 8) << " " << pad(s.member_name, 10) << " "
                << pad(std::string(to_string(s.kind)), 15) << pad(s.reason, 16) << s.detail << "\n";
        }
        out << "summary: " << p.messages.size() << " messages";
        for (const auto& [reason, n] : reasons)
            out << ", " << reason << " " << n;
        out << "\n\n";
    }
}

void PolicyCommands::add_to(CLI::App& app) {
    consent_ = app.add_subcommand(
        "consent", "A member's consent per channel and its evidence; or record one event");
    consent_->add_option("member_id", member_)->required();
    consent_->add_option("--store", store_,
                         "The member's store (default: every store that has them)");
    consent_->add_option("--channel", channel_, "sms or wechat (to record an event)")
        ->check(CLI::IsMember({"sms", "wechat"}));
    auto* in = consent_->add_flag("--opt-in", opt_in_, "Record that the member agreed");
    auto* out = consent_->add_flag("--opt-out", opt_out_, "Record that the member refused");
    in->excludes(out);
    consent_->add_option("--source", source_, "How it was given (default: counter)")
        ->check(CLI::IsMember({"counter", "api", "wechat_event", "sms_reply"}));
    consent_->add_option("--note", note_, "What the member said, who recorded it");

    preview_ = app.add_subcommand(
        "preview", "Every message a day sends, and why each other candidate gets none");
    preview_->add_option("--date", date_, "YYYY-MM-DD (the store's local day)")->required();
    preview_->add_option("--store", store_, "Only this store");
    preview_->add_flag("--json", json_, "JSON instead of a table");
}

std::optional<int> PolicyCommands::run(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    if (consent_ && *consent_) return run_consent(rt, out, errors);
    if (preview_ && *preview_) return run_preview(rt, out, errors);
    return std::nullopt;
}

int PolicyCommands::run_consent(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    if (!store_.empty() && !rt.config.find_store(store_))
        throw ConfigError("--store " + store_ + ": not a store in " + rt.config.origin);
    RedisConnection redis(rt.redis);
    MemberStore members(redis);
    ConsentStore consent(redis, rt.config);
    // Without --store: every store that has the member (ids are per store).
    std::vector<const StoreConfig*> stores;
    for (const auto& [id, s] : rt.config.stores) {
        if ((store_.empty() || id == store_) && members.get(id, member_)) stores.push_back(&s);
    }
    if (stores.empty()) {
        errors << "huitou: no member " << member_
               << (store_.empty() ? std::string(" in any store") : " in store " + store_) << "\n";
        return 3;
    }
    if ((opt_in_ || opt_out_) && stores.size() > 1) {
        errors << "huitou: " << member_ << " is a member of several stores: say which --store\n";
        return 2;
    }
    for (const StoreConfig* store : stores) {
        auto m = members.get(store->id, member_);
        if (opt_in_ || opt_out_) {
            if (channel_.empty()) throw ConfigError("--opt-in/--opt-out: say which --channel");
            ConsentEvent e;
            e.at = rt.clock->now();
            e.store = store->id;
            e.channel = *parse_channel(channel_);
            e.opt_in = opt_in_;
            e.source = *parse_consent_source(source_);
            e.member = m->id;
            e.address = address_of(*m, e.channel);
            e.detail = note_;
            if (const auto problem = check_consent_event(e)) {
                errors << "huitou: " << *problem << "\n";
                return 2;
            }
            const auto outcome = consent.record(e);
            out << "recorded: " << member_ << " " << channel_ << " "
                << (opt_in_ ? "opt-in" : "opt-out") << " by " << source_;
            if (outcome.cancelled) out << "; " << outcome.cancelled << " jobs of today cancelled";
            out << "\n";
            m = members.get(store->id, member_);
        }
        print_consent(*m, *store, consent, out);
    }
    return 0;
}

int PolicyCommands::run_preview(const Runtime& rt, std::ostream& out, std::ostream& errors) {
    const auto day = parse_date(date_);
    if (!day) throw ConfigError("--date: expected YYYY-MM-DD, got \"" + date_ + "\"");
    if (!store_.empty() && !rt.config.find_store(store_))
        throw ConfigError("--store " + store_ + ": not a store in " + rt.config.origin);
    const TemplateSet templates = load_templates(rt.config);
    RedisConnection redis(rt.redis);
    const auto previews = preview_day(redis, rt.config, templates, *day, store_, rt.clock->now());
    print_preview(previews, rt.config, json_, out);
    (void)errors;
    return 0;
}

}  // namespace huitou
