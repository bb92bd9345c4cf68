#include "core/member.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/member_tags.h"

namespace huitou {

std::string_view to_string(Gender g) {
    switch (g) {
        case Gender::female:
            return "F";
        case Gender::male:
            return "M";
        case Gender::unknown:
            break;
    }
    return "";
}

FieldMap to_fields(const Member& m) {
    FieldMap f;
    auto put = [&f](std::string_view key, std::string value) {
        if (!value.empty()) f.emplace(std::string(key), std::move(value));
    };
    put(field::name, m.name);
    put(field::gender, std::string(to_string(m.gender)));
    if (m.birthday) put(field::birthday, format_birthday(*m.birthday));
    put(field::phone, m.phone);
    put(field::wechat_openid, m.wechat_openid);
    put(field::tier, m.tier);
    put(field::segment, m.segment);
    if (m.card_expires) put(field::card_expires, format_date(*m.card_expires));
    put(field::sms_optin, m.sms_optin ? "1" : "0");
    put(field::wechat_optin, m.wechat_optin ? "1" : "0");
    if (m.wechat_subscribed) put(field::wechat_subscribed, "1");
    if (!m.children.empty()) put(field::children, encode_children(m.children));
    put(field::contacts, m.contacts);
    if (m.points > 0) put(field::points, std::to_string(m.points));
    if (m.points_expire) put(field::points_expire, format_date(*m.points_expire));
    if (!m.tags.empty()) put(field::tags, join_tags(m.tags));
    return f;
}

Member member_from_fields(std::string store, std::string id, const FieldMap& fields) {
    Member m;
    m.store = std::move(store);
    m.id = std::move(id);
    auto get = [&fields](std::string_view key) -> std::string_view {
        const auto it = fields.find(key);
        return it == fields.end() ? std::string_view{} : std::string_view{it->second};
    };
    m.name = get(field::name);
    const auto g = get(field::gender);
    m.gender = g == "F" ? Gender::female : g == "M" ? Gender::male : Gender::unknown;
    if (const auto b = get(field::birthday); !b.empty()) m.birthday = parse_birthday(b);
    m.phone = get(field::phone);
    m.wechat_openid = get(field::wechat_openid);
    m.tier = get(field::tier);
    m.segment = get(field::segment);
    if (const auto c = get(field::card_expires); !c.empty()) m.card_expires = parse_date(c);
    m.sms_optin = get(field::sms_optin) == "1";
    m.wechat_optin = get(field::wechat_optin) == "1";
    m.wechat_subscribed = get(field::wechat_subscribed) == "1";
    m.contacts = get(field::contacts);
    if (const auto p = parse_points(get(field::points))) m.points = *p;
    if (const auto e = get(field::points_expire); !e.empty()) m.points_expire = parse_date(e);
    if (const auto c = get(field::children); !c.empty()) m.children = decode_children(c);
    m.tags = split_tags(get(field::tags));
    return m;
}

std::optional<long long> parse_points(std::string_view text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    long long n = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

std::string child_key(const Child& c) {
    std::uint32_t hash = 2166136261u;
    for (const unsigned char byte : c.name) {
        hash ^= byte;
        hash *= 16777619u;
    }
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", hash);
    return buf;
}

std::string encode_children(std::vector<Child> children) {
    std::sort(children.begin(), children.end(),
              [](const Child& a, const Child& b) { return a.name < b.name; });
    auto array = nlohmann::json::array();
    for (const auto& c : children) {
        array.push_back({c.name, c.birthday ? format_birthday(*c.birthday) : std::string{},
                         std::string(to_string(c.gender))});
    }
    return array.dump();
}

std::vector<Child> decode_children(std::string_view text) {
    std::vector<Child> children;
    const auto array = nlohmann::json::parse(text, nullptr, false);
    if (!array.is_array()) return children;
    for (const auto& entry : array) {
        if (!entry.is_array() || entry.size() != 3) continue;
        if (!entry[0].is_string() || !entry[1].is_string() || !entry[2].is_string()) continue;
        Child c;
        c.name = entry[0].get<std::string>();
        if (c.name.empty()) continue;
        if (const auto b = entry[1].get<std::string>(); !b.empty()) c.birthday = parse_birthday(b);
        const auto g = entry[2].get<std::string>();
        c.gender = g == "F" ? Gender::female : g == "M" ? Gender::male : Gender::unknown;
        children.push_back(std::move(c));
    }
    std::sort(children.begin(), children.end(),
              [](const Child& a, const Child& b) { return a.name < b.name; });
    return children;
}

namespace {
bool all_of_charset(std::string_view s, std::size_t max, bool upper_and_dot) {
    if (s.empty() || s.size() > max) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                        (upper_and_dot && ((c >= 'A' && c <= 'Z') || c == '.'));
        if (!ok) return false;
    }
    return true;
}
}  // namespace

bool is_valid_store_id(std::string_view id) {
    return all_of_charset(id, 32, false);
}
bool is_valid_member_id(std::string_view id) {
    return all_of_charset(id, 64, true);
}

}  // namespace huitou
