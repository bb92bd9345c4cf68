#include "core/member_search.h"

#include <algorithm>

#include "core/honorific.h"
#include "core/utf8.h"

namespace huitou {
namespace {

std::u32string folded(std::string_view text) {
    std::u32string out;
    for (const char32_t c : fold_width_and_case(decode_utf8(trim(text)))) {
        if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r') continue;
        out += c;
    }
    return out;
}

// The given name: `name` after its Chinese surname; "" when it has none or
// nothing follows it.
std::u32string given_name(std::string_view name) {
    const auto surname = chinese_surname(name);
    if (surname.empty()) return {};
    return folded(name.substr(surname.size()));
}

void add_prefixes(const std::u32string& text, std::vector<std::string>& keys) {
    const std::size_t shortest = std::min(text.size(), kNameMin);
    for (std::size_t n = std::max<std::size_t>(shortest, 1);
         n <= std::min(text.size(), kNamePrefix); ++n) {
        auto key = "nm:" + encode_utf8(text.substr(0, n));
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
}

std::string last_four_digits(std::string_view phone) {
    std::string digits;
    for (const char c : phone)
        if (c >= '0' && c <= '9') digits += c;
    return digits.size() >= 4 ? digits.substr(digits.size() - 4) : std::string{};
}

bool starts_with(const std::u32string& text, const std::u32string& prefix) {
    return !prefix.empty() && text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::string fold_name(std::string_view name) {
    return encode_utf8(folded(name));
}

std::vector<std::string> search_index_keys(const Member& m) {
    std::vector<std::string> keys;
    add_prefixes(folded(m.name), keys);
    if (const auto given = given_name(m.name); given.size() >= kNameMin) add_prefixes(given, keys);
    if (const auto last4 = last_four_digits(m.phone); !last4.empty())
        keys.push_back(phone_index_key(last4));
    return keys;
}

std::string phone_index_key(std::string_view last4) {
    return "p4:" + std::string(last4);
}

std::string MemberQuery::name_index_key() const {
    if (name.empty()) return {};
    const auto text = decode_utf8(name);
    return "nm:" + encode_utf8(text.substr(0, std::min(text.size(), kNamePrefix)));
}

MemberQuery read_member_query(std::string_view text) {
    MemberQuery q;
    q.text = std::string(trim(text));
    q.name = fold_name(q.text);
    if (q.name.size() == 4 &&
        std::all_of(q.name.begin(), q.name.end(), [](char c) { return c >= '0' && c <= '9'; }))
        q.last4 = q.name;
    q.may_be_id = is_valid_member_id(q.text);
    return q;
}

bool name_too_short(const MemberQuery& query) {
    const auto size = decode_utf8(query.name).size();
    return size > 0 && size < kNameMin && !query.may_be_id;
}

bool name_matches(const Member& m, std::string_view name) {
    const auto query = decode_utf8(name);
    return starts_with(folded(m.name), query) || starts_with(given_name(m.name), query);
}

bool phone_matches(const Member& m, std::string_view last4) {
    return !last4.empty() && last_four_digits(m.phone) == last4;
}

}  // namespace huitou
