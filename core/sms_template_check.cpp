#include "core/sms_template_check.h"

#include <algorithm>

#include "core/delivery_policy.h"
#include "core/member_tags.h"
#include "core/sms_text.h"
#include "core/utf8.h"

namespace huitou {
namespace {

// U+E000, a private-use character: one UCS-2 unit, in no word of any list.
constexpr std::string_view placeholder = "\xEE\x80\x80";

std::string filler(std::size_t units) {
    std::string s;
    s.reserve(units * placeholder.size());
    for (std::size_t i = 0; i < units; ++i)
        s += placeholder;
    return s;
}

}  // namespace

std::size_t sms_variable_bound(std::string_view name, const StoreConfig& store,
                               const Config& config) {
    if (name == "store") return sms_units(store.name);
    if (name == "honorific" || name == "name" || name == "child_name") return 50;
    if (name == "tier") return 32;
    if (name == "age" || name == "child_age" || name == "days_left") return 3;
    if (name == "days_until" || name == "followup") return 2;
    if (name == "card_expires" || name == "points_expire") return sms_units("2027年12月31日");
    if (name == "points") return 9;  // kMaxPoints
    // The announcement's tags she has, joined with 、: at most three named
    // (announcement_tag_words), each of at most kMaxTagLength.
    if (name == "tags") return 3 * kMaxTagLength + 2;
    if (name == "festival") {
        std::size_t longest = 0;
        for (const auto& f : config.festivals)
            longest = std::max(longest, sms_units(f.name));
        return longest;
    }
    return 50;
}

SmsPurpose sms_purpose(Kind kind) {
    return is_service_notice(kind) ? SmsPurpose::notice : SmsPurpose::marketing;
}

std::optional<SmsTemplateReport> sms_template_report(const Config& config, const StoreConfig& store,
                                                     const TemplateSet& templates,
                                                     const std::string& name) {
    const auto& banned = config.sms.banned_words();
    const std::string& store_id = store.id;
    if (!templates.has(store_id, name, Channel::sms)) return std::nullopt;
    const auto kinds = TemplateSet::kinds_of(name);
    if (kinds.empty()) return std::nullopt;
    const Kind kind = kinds.front();  // the message's own kind: a merge's winner
    const std::string what =
        name.find('+') != std::string::npos ? name : std::string(to_string(kind));
    const std::string where = templates.source(store_id, name, Channel::sms) + " (store " +
                              store_id + ", " + what + " by SMS)";
    // The variables these kinds' templates may use; optional ones are
    // tried on and off in every combination.
    std::vector<const TemplateVariable*> always, optional;
    for (const auto& v : template_variables()) {
        const bool used = v.kinds.empty() || std::any_of(kinds.begin(), kinds.end(), [&](Kind k) {
                              return std::find(v.kinds.begin(), v.kinds.end(), k) != v.kinds.end();
                          });
        if (!used) continue;
        (v.optional ? optional : always).push_back(&v);
    }
    const std::size_t tried = std::min<std::size_t>(optional.size(), 12);
    std::size_t worst = 0;
    std::vector<std::string> hits;
    for (std::size_t mask = 0; mask < (std::size_t{1} << tried); ++mask) {
        TemplateValues values;
        for (const auto* v : always) {
            values[std::string(v->name)] = filler(sms_variable_bound(v->name, store, config));
        }
        for (std::size_t i = 0; i < tried; ++i) {
            if (mask & (std::size_t{1} << i)) {
                values[std::string(optional[i]->name)] =
                    filler(sms_variable_bound(optional[i]->name, store, config));
            }
        }
        const auto body = templates.render(store_id, name, Channel::sms, values);
        if (!body) continue;
        const std::string text =
            compose_sms(store.sms_signature, *body, store.sms_unsubscribe, sms_purpose(kind));
        worst = std::max(worst, sms_units(text));
        for (auto& w : banned_words_in(*body, banned))
            if (std::find(hits.begin(), hits.end(), w) == hits.end()) hits.push_back(w);
    }
    return SmsTemplateReport{where, worst, sms_parts_for_units(worst), std::move(hits)};
}

std::vector<std::string> check_sms_template(const Config& config, const StoreConfig& store,
                                            const TemplateSet& templates, const std::string& name) {
    std::vector<std::string> problems;
    const auto report = sms_template_report(config, store, templates, name);
    if (!report) return problems;
    const auto& [where, worst, parts, hits] = *report;
    if (parts > static_cast<std::size_t>(store.sms_max_parts)) {
        problems.push_back(where + ": can render to " + std::to_string(worst) + " characters, " +
                           std::to_string(parts) + " SMS parts, over the store's sms_max_parts = " +
                           std::to_string(store.sms_max_parts) +
                           " (signature and unsubscribe text included, variables at "
                           "their bounds: docs/configuration.md)");
    }
    for (const auto& w : hits) {
        problems.push_back(where + ": holds \"" + w + "\", a word the " + config.sms.provider +
                           " SMS provider refuses");
    }
    return problems;
}

std::vector<std::string> check_sms_templates(const Config& config, const TemplateSet& templates) {
    std::vector<std::string> problems;
    for (const auto& [store_id, store] : config.stores) {
        // Every template the store can send by SMS: one per kind, the
        // festival variants it greets, and the merge templates.
        for (const auto& name : TemplateSet::names_for(config, store, Channel::sms)) {
            auto found = check_sms_template(config, store, templates, name);
            problems.insert(problems.end(), found.begin(), found.end());
        }
    }
    return problems;
}

}  // namespace huitou
