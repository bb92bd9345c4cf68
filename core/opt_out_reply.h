// opt_out_reply.h — does a member's SMS reply mean "stop sending me messages"?
//
// Marketing SMS end with 回T退订 / 回TD退订 / 拒收请回复R, so members answer with
// T, TD, R, N (Tencent accepts TD/T/N) or write 退订 or 取消. They answer from
// Chinese keyboards, so the same word arrives as "td", "ＴＤ", "ｔｄ", " T。",
// "TD退订", "退订!". The rule: fold full-width forms and ASCII case, trim
// whitespace (U+3000 included) and trailing punctuation, and then the whole
// remainder must be one or more of the keywords, optionally separated by
// spaces. Anything else — "Thanks", "谢谢", "T恤", "退订了吗?" — is not an
// opt-out: a false positive silently loses a member, so the rule is strict
// and a human reads the rest.
//
// Not here: recording the opt-out or matching the sender to a member; those
// live with consent. This only reads the text.
#pragma once

#include <string_view>

namespace huitou {

// True if UTF-8 `reply` is an unsubscribe reply (see the header comment).
// Malformed UTF-8 is simply not an opt-out.
bool is_opt_out_reply(std::string_view reply);

}  // namespace huitou
