#include "scheduler/admin_views.h"

#include "core/consent.h"
#include "core/log_mask.h"
#include "core/value_segment.h"
#include "core/visit.h"
#include "core/visit_cycle.h"

namespace huitou {

nlohmann::json job_json(const Job& j, bool full, const date::time_zone* zone) {
    nlohmann::json out{{"store", j.store},
                       {"id", j.id},
                       {"kind", to_string(j.kind)},
                       {"member_id", j.member_id},
                       {"date", format_date(j.occasion_date)},
                       {"channel", to_string(j.channel)},
                       {"to", j.to.empty() ? std::string() : mask_recipient(j.channel, j.to)},
                       {"state", to_string(j.state)},
                       {"attempts", j.attempts},
                       {"error", j.error},
                       {"due_at", j.due_at.time_since_epoch().count()}};
    // A job of a day-sheets store has no words stored: they are written
    // when it is claimed, from the member as she is then.
    if (j.text.empty()) out["text_note"] = "(written at dispatch)";
    if (full) {
        out["marketing"] = j.marketing;
        out["text"] = j.text;
        out["expires_at"] = j.expires_at.time_since_epoch().count();
        out["created_at"] = j.created_at.time_since_epoch().count();
        out["due"] = format_instant(j.due_at, zone);
        out["expires"] = format_instant(j.expires_at, zone);
    }
    return out;
}

nlohmann::json consent_json(const Member& m, const StoreConfig& store, ConsentStore& consent) {
    const auto events = consent.events_about(m);
    const auto welcomed = consent.welcomed(store.id, m.id);
    nlohmann::json channels = nlohmann::json::object();
    for (const Channel c : {Channel::sms, Channel::wechat}) {
        const auto& address = address_of(m, c);
        const bool opted_out = !address.empty() && consent.is_opted_out(store.id, c, address);
        const auto s =
            explain_consent(m, c, opted_out, store.policy.notices_need_optin, events, store.zone);
        channels[std::string(to_string(c))] = {
            {"address", address.empty() ? std::string() : mask_recipient(c, address)},
            {"reachable", s.reachable},
            {"agreed", s.agreed},
            {"refused", s.opted_out},
            {"subscribed", s.subscribed},
            {"greetings", s.marketing},
            {"notices", s.notices},
            {"why", s.why}};
        // When her welcome was created (core/welcome.h); absent: never welcomed here.
        if (const auto w = welcomed.find(c); w != welcomed.end())
            channels[std::string(to_string(c))]["welcomed"] = format_instant(w->second, store.zone);
    }
    auto ledger = nlohmann::json::array();
    for (const auto& e : events) {
        ledger.push_back(
            {{"id", e.id},
             {"at", format_instant(e.at, store.zone)},
             {"channel", to_string(e.channel)},
             {"event", e.opt_in ? "opt_in" : "opt_out"},
             {"source", to_string(e.source)},
             {"address", e.address.empty() ? std::string() : mask_recipient(e.channel, e.address)},
             {"detail", e.detail}});
    }
    return {{"store", store.id},
            {"member_id", m.id},
            {"name", m.name},
            {"channels", std::move(channels)},
            {"ledger", std::move(ledger)}};
}

nlohmann::json winback_json(const WinbackCounts& c, const Date& today) {
    auto total = [&c](const char* k) { return c.totals.contains(k) ? c.totals.at(k) : 0; };
    return {{"date", format_date(today)},
            {"active", c.active},
            {"lapsed", c.lapsed},
            {"reminded", c.reminded},
            {"returned", c.returned},
            {"churned", c.churned},
            {"came_back", total("returned")},
            {"came_back_amount", format_amount(total("returned_cents"))},
            {"reminders", total("reminders")},
            {"followups", total("followups")},
            {"skipped_followups", total("skipped")},
            {"visits", total("visits")}};
}

nlohmann::json segment_json(const Member& m) {
    const auto s = parse_stored_segment(m.segment);
    if (!s) return nullptr;
    return {{"name", segment_name(s->segment)},
            {"key", segment_key(s->segment)},
            {"recency_days", s->rfm.recency_days},
            {"visits", s->rfm.visits},
            {"amount", format_amount(s->rfm.cents)},
            {"thresholds_date", format_date(date_of_day(s->thresholds_day))}};
}

}  // namespace huitou
