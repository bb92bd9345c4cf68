#include "core/event_body.h"

#include <array>

#include "core/member_body.h"

namespace huitou {
namespace {

// The keys each type takes, besides event_id, type, member_id, at and store.
std::vector<std::string_view> fields_of(EventType t) {
    switch (t) {
        case EventType::visit:
            return {"amount"};
        case EventType::card_renewal:
            return {"card_expires"};
        case EventType::consent:
            return {"channel", "event", "evidence"};
    }
    return {};
}

// A visit check's error in the event's names: visited_at is "at", visit_id
// is "event_id"; "amount \"x\" has …" becomes "amount: \"x\" has …".
std::string event_error(const std::string& why) {
    for (const auto& [from, to] : std::array<std::pair<std::string_view, std::string_view>, 3>{
             {{"visited_at", "at"}, {"visit_id", "event_id"}, {"amount", "amount"}}}) {
        if (!why.starts_with(from)) continue;
        auto rest = why.substr(from.size());
        if (rest.starts_with(":")) rest.erase(0, 1);
        if (rest.starts_with(" ")) rest.erase(0, 1);
        return std::string(to) + ": " + rest;
    }
    return why;
}

}  // namespace

std::string_view to_string(EventType t) {
    switch (t) {
        case EventType::visit:
            return "visit";
        case EventType::card_renewal:
            return "card_renewal";
        case EventType::consent:
            return "consent";
    }
    return "?";
}

EventCheck read_event(const nlohmann::json& object, const std::string& store, const Config& config,
                      const MemberRowParser& parser, SysSeconds now, const std::string& who) {
    const auto fail = [](std::string why) { return EventCheck{std::nullopt, std::move(why)}; };
    if (!object.is_object()) return fail("body: expected a JSON object");
    // A string field: "" when absent; nullopt (and `why`) when not a string.
    std::string why;
    const auto text = [&](const char* key, bool required) -> std::optional<std::string> {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            if (required) why = std::string(key) + ": required";
            return required ? std::nullopt : std::optional<std::string>("");
        }
        if (it->is_number() && std::string_view(key) == "amount") return it->dump();
        if (!it->is_string()) {
            why = std::string(key) + ": expected a string, got " + it->dump();
            return std::nullopt;
        }
        return it->get<std::string>();
    };
    ApiEvent e;
    const auto id = text("event_id", true);
    if (!id) return fail(why);
    if (!is_valid_visit_id(*id)) {
        return fail("event_id: \"" + *id +
                    "\" may hold only letters, digits and . _ : / - (1 to 64)");
    }
    e.event_id = *id;
    const auto type = text("type", true);
    if (!type) return fail(why);
    if (*type == "visit")
        e.type = EventType::visit;
    else if (*type == "card_renewal")
        e.type = EventType::card_renewal;
    else if (*type == "consent")
        e.type = EventType::consent;
    else
        return fail("type: \"" + *type + "\" is not visit, card_renewal or consent");
    const auto member = text("member_id", true);
    if (!member) return fail(why);
    if (!is_valid_member_id(*member)) {
        return fail("member_id: \"" + *member +
                    "\" may hold only letters, digits, '.', '_' and '-' (at most 64)");
    }
    e.member_id = *member;
    if (const auto s = text("store", false); !s || (!s->empty() && *s != store))
        return fail("store: " + object["store"].dump() + " is not the URL's \"" + store + "\"");
    const auto allowed = fields_of(e.type);
    std::string unknown;
    for (const auto& [key, value] : object.items()) {
        if (key == "event_id" || key == "type" || key == "member_id" || key == "at" ||
            key == "store")
            continue;
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            unknown += (unknown.empty() ? "" : ", ") + key;
    }
    if (!unknown.empty()) return fail(unknown + ": not a field of a " + *type + " event");
    const auto at = text("at", false);
    if (!at) return fail(why);

    // The visit check reads the time for every type: one rule for "at".
    VisitInput in{store, e.member_id, *at, "", e.event_id};
    if (e.type == EventType::visit) {
        const auto amount = text("amount", false);
        if (!amount) return fail(why);
        in.amount = *amount;
    }
    const auto visit = make_visit(in, config, now);
    if (!visit.visit) return fail(event_error(visit.error));
    e.at = visit.visit->at;

    switch (e.type) {
        case EventType::visit:
            e.visit = *visit.visit;
            break;
        case EventType::card_renewal: {
            const auto expires = text("card_expires", true);
            if (!expires) return fail(why);
            // Through the member body's code: the import's parser checks the date.
            auto body = read_member_object(parser, nlohmann::json{{"card_expires", *expires}},
                                           store, e.member_id, MemberWriteMode::merge);
            if (!body.record) return fail(body.error);
            e.card = std::move(*body.record);
            break;
        }
        case EventType::consent: {
            const auto channel_text = text("channel", true);
            if (!channel_text) return fail(why);
            const auto channel = parse_channel(*channel_text);
            if (!channel) return fail("channel: \"" + *channel_text + "\" is not sms or wechat");
            const auto event = text("event", true);
            if (!event) return fail(why);
            if (*event != "opt_in" && *event != "opt_out")
                return fail("event: \"" + *event + "\" is not opt_in or opt_out");
            const auto evidence = text("evidence", true);
            if (!evidence) return fail(why);
            if (evidence->empty()) return fail("evidence: required: how the member said it");
            if (evidence->size() > 500) return fail("evidence: at most 500 bytes");
            auto& c = e.consent;
            c.at = e.at;
            c.store = store;
            c.channel = *channel;
            c.opt_in = *event == "opt_in";
            c.source = ConsentSource::api;
            c.member = e.member_id;
            c.detail = "event " + e.event_id + " by " + who + ": " + *evidence;
            break;
        }
    }
    return {std::move(e), {}};
}

}  // namespace huitou
