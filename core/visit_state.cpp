#include "core/visit_state.h"

#include <array>
#include <charconv>

#include <nlohmann/json.hpp>

namespace huitou {
namespace {

constexpr std::array<std::string_view, 5> state_names{"active", "lapsed", "reminded", "returned",
                                                      "churned"};

template <typename T>
std::optional<T> number(const FieldMap& fields, std::string_view key) {
    const auto it = fields.find(key);
    if (it == fields.end()) return std::nullopt;
    T value{};
    const auto& s = it->second;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string_view to_string(WinbackState s) {
    return state_names[static_cast<std::size_t>(s)];
}

std::optional<WinbackState> parse_winback_state(std::string_view s) {
    for (std::size_t i = 0; i < state_names.size(); ++i) {
        if (state_names[i] == s) return static_cast<WinbackState>(i);
    }
    return std::nullopt;
}

std::vector<int> VisitState::visit_days() const {
    std::vector<int> days;
    for (const auto& v : history) {
        if (days.empty() || days.back() != v.day) days.push_back(v.day);
    }
    return days;
}

std::optional<VisitState> visit_state_from_fields(const FieldMap& fields) {
    VisitState v;
    const auto last = number<long long>(fields, visit_field::last);
    const auto date_it = fields.find(visit_field::last_date);
    if (!last || date_it == fields.end()) return std::nullopt;
    const auto last_date = parse_date(date_it->second);
    if (!last_date) return std::nullopt;
    v.last = SysSeconds{std::chrono::seconds{*last}};
    v.last_date = *last_date;
    if (const auto it = fields.find(visit_field::state); it != fields.end()) {
        v.state = parse_winback_state(it->second).value_or(WinbackState::active);
    }
    v.step = number<int>(fields, visit_field::step).value_or(0);
    v.lapse_day = number<int>(fields, visit_field::lapse);
    v.next_day = number<int>(fields, visit_field::next);
    v.visits = number<long long>(fields, visit_field::visits).value_or(0);
    if (const auto it = fields.find(visit_field::cycle); it != fields.end()) {
        v.cycle = std::strtod(it->second.c_str(), nullptr);
    }
    if (const auto it = fields.find(visit_field::history); it != fields.end()) {
        const auto parsed = nlohmann::json::parse(it->second, nullptr, false);
        if (parsed.is_array()) {
            for (const auto& e : parsed) {
                if (!e.is_array() || e.size() < 3 || !e[0].is_number() || !e[1].is_number() ||
                    !e[2].is_string()) {
                    continue;
                }
                VisitRecord r;
                r.at = SysSeconds{std::chrono::seconds{e[0].get<long long>()}};
                r.day = e[1].get<int>();
                r.key = e[2].get<std::string>();
                if (e.size() > 3 && e[3].is_number()) r.amount_cents = e[3].get<long long>();
                v.history.push_back(std::move(r));
            }
        }
    }
    return v;
}

}  // namespace huitou
