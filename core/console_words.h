// console_words.h — the words the console shows staff for huitou's codes.
//
// The CLI and the JSON API speak in codes (birthday, sms, cancelled,
// no_consent); the people at the counter read Chinese. One table per code
// family, here, so every page says the same thing for the same code, and a
// test can check that every code has its words. A code without words (a
// reason added later) is shown as itself rather than hidden.
#pragma once

#include <string>
#include <string_view>

#include "core/job.h"

namespace huitou {

// 生日, 孩子生日, 节日, 会员卡到期, 好久不见.
std::string_view kind_words(Kind kind);
// 短信, 微信.
std::string_view channel_words(Channel channel);
// 计划中, 发送中, 已发送, 已送达, 失败, 已过期, 已取消, 结果不明, 对照组.
std::string_view state_words(JobState state);
// Why a member gets nothing (day_preview's skip reasons, a cancelled job's
// error code, the effect report's reasons) in plain words:
// no_consent → 未同意接收, opted_out → 已退订, capped_day → 今日已发送,
// quiet_hours → 夜间/午休不发送, capped → 频次上限, ... ; an unknown code
// is returned as it is.
std::string reason_words(std::string_view reason);
// A cancelled job's error as staff read it: the code's words, or the
// sentence itself ("held by staff 小李" → "店员 小李 暂停了今天的消息").
std::string error_words(std::string_view error);
// Why a member of a day gets nothing, as the day page says it: day_preview's
// reason with its detail — a held or unapproved job names the person
// (error_words), "capped" says which cap ("1 a day: ..." → 今日已发送),
// "merged" says into which message (已合并到同一天的生日消息).
std::string skip_words(std::string_view reason, std::string_view detail);
// Where a consent event came from (core/consent.h's sources): import →
// 会员资料导入, counter → 柜台, sms_reply → 短信回复, wechat_event → 微信,
// api → 收银/会员系统, provider → 运营商反馈; an unknown code as it is.
std::string consent_source_words(std::string_view source);

}  // namespace huitou
