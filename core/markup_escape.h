// markup_escape.h — text made safe inside HTML and XML (SVG).
//
// One escaping for every page and chart huitou draws: & < > " ' become
// entities, so text from members and staff (a name, a typed query) is shown
// as text in an element or an attribute value, never read as markup. The
// five entities are valid in both HTML and XML.
#pragma once

#include <string>
#include <string_view>

namespace huitou {

// `text` with & < > " ' escaped.
std::string markup_escape(std::string_view text);

}  // namespace huitou
