#include "core/consent.h"

#include "core/separated_list.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace huitou {
namespace {

constexpr std::array<std::string_view, 6> source_names{"import",       "counter", "sms_reply",
                                                       "wechat_event", "api",     "provider"};

std::string describe(const ConsentEvent& e, const date::time_zone* zone) {
    std::string when = format_instant(e.at, zone);
    when = when.substr(0, 10) + " " + when.substr(11, 5);
    std::string out = std::string(e.opt_in ? "opt-in" : "opt-out") + " by " +
                      std::string(to_string(e.source)) + (e.shop_record ? " (shop record)" : "") +
                      " on " + when;
    if (!e.detail.empty()) out += " (" + e.detail + ")";
    return out;
}

}  // namespace

std::string_view to_string(ConsentSource s) {
    return source_names[static_cast<std::size_t>(s)];
}

std::optional<ConsentSource> parse_consent_source(std::string_view s) {
    if (s == "provider_error") return ConsentSource::provider;
    for (std::size_t i = 0; i < source_names.size(); ++i) {
        if (source_names[i] == s) return static_cast<ConsentSource>(i);
    }
    return std::nullopt;
}

std::optional<std::string> check_consent_event(const ConsentEvent& e) {
    if (e.source == ConsentSource::import) {
        if (e.members.empty()) return "an import event names the members it changed";
        return std::nullopt;
    }
    if (e.member.empty() && e.address.empty()) return "name a member or an address";
    if (e.opt_in) {
        const bool explicit_source =
            e.source == ConsentSource::counter || e.source == ConsentSource::api ||
            (e.source == ConsentSource::wechat_event && e.channel == Channel::wechat);
        if (!explicit_source) {
            return "an opt-in is recorded at the counter, through the API, or (WeChat) from a "
                   "subscribe event, not from " +
                   std::string(to_string(e.source));
        }
    }
    return std::nullopt;
}

bool is_opt_out(const ConsentEvent& e) {
    return !e.opt_in && e.source != ConsentSource::import && !e.shop_record;
}

bool lifts_opt_out(const ConsentEvent& e) {
    return e.opt_in && e.source != ConsentSource::import && !e.shop_record;
}

FieldMap to_fields(const ConsentEvent& e) {
    FieldMap f;
    f["at"] = std::to_string(e.at.time_since_epoch().count());
    f["store"] = e.store;
    f["channel"] = to_string(e.channel);
    f["event"] = e.opt_in ? "opt_in" : "opt_out";
    f["source"] = to_string(e.source);
    if (!e.member.empty()) f["member"] = e.member;
    if (!e.address.empty()) f["address"] = e.address;
    if (!e.members.empty()) f["members"] = join_list(e.members, ' ');
    f["detail"] = e.detail;
    if (e.shop_record) f["record"] = "shop";
    return f;
}

std::optional<ConsentEvent> consent_event_from_fields(std::string id, const FieldMap& fields) {
    auto get = [&fields](std::string_view key) -> std::string_view {
        const auto it = fields.find(key);
        return it == fields.end() ? std::string_view{} : std::string_view{it->second};
    };
    ConsentEvent e;
    e.id = std::move(id);
    const auto at = get("at");
    long long seconds = 0;
    const auto [end, ec] = std::from_chars(at.data(), at.data() + at.size(), seconds);
    const auto channel = parse_channel(get("channel"));
    const auto source = parse_consent_source(get("source"));
    const auto event = get("event");
    if (ec != std::errc{} || end != at.data() + at.size() || !channel || !source ||
        (event != "opt_in" && event != "opt_out")) {
        return std::nullopt;
    }
    e.at = SysSeconds{std::chrono::seconds{seconds}};
    e.store = get("store");
    e.channel = *channel;
    e.opt_in = event == "opt_in";
    e.source = *source;
    e.member = get("member");
    e.address = get("address");
    e.members = split_list(get("members"), ' ');
    e.detail = get("detail");
    e.shop_record = get("record") == "shop";
    return e;
}

const std::string& address_of(const Member& m, Channel c) {
    return c == Channel::sms ? m.phone : m.wechat_openid;
}

bool optin_of(const Member& m, Channel c) {
    return c == Channel::sms ? m.sms_optin : m.wechat_optin;
}

bool concerns(const ConsentEvent& e, const Member& m) {
    if (!e.member.empty() && e.member == m.id) return true;
    if (!e.address.empty() && e.address == address_of(m, e.channel)) return true;
    return std::find(e.members.begin(), e.members.end(), m.id) != e.members.end();
}

ChannelConsent explain_consent(const Member& m, Channel c, bool opted_out, bool notices_need_optin,
                               const std::vector<ConsentEvent>& events,
                               const date::time_zone* zone) {
    ChannelConsent out;
    out.reachable = !address_of(m, c).empty();
    out.agreed = optin_of(m, c);
    out.opted_out = opted_out;
    out.subscribed = c == Channel::sms || m.wechat_subscribed;
    out.marketing = out.reachable && out.agreed && !opted_out && out.subscribed;
    out.notices = out.reachable && !opted_out && (out.agreed || !notices_need_optin);

    // The latest event of this channel that decided each layer.
    const ConsentEvent* last_opt_out = nullptr;
    const ConsentEvent* last_flag = nullptr;
    for (const auto& e : events) {
        if (e.channel != c) continue;
        if (is_opt_out(e)) last_opt_out = &e;
        if (lifts_opt_out(e) && last_opt_out) last_opt_out = nullptr;
        last_flag = &e;
    }
    const std::string channel(to_string(c));
    if (!out.reachable) {
        out.why = "no " + std::string(c == Channel::sms ? "phone number" : "openid") + " on record";
    } else if (opted_out) {
        out.why = "the member opted out of " + channel;
        if (last_opt_out) out.why += ": " + describe(*last_opt_out, zone);
        out.why += "; only an opt-in at the counter or through the API lifts it";
    } else if (!out.agreed) {
        out.why = "no consent";
        if (last_flag) out.why += ": " + describe(*last_flag, zone);
        out.why += notices_need_optin ? "; nothing is sent" : "; service notices only";
    } else if (!out.subscribed) {
        out.why =
            "agreed, but not subscribed to the notices: WeChat carries service notices "
            "only";
        if (last_flag) out.why += " (" + describe(*last_flag, zone) + ")";
    } else {
        out.why = "agreed";
        if (last_flag) out.why += ": " + describe(*last_flag, zone);
    }
    return out;
}

}  // namespace huitou
