// honorific.h — how a greeting addresses a member: 王女士, 李先生.
//
// Chinese shops address customers by surname and title. The surname is the
// first character of the name, or the first two for compound surnames
// (欧阳, 司马, 诸葛 ...). Without a known gender there is no safe title, so
// the full name is used; a name in Latin letters is used as written. With no
// name at all the result is empty and the template falls back to 尊敬的会员.
#pragma once

#include <string>
#include <string_view>

#include "core/member.h"

namespace huitou {

// The surname in `name` (欧阳娜娜 → 欧阳, 王芳 → 王); empty if `name` does not
// start with a CJK character.
std::string chinese_surname(std::string_view name);

// 王女士 / 李先生 / the full name / "" (see above).
std::string honorific(std::string_view name, Gender gender);

}  // namespace huitou
