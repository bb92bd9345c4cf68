#include "core/parked_event.h"

#include <nlohmann/json.hpp>

#include "core/member.h"

namespace huitou {

namespace {

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

long long seconds_of(SysSeconds t) {
    return t.time_since_epoch().count();
}

bool fail(std::string* error, std::string what) {
    if (error) *error = std::move(what);
    return false;
}

// A string field of `j`, or false with the error naming it.
bool take(const nlohmann::json& j, const char* field, std::string& out, std::string* error) {
    const auto it = j.find(field);
    if (it == j.end() || !it->is_string())
        return fail(error, std::string("parked event: `") + field + "` is missing or not text");
    out = it->get<std::string>();
    return true;
}

bool take_time(const nlohmann::json& j, const char* field, SysSeconds& out, std::string* error) {
    const auto it = j.find(field);
    if (it == j.end() || !it->is_number_integer())
        return fail(error, std::string("parked event: `") + field +
                               "` is missing or not a whole number of seconds");
    out = SysSeconds{std::chrono::seconds{it->get<long long>()}};
    return true;
}

std::optional<Visit> visit_of(const nlohmann::json& j, std::string* error) {
    Visit v;
    std::string day;
    if (!take(j, "store", v.store, error) || !take(j, "member", v.member_id, error) ||
        !take_time(j, "at", v.at, error) || !take(j, "day", day, error) ||
        !take(j, "key", v.key, error))
        return std::nullopt;
    const auto parsed = parse_date(day);
    if (!parsed) {
        fail(error, "parked event: `day` is not a date: " + day);
        return std::nullopt;
    }
    v.day = *parsed;
    if (const auto it = j.find("cents"); it != j.end()) {
        if (!it->is_number_integer()) {
            fail(error, "parked event: `cents` is not a whole number");
            return std::nullopt;
        }
        v.amount_cents = it->get<long long>();
    }
    if (!is_valid_store_id(v.store) || v.member_id.empty() || v.key.empty()) {
        fail(error, "parked event: a visit without a valid store, member or key");
        return std::nullopt;
    }
    return v;
}

std::optional<ConsentEvent> consent_of(const nlohmann::json& j, std::string* error) {
    const auto it = j.find("fields");
    if (it == j.end() || !it->is_object()) {
        fail(error, "parked event: a consent event without `fields`");
        return std::nullopt;
    }
    FieldMap fields;
    for (const auto& [name, value] : it->items()) {
        if (!value.is_string()) {
            fail(error, "parked event: consent field `" + name + "` is not text");
            return std::nullopt;
        }
        fields[name] = value.get<std::string>();
    }
    auto e = consent_event_from_fields({}, fields);
    if (!e || !is_valid_store_id(e->store)) {
        fail(error, "parked event: the consent fields are not a consent event");
        return std::nullopt;
    }
    return e;
}

std::optional<ParkedDelivery> delivery_of(const nlohmann::json& j, std::string* error) {
    ParkedDelivery d;
    if (!take(j, "store", d.store, error) || !take(j, "job", d.job_id, error) ||
        !take(j, "status", d.status, error) || !take_time(j, "at", d.at, error) ||
        !take(j, "detail", d.detail, error))
        return std::nullopt;
    if (!is_valid_store_id(d.store) || d.job_id.empty() || d.status.empty()) {
        fail(error, "parked event: a delivery without a valid store, job or status");
        return std::nullopt;
    }
    return d;
}

}  // namespace

const std::string& store_of(const ParkedEvent& e) {
    return std::visit(
        Overloaded{[](const Visit& v) -> const std::string& { return v.store; },
                   [](const ConsentEvent& c) -> const std::string& { return c.store; },
                   [](const ParkedDelivery& d) -> const std::string& { return d.store; }},
        e);
}

std::string_view kind_of(const ParkedEvent& e) {
    return std::visit(
        Overloaded{[](const Visit&) { return std::string_view("visit"); },
                   [](const ConsentEvent&) { return std::string_view("consent"); },
                   [](const ParkedDelivery&) { return std::string_view("delivery"); }},
        e);
}

std::string encode_parked(const ParkedEvent& e) {
    nlohmann::json j;
    j["kind"] = kind_of(e);
    std::visit(Overloaded{[&](const Visit& v) {
                              j["store"] = v.store;
                              j["member"] = v.member_id;
                              j["at"] = seconds_of(v.at);
                              j["day"] = format_date(v.day);
                              j["key"] = v.key;
                              if (v.amount_cents) j["cents"] = *v.amount_cents;
                          },
                          [&](const ConsentEvent& c) {
                              nlohmann::json fields = nlohmann::json::object();
                              for (const auto& [name, value] : to_fields(c))
                                  fields[name] = value;
                              j["fields"] = std::move(fields);
                          },
                          [&](const ParkedDelivery& d) {
                              j["store"] = d.store;
                              j["job"] = d.job_id;
                              j["status"] = d.status;
                              j["at"] = seconds_of(d.at);
                              j["detail"] = d.detail;
                          }},
               e);
    return j.dump();
}

std::optional<ParkedEvent> decode_parked(std::string_view text, std::string* error) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        fail(error, "parked event: not a JSON object");
        return std::nullopt;
    }
    std::string kind;
    if (!take(j, "kind", kind, error)) return std::nullopt;
    if (kind == "visit") {
        if (auto v = visit_of(j, error)) return ParkedEvent{std::move(*v)};
    } else if (kind == "consent") {
        if (auto c = consent_of(j, error)) return ParkedEvent{std::move(*c)};
    } else if (kind == "delivery") {
        if (auto d = delivery_of(j, error)) return ParkedEvent{std::move(*d)};
    } else {
        fail(error, "parked event: unknown kind `" + kind + "`");
    }
    return std::nullopt;
}

std::optional<ParkedEntry> split_parked_entry(std::string_view entry) {
    const auto space = entry.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    const auto id = entry.substr(0, space);
    const auto colon = id.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == id.size())
        return std::nullopt;
    return ParkedEntry{std::string(id), std::string(entry.substr(space + 1))};
}

}  // namespace huitou
