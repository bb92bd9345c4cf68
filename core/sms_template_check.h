// sms_template_check.h — refuse, at start-up, an SMS template that could
// render too long or that its provider would refuse.
//
// A template is rendered with every variable at its bound (see
// sms_variable_bound) and every combination of optional sections on and off,
// wrapped as it will travel (【signature】 + body + the unsubscribe suffix on
// marketing kinds), and counted in UCS-2 units (core/sms_text.h); past the
// store's sms_max_parts it is refused. Its text is also searched for the SMS
// provider's banned words. Bound values are private-use characters, so a
// variable can neither form nor hide a banned word. The check knows the
// variables' bounds, not the members: a name longer than its bound is the
// importer's business (it refuses names over 50 characters).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/message_template.h"
#include "core/sms_text.h"

namespace huitou {

// The most UCS-2 units variable `name` may render to for `store`: honorific,
// name and child_name 50 (the import limit on names), store the store's own
// name, tier 32 (the import limit), ages and days left 3, days until 2 (lead
// days are at most 60), a card date 11 (2027年12月31日), festival the longest
// festival name configured; any other variable 50.
std::size_t sms_variable_bound(std::string_view name, const StoreConfig& store,
                               const Config& config);

// The purpose of a message of `kind`: card expiry is a service notice, every
// other kind is marketing (consent and an unsubscribe suffix).
SmsPurpose sms_purpose(Kind kind);

// The worst case of `store`'s SMS template `name`: the longest message it
// can render to (signature and suffix included, variables at their bounds,
// optional sections on and off) and the banned words its text holds.
struct SmsTemplateReport {
    std::string where;  // "<source> (store S, birthday by SMS)"
    std::size_t worst_units = 0;
    std::size_t worst_parts = 0;
    std::vector<std::string> banned;  // the provider's words found, each once
};
// nullopt when the store has no such SMS template.
std::optional<SmsTemplateReport> sms_template_report(const Config& config, const StoreConfig& store,
                                                     const TemplateSet& templates,
                                                     const std::string& name);

// Every problem with `store`'s SMS template `name` ("birthday",
// "festival.mid_autumn", "birthday+festival"), one line each, naming its
// source, the store and the kind; empty when it is fine or does not exist.
std::vector<std::string> check_sms_template(const Config& config, const StoreConfig& store,
                                            const TemplateSet& templates, const std::string& name);

// Every problem with the SMS templates of every store, one line each, naming
// the template file, the store and the kind. Empty when all is well.
std::vector<std::string> check_sms_templates(const Config& config, const TemplateSet& templates);

}  // namespace huitou
