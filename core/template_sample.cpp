#include "core/template_sample.h"

#include "core/announcement.h"
#include "core/birthday.h"
#include "core/civil_time.h"
#include "core/occasion.h"
#include "core/planner.h"

namespace huitou {

namespace {

// The age turned at the next birthday on or after `today`, if known.
std::optional<int> next_age(const Birthday& b, const Date& today) {
    const auto age = age_on(b, today);
    if (!age) return std::nullopt;
    return is_birthday_on(b, today) ? *age : *age + 1;
}

}  // namespace

bool fits_template(const Member& m, std::string_view name) {
    const auto kinds = TemplateSet::kinds_of(name);
    for (const Kind kind : kinds) {
        if (kind == Kind::child_birthday && m.children.empty()) return false;
        if (kind == Kind::card_expiry && !m.card_expires) return false;
        if (kind == Kind::points && (m.points <= 0 || !m.points_expire)) return false;
        if (kind == Kind::birthday && !m.birthday) return false;
    }
    return true;
}

TemplateValues sample_values(const Member& m, const StoreConfig& store, const Config& config,
                             std::string_view name, const Date& today) {
    TemplateValues values = member_values(m, store);
    for (const Kind kind : TemplateSet::kinds_of(name)) {
        switch (kind) {
            case Kind::birthday:
                if (m.birthday) {
                    if (const auto age = next_age(*m.birthday, today))
                        values["age"] = std::to_string(*age);
                }
                break;
            case Kind::child_birthday:
                if (!m.children.empty()) {
                    const auto& child = m.children.front();
                    values["child_name"] = child.name;
                    if (child.birthday) {
                        if (const auto age = next_age(*child.birthday, today))
                            values["child_age"] = std::to_string(*age);
                    }
                }
                break;
            case Kind::festival: {
                const Festival* chosen = nullptr;
                for (const Festival* f : config.festivals_of(store)) {
                    if (!chosen) chosen = f;
                    if (name.find(f->template_name) != std::string_view::npos &&
                        f->template_name != "festival") {
                        chosen = f;
                        break;
                    }
                }
                if (chosen) values["festival"] = chosen->name;
                break;
            }
            case Kind::card_expiry:
                if (m.card_expires) {
                    values["card_expires"] = format_chinese_date(*m.card_expires);
                    const auto left =
                        (date::sys_days{*m.card_expires} - date::sys_days{today}).count();
                    if (left >= 0) values["days_left"] = std::to_string(left);
                }
                break;
            case Kind::points:
                if (m.points > 0) values["points"] = std::to_string(m.points);
                if (m.points_expire)
                    values["points_expire"] = format_chinese_date(*m.points_expire);
                break;
            case Kind::announcement:
                // Her own tags stand for the announcement's (it is not known here).
                values["tags"] = m.tags.empty() ? "新品" : announcement_tag_words(m.tags);
                break;
            case Kind::winback:
            case Kind::welcome:
                break;
        }
    }
    return values;
}

}  // namespace huitou
