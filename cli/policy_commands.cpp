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
#include "scheduler/admin_views.h"

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

void print_consent(const Member& m, const StoreConfig& store, ConsentStore& consent,
                   std::ostream& out) {
    const auto events = consent.events_about(m);
    const auto welcomed = consent.welcomed(store.id, m.id);
    out << "member " << m.id << " " << m.name << " (" << store.id << ", " << store.name << ")\n";
    for (const Channel c : {Channel::sms, Channel::wechat}) {
        const auto& address = address_of(m, c);
        const bool opted_out = !address.empty() && consent.is_opted_out(store.id, c, address);
        const auto state =
            explain_consent(m, c, opted_out, store.policy.notices_need_optin, events, store.zone);
        out << "  " << pad(std::string(to_string(c)), 7) << pad(shown_address(address, c), 17)
            << "greetings " << (state.marketing ? "yes" : "no ") << "  notices "
            << (state.notices ? "yes" : "no ") << "  " << state.why << "\n";
        if (const auto w = welcomed.find(c); w != welcomed.end())
            out << "  " << pad("", 24) << "welcomed " << format_instant(w->second, store.zone)
                << "\n";
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

void print_preview(const std::vector<StorePreview>& previews, const Config& config, bool json,
                   std::ostream& out) {
    if (json) {
        out << preview_json(previews, config).dump(2) << "\n";
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
    auto* out = consent_->add_flag("--opt-out", opt_out_, "Record that the member opted out");
    in->excludes(out);
    consent_->add_option("--source", source_, "How it was given (default: counter)")
        ->check(CLI::IsMember({"counter", "api", "wechat_event", "sms_reply"}));
    consent_->add_option("--note", note_, "What the member said, who recorded it");
    consent_->add_flag("--json", consent_json_, "JSON (as GET /api/consent answers)");

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
    auto found = nlohmann::json::array();
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
            if (consent_json_) {
                m = members.get(store->id, member_);
                auto j = consent_json(*m, *store, consent);
                j["recorded"] = {{"channel", channel_},
                                 {"event", opt_in_ ? "opt_in" : "opt_out"},
                                 {"source", source_},
                                 {"cancelled_jobs", outcome.cancelled}};
                if (!outcome.welcome_job.empty())
                    j["recorded"]["welcome_job"] = outcome.welcome_job;
                found.push_back(std::move(j));
                continue;
            }
            out << "recorded: " << member_ << " " << channel_ << " "
                << (opt_in_ ? "opt-in" : "opt-out") << " by " << source_;
            if (outcome.cancelled) out << "; " << outcome.cancelled << " jobs of today cancelled";
            if (!outcome.welcome_job.empty())
                out << "; welcome " << outcome.welcome_job << " due "
                    << format_instant(outcome.welcome_due, store->zone);
            out << "\n";
            m = members.get(store->id, member_);
        }
        if (consent_json_)
            found.push_back(consent_json(*m, *store, consent));
        else
            print_consent(*m, *store, consent, out);
    }
    if (consent_json_)
        out << nlohmann::json{{"member_id", member_}, {"stores", std::move(found)}}.dump(2) << "\n";
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
