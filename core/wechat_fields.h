// wechat_fields.h — a value fitted to a WeChat template field's type.
//
// Template messages and subscription notices name their fields after a type
// and a number: thing3, name1, phrase5, character_string2, time4. The type
// limits the value (developers.weixin.qq.com, 发送订阅通知 and 发送模板消息:
// thing ≤ 20 characters, name ≤ 10 Chinese characters or 20 letters,
// phrase ≤ 5 Chinese characters, number / letter / character_string ≤ 32,
// symbol ≤ 5, phone_number ≤ 17, car_number ≤ 8), and a value past it is
// refused with 47003 — the whole message lost for a long store name. So
// values are cut to the limit, by characters, never inside a UTF-8 sequence.
// Types without a length (time, date, amount, const) are passed unchanged:
// cutting a date makes it wrong, not short. No content checks beyond length.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace huitou {

// The type of field `key`: the key without its trailing digits ("thing12" → "thing").
std::string_view wechat_field_type(std::string_view key);

// The most characters a value of `type` may hold, or nullopt when the type
// has no length limit we cut to. `value` decides name's limit (10 if it holds
// any non-ASCII character, else 20).
std::optional<std::size_t> wechat_field_limit(std::string_view type, std::string_view value);

// `value` (UTF-8) cut to the limit of field `key`'s type; trimmed of
// surrounding whitespace first.
std::string fit_wechat_field(std::string_view key, std::string_view value);

}  // namespace huitou
