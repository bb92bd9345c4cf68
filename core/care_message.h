// care_message.h — the day's care list as the store's WeChat Work group
// robot posts it: markdown, in Chinese, for the staff's phones.
//
// One message a day: a title (the store, the day, how many calls and the
// hours to call), then one line a member in the list's order — rank, name,
// phone, segment, last visit. Phones are masked (138****8000, as receipts
// print them) unless the store says the group may see whole numbers
// (`robot_full_phone`): a work group has more readers than the list, and
// the console, behind a login, has the numbers to dial. WeChat Work takes at
// most 4096 bytes of content a message, so a long list is cut at line ends
// into several, each titled "(1/2)". Pure.
#pragma once

#include <string>
#include <vector>

#include "core/care_config.h"
#include "core/care_list.h"

namespace huitou {

inline constexpr std::size_t kRobotContentMax = 4096;

// The markdown contents, each at most kRobotContentMax bytes; none for an
// empty list.
std::vector<std::string> care_robot_texts(const std::string& store_name, const CareDay& day,
                                          const CareConfig& config);

}  // namespace huitou
