// outbox_command.h — `huitou outbox FILE...`: the messages the outbox
// provider wrote, in the order they went out, as a person reads them.
//
// The outbox is how a shop tries huitou (and its templates) before any SMS
// account exists; this command shows who got what, on which channel, when.
// Lines that are not outbox records are reported and skipped.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace huitou {

// Prints the records of `paths` sorted by sent_at — as a table, or with
// `json` as one JSON array of the records as written; returns how many.
// Unreadable lines are reported on `errors` as "FILE:N: ...".
std::size_t print_outbox(const std::vector<std::string>& paths, std::ostream& out,
                         std::ostream& errors, bool json = false);

}  // namespace huitou
