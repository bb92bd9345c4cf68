#include "core/member_write.h"

#include <algorithm>

#include "core/member_search.h"

namespace huitou {
namespace {

bool contains(const std::vector<IndexEntry>& list, const IndexEntry& e) {
    return std::find(list.begin(), list.end(), e) != list.end();
}

}  // namespace

std::vector<IndexEntry> member_index_entries(const Member& m) {
    std::vector<IndexEntry> entries;
    entries.push_back({m.birthday ? birthday_index_key(*m.birthday) : std::string(kNoBirthdayIndex),
                       std::nullopt});
    for (const auto& child : m.children) {
        if (!child.birthday) continue;
        const IndexEntry e{child_index_key(birthday_index_key(*child.birthday)), std::nullopt};
        if (!contains(entries, e)) entries.push_back(e);
    }
    if (m.card_expires) entries.push_back({expiry_index_key(*m.card_expires), std::nullopt});
    // Only points that can lapse: a member without points needs no reminder.
    if (m.points > 0 && m.points_expire)
        entries.push_back({points_index_key(*m.points_expire), std::nullopt});
    for (auto& key : search_index_keys(m))
        entries.push_back({std::move(key), std::nullopt});
    if (auto key = openid_index_key(m.wechat_openid); !key.empty())
        entries.push_back({std::move(key), std::nullopt});
    return entries;
}

const std::vector<std::string_view>& member_index_fields() {
    static const std::vector<std::string_view> fields{
        field::birthday, field::card_expires,  field::children,      field::name,
        field::phone,    field::wechat_openid, field::points_expire, field::points};
    return fields;
}

std::vector<std::string> member_partition_keys() {
    auto keys = all_birthday_index_keys();
    keys.emplace_back(kNoBirthdayIndex);
    return keys;
}

std::string child_index_key(std::string_view birthday_key) {
    std::string key = "c";
    key += birthday_key;
    return key;
}

std::string expiry_index_key(const Date& day) {
    return "exp:" + format_date(day);
}

std::string points_index_key(const Date& day) {
    return "pts:" + format_date(day);
}

std::string openid_index_key(std::string_view openid) {
    if (openid.size() < 2) return {};
    return "o2:" + std::string(openid.substr(openid.size() - 2));
}

MemberWrite plan_member_write(const std::optional<FieldMap>& stored, const MemberRecord& record) {
    MemberWrite w;
    const FieldMap before = stored.value_or(FieldMap{});
    FieldMap after = before;
    for (const auto& [f, v] : record.set) {
        const auto it = before.find(f);
        if (it == before.end() || it->second != v) w.set.emplace(f, v);
        after[f] = v;
    }
    if (!stored) {
        // A member who arrives without consent columns has not consented; the
        // flags also make sure the new hash is never empty (an empty hash is no key).
        for (const auto f : {field::sms_optin, field::wechat_optin}) {
            if (!record.set.contains(f)) {
                w.set.emplace(std::string(f), "0");
                after[std::string(f)] = "0";
            }
        }
    }
    for (const auto& f : record.clear) {
        if (before.contains(f)) w.clear.push_back(f);
        after.erase(f);
    }
    // A member not stored yet is in no index.
    const auto old_entries =
        stored ? member_index_entries(member_from_fields(record.store, record.id, before))
               : std::vector<IndexEntry>{};
    const auto new_entries =
        member_index_entries(member_from_fields(record.store, record.id, after));
    for (const auto& e : old_entries) {
        if (!contains(new_entries, e)) w.index_remove.push_back(e);
    }
    for (const auto& e : new_entries) {
        if (!contains(old_entries, e)) w.index_add.push_back(e);
    }
    for (const auto f : member_index_fields()) {
        const auto it = before.find(f);
        w.guard.emplace(std::string(f), it == before.end() ? std::string{} : it->second);
    }
    if (!stored)
        w.outcome = WriteOutcome::created;
    else if (!w.set.empty() || !w.clear.empty())
        w.outcome = WriteOutcome::updated;
    return w;
}

}  // namespace huitou
