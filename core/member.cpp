#include "core/member.h"

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
    if (m.card_expires) put(field::card_expires, format_date(*m.card_expires));
    put(field::sms_optin, m.sms_optin ? "1" : "0");
    put(field::wechat_optin, m.wechat_optin ? "1" : "0");
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
    if (const auto c = get(field::card_expires); !c.empty()) m.card_expires = parse_date(c);
    m.sms_optin = get(field::sms_optin) == "1";
    m.wechat_optin = get(field::wechat_optin) == "1";
    return m;
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
