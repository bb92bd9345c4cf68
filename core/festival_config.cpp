#include "core/festival_config.h"

#include <algorithm>
#include <functional>

#include "core/config.h"
#include "core/toml_walker.h"
#include "core/utf8.h"

namespace huitou {
namespace {

using config_detail::Table;

// a-z, 0-9 and '_', at most 32: a festival key is also a template name's tail.
bool is_festival_key(std::string_view key) {
    if (key.empty() || key.size() > 32) return false;
    return std::all_of(key.begin(), key.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
}

// "festival" or "festival.<variant>"; a variant named like a channel would be
// read as the general template's channel variant.
bool is_festival_template_name(std::string_view name) {
    if (name == "festival") return true;
    if (!name.starts_with("festival.")) return false;
    const auto variant = name.substr(9);
    return is_festival_key(variant) && variant != "sms" && variant != "wechat";
}

std::string festival_keys(const Config& c) {
    std::string keys;
    for (const auto& f : c.festivals)
        keys += (keys.empty() ? "" : ", ") + f.key;
    return keys;
}

// A segment condition, `{ segment = ["重要价值", "重要挽留"] }`: the member
// must be in one of the segments named (core/value_segment.h).
Audience segment_condition(Table& t, const toml::table& table) {
    const auto fail = [&](const std::string& what) { t.fail("audience", what); };
    for (const auto& [k, node] : table) {
        if (k.str() != "segment")
            fail("unknown key \"" + std::string(k.str()) + "\" in a condition (known: segment)");
    }
    std::vector<std::string> names;
    if (const auto* node = table.get("segment")) {
        if (const auto v = node->value<std::string>()) {
            names.push_back(*v);
        } else if (const auto* a = node->as_array()) {
            for (const auto& item : *a) {
                const auto v = item.value<std::string>();
                if (!v) fail("segment: expected segment names (strings)");
                names.push_back(*v);
            }
        }
    }
    if (names.empty()) fail("segment: name at least one segment, e.g. segment = [\"重要价值\"]");
    SegmentSet set = 0;
    for (const auto& n : names) {
        const auto s = parse_segment(n);
        if (!s) {
            fail("segment: unknown segment \"" + n +
                 "\" (known: 重要价值, 重要发展, 重要保持, 重要挽留, 一般价值, 一般发展, "
                 "一般保持, 一般挽留, or their keys important_value, ...)");
        }
        set = with(set, *s);
    }
    return Audience::of_segments(set);
}

// A festival's `audience`: one condition or a list of them, every condition
// to hold; "all" adds none. A condition is a name, or a table naming value
// segments (segment_condition).
std::vector<Audience> audience_list(Table& t) {
    const auto* node = t.raw().get("audience");
    t.mark_read("audience");
    if (!node) return {};
    std::vector<const toml::node*> items;
    if (const auto* a = node->as_array()) {
        for (const auto& item : *a)
            items.push_back(&item);
    } else {
        items.push_back(node);
    }
    if (items.empty()) {
        t.fail("audience",
               "expected all, with_child, age_60_plus, women, men, { segment = [...] }, or a "
               "list of them");
    }
    std::vector<Audience> audience;
    for (const auto* item : items) {
        if (const auto* table = item->as_table()) {
            audience.push_back(segment_condition(t, *table));
            continue;
        }
        const auto n = item->value<std::string>();
        if (!n) t.fail("audience", "expected audience names (strings) or { segment = [...] }");
        const auto a = parse_audience(*n);
        if (!a) {
            t.fail("audience", "unknown audience \"" + *n +
                                   "\" (known: all, with_child, age_60_plus, women, men, "
                                   "{ segment = [...] })");
        }
        if (*a != Audience::all) audience.push_back(*a);
    }
    return audience;
}

}  // namespace

namespace config_detail {

namespace {

// Whole days before a date (a card's or points' last day) that a reminder
// goes: distinct, 0–366, kept latest first — the order occasions_for's step
// rule reads. Absent keeps `days` as it is (the default or store_defaults).
void read_reminder_days(Table& t, const std::string& key, std::vector<int>& days) {
    const auto* a = t.array(key);
    if (!a) return;
    std::vector<int> out;
    for (const auto& node : *a) {
        const int v = static_cast<int>(checked_integer(t, key, node, 0, 366));
        if (std::find(out.begin(), out.end(), v) != out.end())
            t.fail(key, "names " + std::to_string(v) + " twice");
        out.push_back(v);
    }
    std::sort(out.begin(), out.end(), std::greater<>());
    days = std::move(out);
}

}  // namespace

void read_store_occasions(Table& t, StoreConfig& s, const Config& c) {
    if (const auto* a = t.array("festivals")) {
        std::vector<std::string> keys;
        for (const auto& node : *a) {
            const auto key = node.value<std::string>();
            if (!key) t.fail("festivals", "expected festival keys (strings)");
            if (!c.find_festival(*key)) {
                t.fail("festivals", "unknown festival \"" + *key + "\" (" +
                                        (c.holidays_file.empty() ? "holidays.toml (embedded)"
                                                                 : c.holidays_file) +
                                        " defines: " + festival_keys(c) + ")");
            }
            if (std::find(keys.begin(), keys.end(), *key) != keys.end()) {
                t.fail("festivals", "names \"" + *key + "\" twice");
            }
            keys.push_back(*key);
        }
        s.festivals = std::move(keys);
    }
    if (auto lead = t.table("lead_days")) {
        auto& l = s.lead_days;
        l.birthday = integer_in(*lead, "birthday", 0, 60, l.birthday);
        l.child_birthday = integer_in(*lead, "child_birthday", 0, 60, l.child_birthday);
        l.festival = integer_in(*lead, "festival", 0, 60, l.festival);
        lead->reject_unknown();
    }
    read_reminder_days(t, "card_expiry_days", s.card_expiry_days);
    read_reminder_days(t, "points_reminder_days", s.points_reminder_days);
}

}  // namespace config_detail

std::vector<Festival> parse_holidays(std::string_view toml_text, const std::string& origin) {
    const auto doc = config_detail::parse_document(toml_text, origin);
    Table root(doc.root, "", origin);
    auto table = root.table("festivals");
    if (!table || table->raw().empty()) root.fail("festivals", "define at least one festival");
    std::vector<Festival> festivals;
    for (const auto& [k, node] : table->raw()) {
        const std::string key(k.str());
        auto t = table->table(key);
        if (!is_festival_key(key)) {
            table->fail(key, "a festival key may hold only a-z, 0-9 and '_' (at most 32)");
        }
        Festival f;
        f.key = key;
        const auto name = t->string("name");
        if (!name || trim(*name).empty()) t->fail("name", "every festival needs a name");
        if (count_code_points(*name) > 16) t->fail("name", "is longer than 16 characters");
        f.name = std::string(trim(*name));
        const auto rule_text = t->string("rule");
        if (!rule_text) t->fail("rule", "every festival needs a rule");
        std::string why;
        const auto rule = parse_festival_rule(*rule_text, &why);
        if (!rule) t->fail("rule", why);
        f.rule = *rule;
        f.template_name = t->string("template").value_or("festival");
        if (!is_festival_template_name(f.template_name)) {
            t->fail("template", "expected \"festival\" or \"festival.<name>\" ([a-z0-9_]), got \"" +
                                    f.template_name + "\"");
        }
        f.audience = audience_list(*t);
        t->reject_unknown();
        festivals.push_back(std::move(f));
    }
    root.reject_unknown();
    return festivals;
}

}  // namespace huitou
