#include "core/member_row.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "core/phone_number.h"
#include "core/utf8.h"

namespace huitou {
namespace {

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<bool> parse_flag(std::string_view v) {
    const std::string s = lower_ascii(v);
    if (s == "1" || s == "true" || s == "yes" || s == "y" || s == "是" || s == "同意") return true;
    if (s == "0" || s == "false" || s == "no" || s == "n" || s == "否" || s == "不同意")
        return false;
    return std::nullopt;
}

std::optional<Gender> parse_gender(std::string_view v) {
    const std::string s = lower_ascii(v);
    if (s == "f" || s == "female" || s == "w" || s == "woman" || s == "女") return Gender::female;
    if (s == "m" || s == "male" || s == "man" || s == "男") return Gender::male;
    return std::nullopt;
}

bool is_valid_openid(std::string_view v) {
    if (v.size() < 6 || v.size() > 64) return false;
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

}  // namespace

MemberRowParser::MemberRowParser(StoreCheck is_known_store, std::string default_store)
    : is_known_store_(std::move(is_known_store)), default_store_(std::move(default_store)) {}

std::optional<MemberRowParser::Column> MemberRowParser::column_named(std::string_view raw) {
    struct Alias {
        std::string_view name;
        Column column;
    };
    static constexpr std::array aliases{
        Alias{"member_id", Column::member_id},
        Alias{"id", Column::member_id},
        Alias{"会员号", Column::member_id},
        Alias{"会员编号", Column::member_id},
        Alias{"store", Column::store},
        Alias{"门店", Column::store},
        Alias{"name", Column::name},
        Alias{"姓名", Column::name},
        Alias{"gender", Column::gender},
        Alias{"性别", Column::gender},
        Alias{"birthday", Column::birthday},
        Alias{"生日", Column::birthday},
        Alias{"phone", Column::phone},
        Alias{"mobile", Column::phone},
        Alias{"手机", Column::phone},
        Alias{"手机号", Column::phone},
        Alias{"wechat_openid", Column::wechat_openid},
        Alias{"openid", Column::wechat_openid},
        Alias{"tier", Column::tier},
        Alias{"等级", Column::tier},
        Alias{"会员等级", Column::tier},
        Alias{"card_expires", Column::card_expires},
        Alias{"会员卡到期", Column::card_expires},
        Alias{"到期日", Column::card_expires},
        Alias{"sms_optin", Column::sms_optin},
        Alias{"短信同意", Column::sms_optin},
        Alias{"wechat_optin", Column::wechat_optin},
        Alias{"微信同意", Column::wechat_optin},
    };
    const std::string name = lower_ascii(trim(raw));
    for (const auto& a : aliases) {
        if (a.name == name) return a.column;
    }
    return std::nullopt;
}

std::string MemberRowParser::set_header(const std::vector<std::string>& names) {
    header_.clear();
    ignored_.clear();
    std::vector<Column> seen;
    for (const auto& raw : names) {
        const auto column = column_named(raw);
        if (!column) {
            ignored_.emplace_back(trim(raw));
            header_.push_back(Column::ignored);
            continue;
        }
        if (std::find(seen.begin(), seen.end(), *column) != seen.end()) {
            return "the header names column \"" + std::string(trim(raw)) + "\" twice";
        }
        seen.push_back(*column);
        header_.push_back(*column);
    }
    if (std::find(seen.begin(), seen.end(), Column::member_id) == seen.end()) {
        return "the header has no member_id column (columns: member_id, store, name, gender, "
               "birthday, phone, wechat_openid, tier, card_expires, sms_optin, wechat_optin)";
    }
    return {};
}

RowResult MemberRowParser::parse_csv(const std::vector<std::string>& fields) const {
    if (fields.size() > header_.size()) {
        return {std::nullopt, "the row has " + std::to_string(fields.size()) +
                                  " fields but the header has " + std::to_string(header_.size())};
    }
    std::vector<std::pair<Column, std::string>> cells;
    for (std::size_t i = 0; i < header_.size(); ++i) {
        if (header_[i] == Column::ignored) continue;
        // A short row (Excel drops trailing empty cells) leaves the rest empty.
        cells.emplace_back(header_[i], i < fields.size() ? fields[i] : std::string{});
    }
    return check(cells);
}

RowResult MemberRowParser::parse_json(std::string_view line) const {
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
        return {std::nullopt, std::string("not valid JSON: ") + e.what()};
    }
    if (!object.is_object()) return {std::nullopt, "expected a JSON object"};
    std::vector<std::pair<Column, std::string>> cells;
    for (const auto& [key, value] : object.items()) {
        const auto column = column_named(key);
        if (!column) continue;  // extra keys are the shop's own data
        std::string text;
        if (value.is_string())
            text = value.get<std::string>();
        else if (value.is_boolean())
            text = value.get<bool>() ? "1" : "0";
        else if (value.is_number_integer() || value.is_number_unsigned())
            text = value.dump();
        else if (value.is_null())
            text.clear();
        else
            return {std::nullopt, "\"" + key + "\" must be a string"};
        cells.emplace_back(*column, std::move(text));
    }
    return check(cells);
}

RowResult MemberRowParser::check(const std::vector<std::pair<Column, std::string>>& cells) const {
    MemberRecord r;
    bool have_id = false;
    auto set = [&r](std::string_view f, std::string v) { r.set[std::string(f)] = std::move(v); };
    auto clear = [&r](std::string_view f) { r.clear.emplace_back(f); };
    for (const auto& [column, raw] : cells) {
        if (!is_valid_utf8(raw)) {
            return {std::nullopt, "not valid UTF-8 (is the file saved as GBK? save it as UTF-8)"};
        }
        const std::string v(trim(raw));
        switch (column) {
            case Column::member_id:
                if (!is_valid_member_id(v)) {
                    return {std::nullopt,
                            v.empty() ? "member_id is empty"
                                      : "member_id \"" + v +
                                            "\" may hold only letters, digits, '.', '_' and '-' "
                                            "(at most 64)"};
                }
                r.id = v;
                have_id = true;
                break;
            case Column::store:
                r.store = v;
                break;
            case Column::name:
                if (has_control_characters(v))
                    return {std::nullopt, "name holds control characters"};
                if (count_code_points(v) > 50)
                    return {std::nullopt, "name is longer than 50 characters"};
                v.empty() ? clear(field::name) : set(field::name, v);
                break;
            case Column::gender:
                if (v.empty()) {
                    clear(field::gender);
                } else if (const auto g = parse_gender(v)) {
                    set(field::gender, std::string(to_string(*g)));
                } else {
                    return {std::nullopt, "gender \"" + v + "\" is not F/M (女/男)"};
                }
                break;
            case Column::birthday:
                if (v.empty()) {
                    clear(field::birthday);
                } else {
                    std::string why;
                    const auto b = parse_birthday(v, &why);
                    if (!b) return {std::nullopt, why};
                    set(field::birthday, format_birthday(*b));
                }
                break;
            case Column::phone:
                if (v.empty()) {
                    clear(field::phone);
                } else {
                    std::string why;
                    const auto e164 = normalize_mobile(v, &why);
                    if (!e164) return {std::nullopt, why};
                    set(field::phone, *e164);
                }
                break;
            case Column::wechat_openid:
                if (v.empty())
                    clear(field::wechat_openid);
                else if (!is_valid_openid(v)) {
                    return {std::nullopt, "wechat_openid \"" + v + "\" is not an openid"};
                } else
                    set(field::wechat_openid, v);
                break;
            case Column::tier:
                if (has_control_characters(v))
                    return {std::nullopt, "tier holds control characters"};
                if (count_code_points(v) > 32)
                    return {std::nullopt, "tier is longer than 32 characters"};
                v.empty() ? clear(field::tier) : set(field::tier, v);
                break;
            case Column::card_expires:
                if (v.empty()) {
                    clear(field::card_expires);
                } else if (const auto d = parse_date(v)) {
                    set(field::card_expires, format_date(*d));
                } else {
                    return {std::nullopt, "card_expires \"" + v + "\" is not a date YYYY-MM-DD"};
                }
                break;
            case Column::sms_optin:
            case Column::wechat_optin: {
                const auto name =
                    column == Column::sms_optin ? field::sms_optin : field::wechat_optin;
                if (v.empty()) {
                    set(name, "0");  // no answer is no consent
                } else if (const auto flag = parse_flag(v)) {
                    set(name, *flag ? "1" : "0");
                } else {
                    return {std::nullopt, std::string(name) + " \"" + v + "\" is not yes/no (1/0)"};
                }
                break;
            }
            case Column::ignored:
                break;
        }
    }
    if (!have_id) return {std::nullopt, "member_id is missing"};
    if (r.store.empty()) r.store = default_store_;
    if (r.store.empty()) return {std::nullopt, "store is missing (add a store column or --store)"};
    if (!is_valid_store_id(r.store) || !is_known_store_(r.store)) {
        return {std::nullopt, "store \"" + r.store + "\" is not in the config"};
    }
    return {std::move(r), {}};
}

}  // namespace huitou
