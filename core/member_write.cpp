#include "core/member_write.h"

#include <algorithm>

namespace huitou {
namespace {

// The fields member_index_entries reads; they form the write's guard.
constexpr std::string_view index_fields[] = {field::birthday, field::card_expires};

bool contains(const std::vector<IndexEntry>& list, const IndexEntry& e) {
    return std::find(list.begin(), list.end(), e) != list.end();
}

}  // namespace

std::vector<IndexEntry> member_index_entries(const Member& m) {
    std::vector<IndexEntry> entries;
    if (m.birthday) entries.push_back({"bd:" + index_month_day(*m.birthday), std::nullopt});
    return entries;
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
    const auto old_entries =
        member_index_entries(member_from_fields(record.store, record.id, before));
    const auto new_entries =
        member_index_entries(member_from_fields(record.store, record.id, after));
    for (const auto& e : old_entries) {
        if (!contains(new_entries, e)) w.index_remove.push_back(e);
    }
    for (const auto& e : new_entries) {
        // A new member joins every index; an existing one only the changed ones.
        if (!stored || !contains(old_entries, e)) w.index_add.push_back(e);
    }
    for (const auto f : index_fields) {
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
