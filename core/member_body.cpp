#include "core/member_body.h"

#include <array>
#include <set>

#include <nlohmann/json.hpp>

#include "core/care_rule.h"

namespace huitou {
namespace {

// The API's names of the shop's record (the JSON Lines keys) and their
// stored fields: what a replace clears when the body leaves them out.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kReplaced{{
    {"name", field::name},
    {"gender", field::gender},
    {"birthday", field::birthday},
    {"phone", field::phone},
    {"wechat_openid", field::wechat_openid},
    {"tier", field::tier},
    {"card_expires", field::card_expires},
    {"children", field::children},
    {"points", field::points},
    {"points_expire", field::points_expire},
    {"tags", field::tags},
    {"work_hours", field::work_hours},
}};

constexpr std::array<std::string_view, 18> kFieldNames{"tags",          "work_hours",
                                                       "member_id",     "store",
                                                       "name",          "gender",
                                                       "birthday",      "phone",
                                                       "wechat_openid", "tier",
                                                       "card_expires",  "sms_optin",
                                                       "wechat_optin",  "wechat_subscribed",
                                                       "points",        "points_expire",
                                                       "children",      "child"};

}  // namespace

std::string warning_as_error(std::string_view w) {
    for (const std::string_view tail : {"; children left out", "; left out"}) {
        if (w.ends_with(tail)) {
            w.remove_suffix(tail.size());
            break;
        }
    }
    // "birthday \"x\" is ...", "name is longer ...", "\"gender\" must be a string"
    for (const auto name : kFieldNames) {
        const std::string quoted = "\"" + std::string(name) + "\" ";
        if (w.starts_with(quoted))
            return std::string(name) + ": " + std::string(w.substr(quoted.size()));
        if (w.starts_with(name) && w.size() > name.size() && w[name.size()] == ' ') {
            if (name == "child") return "children: " + std::string(w);
            return std::string(name) + ": " + std::string(w.substr(name.size() + 1));
        }
    }
    return "children: " + std::string(w);  // the rest are about children
}

MemberBody read_member_body(const MemberRowParser& parser, std::string_view body,
                            const std::string& store, const std::string& id, MemberWriteMode mode) {
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        return {std::nullopt, std::string("body: not valid JSON: ") + e.what()};
    }
    return read_member_object(parser, std::move(object), store, id, mode);
}

MemberBody read_member_object(const MemberRowParser& parser, nlohmann::json object,
                              const std::string& store, const std::string& id,
                              MemberWriteMode mode) {
    if (!object.is_object()) return {std::nullopt, "body: expected a JSON object"};
    // The URL names the member; the body may repeat it, not contradict it.
    for (const auto& [key, want] : {std::pair<std::string, const std::string&>{"member_id", id},
                                    std::pair<std::string, const std::string&>{"store", store}}) {
        const auto it = object.find(key);
        if (it == object.end()) continue;
        if (!it->is_string() || it->get<std::string>() != want) {
            return {std::nullopt, key + ": " + it->dump() + " is not the URL's \"" + want + "\""};
        }
    }
    object["member_id"] = id;
    object["store"] = store;
    auto row = parser.parse_json(object.dump());
    if (!row.ignored_keys.empty()) {
        std::string keys;
        for (const auto& k : row.ignored_keys)
            keys += (keys.empty() ? "" : ", ") + k;
        return {std::nullopt, keys + ": not a member field"};
    }
    if (!row.record) return {std::nullopt, row.error};
    if (!row.warnings.empty()) return {std::nullopt, warning_as_error(row.warnings.front())};
    auto record = std::move(*row.record);
    if (mode == MemberWriteMode::replace) {
        const std::set<std::string> named(record.clear.begin(), record.clear.end());
        for (const auto& [key, stored] : kReplaced) {
            const std::string f(stored);
            if (!object.contains(key) && !record.set.contains(f) && !named.contains(f))
                record.clear.push_back(f);
        }
        for (const auto f : {field::sms_optin, field::wechat_optin}) {
            if (!record.set.contains(f)) record.set.emplace(std::string(f), "0");
        }
    }
    return {std::move(record), {}};
}

}  // namespace huitou
