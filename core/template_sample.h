// template_sample.h — the values a template is previewed with, on a real member.
//
// The console's template editor shows a draft as one member of the store
// would read it. The member's own values are planning's (member_values:
// honorific, name, store, tier); the occasion's are made up as if the
// occasion were the member's next one: the age turned at the next birthday,
// the first child (and the age it turns next), the festival the template is
// for (or the store's first), the member's card date and days left from
// `today`. days_until and followup are left out: a preview shows the
// message on the day, for a first reminder. Not planning: nothing here says
// whether the member would get the message.
#pragma once

#include <string_view>

#include "core/config.h"
#include "core/member.h"
#include "core/message_template.h"

namespace huitou {

// Whether `m` has what template `name` speaks of: a child for a child's
// birthday, a card date for a card expiry, points and their date for a
// points reminder, a birthday for a birthday; any
// member otherwise.
bool fits_template(const Member& m, std::string_view name);

// The values of template `name` for member `m` of `store`, seen on `today`.
TemplateValues sample_values(const Member& m, const StoreConfig& store, const Config& config,
                             std::string_view name, const Date& today);

}  // namespace huitou
