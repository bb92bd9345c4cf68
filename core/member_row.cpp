#include "core/member_row.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "core/care_rule.h"
#include "core/date_text.h"
#include "core/member_tags.h"
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

std::string_view MemberRowParser::column_name(Column c) {
    switch (c) {
        case Column::member_id:
            return "member_id";
        case Column::store:
            return "store";
        case Column::name:
            return "name";
        case Column::gender:
            return "gender";
        case Column::birthday:
            return "birthday";
        case Column::phone:
            return "phone";
        case Column::wechat_openid:
            return "wechat_openid";
        case Column::tier:
            return "tier";
        case Column::card_expires:
            return "card_expires";
        case Column::sms_optin:
            return "sms_optin";
        case Column::wechat_optin:
            return "wechat_optin";
        case Column::wechat_subscribed:
            return "wechat_subscribed";
        case Column::points:
            return "points";
        case Column::points_expire:
            return "points_expire";
        case Column::tags:
            return "tags";
        case Column::work_hours:
            return "work_hours";
        case Column::child_name:
            return "child name";
        case Column::child_birthday:
            return "child birthday";
        case Column::child_gender:
            return "child gender";
        case Column::ignored:
            break;
    }
    return "an ignored column";
}

std::string MemberRowParser::read_children(const ChildCellTable& cells,
                                           std::vector<Child>& children) {
    for (int n = 1; n <= kMaxChildren; ++n) {
        const auto& c = cells[static_cast<std::size_t>(n)];
        const std::string which = "child " + std::to_string(n) + ": ";
        if (c.name.empty()) {
            if (c.birthday.empty() && c.gender.empty()) continue;
            return which + "a birthday or gender is given but no name";
        }
        Child child;
        child.name = c.name;
        if (has_control_characters(c.name)) return which + "the name holds control characters";
        if (count_code_points(c.name) > 20) return which + "the name is longer than 20 characters";
        if (!c.birthday.empty()) {
            std::string why;
            child.birthday =
                parse_birthday(canonical_date_text(c.birthday).value_or(c.birthday), &why);
            if (!child.birthday) return which + why;
        }
        if (!c.gender.empty()) {
            const auto g = parse_gender(c.gender);
            if (!g) return which + "gender \"" + c.gender + "\" is not F/M (女/男)";
            child.gender = *g;
        }
        for (const auto& other : children) {
            if (other.name == child.name) return "two children are named \"" + child.name + "\"";
        }
        children.push_back(std::move(child));
    }
    return {};
}

MemberRowParser::MemberRowParser(StoreCheck is_known_store, std::string default_store)
    : is_known_store_(std::move(is_known_store)), default_store_(std::move(default_store)) {}

std::optional<std::pair<MemberRowParser::Column, int>> MemberRowParser::column_named(
    std::string_view raw) {
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
        Alias{"wechat_subscribed", Column::wechat_subscribed},
        Alias{"微信订阅", Column::wechat_subscribed},
        Alias{"points", Column::points},
        Alias{"积分", Column::points},
        Alias{"points_expire", Column::points_expire},
        Alias{"积分到期", Column::points_expire},
        Alias{"积分到期日", Column::points_expire},
        Alias{"tags", Column::tags},
        Alias{"标签", Column::tags},
        Alias{"偏好", Column::tags},
        Alias{"work_hours", Column::work_hours},
        Alias{"工作时间", Column::work_hours},
        Alias{"上班时间", Column::work_hours},
    };
    const std::string name = lower_ascii(trim(raw));
    for (const auto& a : aliases) {
        if (a.name == name) return std::make_pair(a.column, 0);
    }
    // child<N>_name / 孩子<N>姓名, N = 1..9
    struct ChildAlias {
        std::string_view prefix, suffix;
        Column column;
    };
    static constexpr std::array child_aliases{
        ChildAlias{"child", "_name", Column::child_name},
        ChildAlias{"child", "_birthday", Column::child_birthday},
        ChildAlias{"child", "_gender", Column::child_gender},
        ChildAlias{"孩子", "姓名", Column::child_name},
        ChildAlias{"孩子", "生日", Column::child_birthday},
        ChildAlias{"孩子", "性别", Column::child_gender},
    };
    for (const auto& a : child_aliases) {
        const std::string_view n = name;
        if (n.size() != a.prefix.size() + 1 + a.suffix.size() || !n.starts_with(a.prefix) ||
            !n.ends_with(a.suffix)) {
            continue;
        }
        const char digit = n[a.prefix.size()];
        if (digit >= '1' && digit <= '0' + kMaxChildren)
            return std::make_pair(a.column, digit - '0');
    }
    return std::nullopt;
}

std::string MemberRowParser::set_header(const std::vector<std::string>& names) {
    header_.clear();
    ignored_.clear();
    std::vector<std::pair<Column, int>> seen;
    for (const auto& raw : names) {
        const auto column = column_named(raw);
        if (!column) {
            ignored_.emplace_back(trim(raw));
            header_.emplace_back(Column::ignored, 0);
            continue;
        }
        if (std::find(seen.begin(), seen.end(), *column) != seen.end()) {
            return "the header names column \"" + std::string(trim(raw)) + "\" twice";
        }
        seen.push_back(*column);
        header_.push_back(*column);
    }
    if (std::find(seen.begin(), seen.end(), std::make_pair(Column::member_id, 0)) == seen.end()) {
        return "the header has no member_id column (columns: member_id, store, name, gender, "
               "birthday, phone, wechat_openid, tier, card_expires, sms_optin, wechat_optin, "
               "wechat_subscribed, points, points_expire, tags, work_hours, "
               "child1_name, child1_birthday, child1_gender, ...)";
    }
    return {};
}

RowResult MemberRowParser::parse_csv(const std::vector<std::string>& fields) const {
    if (fields.size() > header_.size()) {
        return {std::nullopt, "the row has " + std::to_string(fields.size()) +
                                  " fields but the header has " + std::to_string(header_.size())};
    }
    std::vector<Cell> cells;
    bool has_children = false;
    for (std::size_t i = 0; i < header_.size(); ++i) {
        const auto [column, child] = header_[i];
        if (column == Column::ignored) continue;
        has_children = has_children || child != 0;
        // A short row (Excel drops trailing empty cells) leaves the rest empty.
        cells.push_back({column, child, i < fields.size() ? fields[i] : std::string{}});
    }
    return check(cells, has_children);
}

RowResult MemberRowParser::parse_json(std::string_view line) const {
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
        // parse_error, and out_of_range for a number beyond a double (8e888).
        return {std::nullopt, std::string("not valid JSON: ") + e.what()};
    }
    if (!object.is_object()) return {std::nullopt, "expected a JSON object"};
    std::vector<Cell> cells;
    std::vector<std::string> warnings;
    std::vector<std::string> ignored;
    auto text_of = [](const nlohmann::json& value) -> std::optional<std::string> {
        if (value.is_string()) return value.get<std::string>();
        if (value.is_boolean()) return value.get<bool>() ? "1" : "0";
        if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
        if (value.is_null()) return std::string{};
        return std::nullopt;
    };
    bool has_children = false;
    bool children_bad = false;  // left out, with a warning
    for (const auto& [key, value] : object.items()) {
        if (key == "children") {
            has_children = true;
            if (value.is_null()) continue;
            std::string why;
            if (!value.is_array()) {
                why = "\"children\" must be an array";
            } else if (value.size() > kMaxChildren) {
                why = "more than " + std::to_string(kMaxChildren) + " children";
            }
            int n = 0;
            for (const auto& child : value.is_array() ? value : nlohmann::json::array()) {
                if (!why.empty()) break;
                ++n;
                if (!child.is_object()) {
                    why = "child " + std::to_string(n) + " must be an object";
                    break;
                }
                for (const auto& [field, column] : {std::pair{"name", Column::child_name},
                                                    std::pair{"birthday", Column::child_birthday},
                                                    std::pair{"gender", Column::child_gender}}) {
                    if (!child.contains(field)) continue;
                    const auto text = text_of(child[field]);
                    if (!text) {
                        why = "child " + std::to_string(n) + ": \"" + field + "\" must be a string";
                        break;
                    }
                    cells.push_back({column, n, *text});
                }
            }
            if (!why.empty()) {
                warnings.push_back(why + "; children left out");
                children_bad = true;
            }
            continue;
        }
        const auto column = column_named(key);
        if (!column) {
            // The shop's own data, or a typo ("brithday"): named, never silent.
            ignored.push_back(key);
            continue;
        }
        auto text = text_of(value);
        if (!text && column->first == Column::tags && value.is_array()) {
            // ["历史小说", "乐高"]: the list as the CSV writes it.
            std::string joined;
            for (const auto& item : value) {
                if (!item.is_string()) {
                    joined.clear();
                    text.reset();
                    break;
                }
                joined += item.get<std::string>() + ";";
                text = joined;
            }
            if (value.empty()) text = std::string{};
        }
        if (!text) {
            const std::string why =
                "\"" + key + "\" must be a " +
                (column->first == Column::points ? "whole number"
                 : column->first == Column::tags ? "string or an array of strings"
                                                 : "string");
            if (column->first == Column::member_id || column->first == Column::store)
                return {std::nullopt, why};
            warnings.push_back(why + "; left out");
            if (column->second != 0) children_bad = true;
            continue;
        }
        has_children = has_children || column->second != 0;
        cells.push_back({column->first, column->second, *text});
    }
    if (children_bad) {
        // Children are one field: some of them is none of them.
        std::erase_if(cells, [](const Cell& c) { return c.child != 0; });
        has_children = false;
    }
    auto result = check(cells, has_children);
    result.warnings.insert(result.warnings.begin(), warnings.begin(), warnings.end());
    result.ignored_keys = std::move(ignored);
    return result;
}

RowResult MemberRowParser::check(const std::vector<Cell>& cells, bool has_children) const {
    MemberRecord r;
    std::vector<std::string> warnings;
    bool have_id = false;
    auto set = [&r](std::string_view f, std::string v) { r.set[std::string(f)] = std::move(v); };
    auto clear = [&r](std::string_view f) { r.clear.emplace_back(f); };
    // A bad value of a field that is not the member's key: the field is
    // neither set nor cleared (what is stored stays) and the row says why.
    auto leave_out = [&warnings](std::string why) {
        warnings.push_back(std::move(why) + "; left out");
    };
    ChildCellTable child_cells;
    bool children_bad = false;
    for (const auto& [column, child, raw] : cells) {
        const bool is_key = column == Column::member_id || column == Column::store;
        if (!is_valid_utf8(raw)) {
            const std::string why = "not valid UTF-8 (is the file saved as GBK? save it as UTF-8)";
            if (is_key) return {std::nullopt, why};
            if (child != 0) {
                children_bad = true;
            } else {
                leave_out(std::string(column_name(column)) + " is " + why);
            }
            continue;
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
                    leave_out("name holds control characters");
                else if (count_code_points(v) > 50)
                    leave_out("name is longer than 50 characters");
                else
                    v.empty() ? clear(field::name) : set(field::name, v);
                break;
            case Column::gender:
                if (v.empty()) {
                    clear(field::gender);
                } else if (const auto g = parse_gender(v)) {
                    set(field::gender, std::string(to_string(*g)));
                } else {
                    leave_out("gender \"" + v + "\" is not F/M (女/男)");
                }
                break;
            case Column::birthday:
                if (v.empty()) {
                    clear(field::birthday);
                } else {
                    std::string why;
                    const auto b = parse_birthday(canonical_date_text(v).value_or(v), &why);
                    b ? set(field::birthday, format_birthday(*b)) : leave_out(why);
                }
                break;
            case Column::phone:
                if (v.empty()) {
                    clear(field::phone);
                } else {
                    std::string why;
                    const auto e164 = normalize_mobile(v, &why);
                    e164 ? set(field::phone, *e164) : leave_out(why);
                }
                break;
            case Column::wechat_openid:
                if (v.empty())
                    clear(field::wechat_openid);
                else if (!is_valid_openid(v))
                    leave_out("wechat_openid \"" + v + "\" is not an openid");
                else
                    set(field::wechat_openid, v);
                break;
            case Column::tier:
                if (has_control_characters(v))
                    leave_out("tier holds control characters");
                else if (count_code_points(v) > 32)
                    leave_out("tier is longer than 32 characters");
                else
                    v.empty() ? clear(field::tier) : set(field::tier, v);
                break;
            case Column::card_expires:
                if (v.empty()) {
                    clear(field::card_expires);
                } else if (const auto d = parse_date(canonical_date_text(v).value_or(v))) {
                    set(field::card_expires, format_date(*d));
                } else {
                    leave_out("card_expires \"" + v + "\" is not a date YYYY-MM-DD");
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
                    // Never a consent: a new member has none (member_write.h),
                    // a stored member keeps what the ledger last recorded.
                    leave_out(std::string(name) + " \"" + v + "\" is not yes/no (1/0)");
                }
                break;
            }
            case Column::wechat_subscribed:
                // Absent means no: a "0" is stored as nothing at all.
                if (const auto flag = v.empty() ? std::optional<bool>(false) : parse_flag(v)) {
                    *flag ? set(field::wechat_subscribed, "1") : clear(field::wechat_subscribed);
                } else {
                    leave_out("wechat_subscribed \"" + v + "\" is not yes/no (1/0)");
                }
                break;
            case Column::points:
                // 0 is stored as nothing, like an empty cell: no points, no reminder.
                if (const auto n = v.empty() ? std::optional<long long>(0) : parse_points(v)) {
                    *n > 0 ? set(field::points, std::to_string(*n)) : clear(field::points);
                } else {
                    leave_out("points \"" + v + "\" is not a whole number from 0 to 999999999");
                }
                break;
            case Column::points_expire:
                if (v.empty()) {
                    clear(field::points_expire);
                } else if (const auto d = parse_date(canonical_date_text(v).value_or(v))) {
                    set(field::points_expire, format_date(*d));
                } else {
                    leave_out("points_expire \"" + v + "\" is not a date YYYY-MM-DD");
                }
                break;
            case Column::tags:
                // Normalized here, once (core/member_tags.h); too many or too
                // long is refused whole, never cut.
                if (const auto t = normalize_tags(v); !t.error.empty()) {
                    leave_out("tags refused: " + t.error);
                } else if (t.tags.empty()) {
                    clear(field::tags);
                } else {
                    set(field::tags, join_tags(t.tags));
                }
                break;
            case Column::work_hours:
                // Checked and written in one form here (core/care_rule.h).
                if (std::string why; const auto w = parse_work_hours(v, &why)) {
                    w->empty() ? clear(field::work_hours)
                               : set(field::work_hours, format_work_hours(*w));
                } else {
                    leave_out("work_hours refused: " + why);
                }
                break;
            case Column::child_name:
                child_cells[static_cast<std::size_t>(child)].name = v;
                break;
            case Column::child_birthday:
                child_cells[static_cast<std::size_t>(child)].birthday = v;
                break;
            case Column::child_gender:
                child_cells[static_cast<std::size_t>(child)].gender = v;
                break;
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
    if (has_children) {
        // Children are one field: one bad child leaves all of them out.
        std::string why = children_bad ? "a child's cell is not valid UTF-8" : "";
        if (why.empty()) {
            std::vector<Child> children;
            why = read_children(child_cells, children);
            if (why.empty()) {
                children.empty() ? clear(field::children)
                                 : set(field::children, encode_children(std::move(children)));
            }
        }
        if (!why.empty()) warnings.push_back(why + "; children left out");
    }
    RowResult result{std::move(r), {}};
    result.warnings = std::move(warnings);
    return result;
}

}  // namespace huitou
