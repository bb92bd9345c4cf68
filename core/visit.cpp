#include "core/visit.h"

#include <charconv>

#include "core/utf8.h"

namespace huitou {
namespace {

void set_error(std::string* error, std::string message) {
    if (error) *error = std::move(message);
}

bool has_offset(std::string_view text) {
    // After "YYYY-MM-DDTHH:MM", an offset starts with Z, + or -.
    if (text.size() <= 16) return false;
    const auto rest = text.substr(16);
    return rest.find_first_of("Z+-") != std::string_view::npos;
}

}  // namespace

std::optional<SysSeconds> parse_visit_time(std::string_view text, const date::time_zone* zone,
                                           std::string* error) {
    if (const auto day = parse_date(text)) return start_of_day(*day, zone);
    if (has_offset(text)) return parse_instant(text, error);
    // A local date-time: "YYYY-MM-DD HH:MM[:SS]" or with 'T'.
    const auto day = text.size() > 11 ? parse_date(text.substr(0, 10)) : std::nullopt;
    const auto time = day && (text[10] == ' ' || text[10] == 'T')
                          ? parse_time_of_day(text.substr(11))
                          : std::nullopt;
    if (!day || !time) {
        set_error(error, "visited_at \"" + std::string(text) +
                             "\" is not a time (2027-09-01T19:30:00+08:00, 2027-09-01 19:30 in "
                             "the store's time zone, or 2027-09-01)");
        return std::nullopt;
    }
    return local_instant(*day, *time, zone);
}

std::optional<long long> parse_amount(std::string_view text, std::string* error) {
    const auto bad = [&](const std::string& why) -> std::optional<long long> {
        set_error(error, "amount \"" + std::string(text) + "\" " + why);
        return std::nullopt;
    };
    const auto dot = text.find('.');
    const auto whole = text.substr(0, dot);
    const auto fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) {
        return bad("is not a number like 128 or 128.50");
    }
    if (fraction.size() > 2) return bad("has more than two decimals");
    if (whole.size() > 10) return bad("is too large");
    long long cents = 0;
    for (const char c : whole) {
        if (c < '0' || c > '9') return bad("is not a number like 128 or 128.50");
        cents = cents * 10 + (c - '0');
    }
    for (std::size_t i = 0; i < 2; ++i) {
        const char c = i < fraction.size() ? fraction[i] : '0';
        if (c < '0' || c > '9') return bad("is not a number like 128 or 128.50");
        cents = cents * 10 + (c - '0');
    }
    if (cents > 100'000'000'000LL) return bad("is too large");
    return cents;
}

std::string format_amount(long long cents) {
    const long long frac = cents % 100;
    std::string out = std::to_string(cents / 100);
    out += frac < 10 ? ".0" : ".";
    out += std::to_string(frac);
    return out;
}

bool is_valid_visit_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '/' ||
                        c == '-';
        if (!ok) return false;
    }
    return true;
}

VisitCheck make_visit(const VisitInput& in, const Config& config, SysSeconds now) {
    const auto fail = [](std::string why) { return VisitCheck{std::nullopt, std::move(why)}; };
    Visit v;
    v.member_id = std::string(trim(in.member_id));
    if (v.member_id.empty()) return fail("member_id is missing");
    if (!is_valid_member_id(v.member_id)) {
        return fail("member_id \"" + v.member_id +
                    "\" may hold only letters, digits, '.', '_' and '-' (at most 64)");
    }
    v.store = std::string(trim(in.store));
    if (v.store.empty()) return fail("store is missing");
    const StoreConfig* store = config.find_store(v.store);
    if (!store) return fail("store \"" + v.store + "\" is not in the config");

    const auto time_text = trim(in.visited_at);
    if (time_text.empty()) {
        v.at = now;
    } else {
        std::string why;
        const auto at = parse_visit_time(time_text, store->zone, &why);
        if (!at) return fail(why.starts_with("visited_at") ? why : "visited_at: " + why);
        v.at = *at;
    }
    if (v.at > now + std::chrono::days{1}) {
        return fail("visited_at " + format_instant(v.at, store->zone) + " is in the future");
    }
    if (v.at < SysSeconds{date::sys_days{date::year{2000} / 1 / 1}}) {
        return fail("visited_at " + format_instant(v.at, store->zone) + " is before 2000");
    }
    v.day = local_date(v.at, store->zone);

    if (const auto amount = trim(in.amount); !amount.empty()) {
        std::string why;
        v.amount_cents = parse_amount(amount, &why);
        if (!v.amount_cents) return fail(why);
    }
    if (const auto id = trim(in.visit_id); !id.empty()) {
        if (!is_valid_visit_id(id)) {
            return fail("visit_id \"" + std::string(id) +
                        "\" may hold only letters, digits and . _ : / - (at most 64)");
        }
        v.key = "id:" + std::string(id);
    } else {
        v.key = "t:" + std::to_string(v.at.time_since_epoch().count());
    }
    return {std::move(v), {}};
}

}  // namespace huitou
