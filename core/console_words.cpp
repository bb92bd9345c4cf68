#include "core/console_words.h"

#include <array>
#include <utility>

namespace huitou {

namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 25> reasons{{
    {"no_consent", "未同意接收"},
    {"opted_out", "已退订"},
    {"no_channel", "没有可用的手机号或微信"},
    {"no_template", "没有合适的消息模板"},
    {"quiet_hours", "夜间/午休不发送，今天已没有可发送的时段"},
    {"capped_day", "今日已发送"},
    {"capped_week", "本周消息已达上限"},
    {"capped_30_days", "近30天消息已达上限"},
    {"capped", "频次上限"},
    {"cooldown", "刚发过消息，间隔太短"},
    {"merged", "已合并到同一天的另一条消息"},
    {"not_in_audience", "不在这次节日的发送范围"},
    {"holdout", "对照组：为衡量效果，这次不发"},
    {"expired", "当天没能发出，已过期"},
    {"failed", "发送失败"},
    {"unknown", "结果不明（发送程序中途停止）"},
    {"cancelled", "已取消"},
    {"came_back", "已经回店，不再提醒"},
    {"no_member", "会员不存在"},
    {"absent_too_long", "太久没来，不再提醒"},
    {"no_visit_state", "还没有到店记录"},
    {"no_verdict", "无法判断"},
    {"held", "店员暂停了今天的消息"},
    {"not_approved", "当天的消息未获批准"},
    {"account_problem", "短信/微信账号有问题"},
}};

}  // namespace

std::string_view kind_words(Kind kind) {
    switch (kind) {
        case Kind::birthday:
            return "生日";
        case Kind::child_birthday:
            return "孩子生日";
        case Kind::festival:
            return "节日";
        case Kind::card_expiry:
            return "会员卡到期";
        case Kind::winback:
            return "好久不见";
        case Kind::points:
            return "积分到期";
        case Kind::welcome:
            return "入会欢迎";
        case Kind::announcement:
            return "上新通知";
    }
    return "消息";
}

std::string_view channel_words(Channel channel) {
    return channel == Channel::wechat ? "微信" : "短信";
}

std::string_view state_words(JobState state) {
    switch (state) {
        case JobState::planned:
            return "计划中";
        case JobState::dispatched:
            return "发送中";
        case JobState::sent:
            return "已发送";
        case JobState::delivered:
            return "已送达";
        case JobState::failed:
            return "失败";
        case JobState::expired:
            return "已过期";
        case JobState::cancelled:
            return "已取消";
        case JobState::unknown:
            return "结果不明";
        case JobState::held:
            return "对照组";
    }
    return "未知";
}

std::string reason_words(std::string_view reason) {
    for (const auto& [code, words] : reasons)
        if (code == reason) return std::string(words);
    return std::string(reason);
}

std::string error_words(std::string_view error) {
    constexpr std::string_view held = "held by staff ";
    if (error.starts_with(held))
        return "店员 " + std::string(error.substr(held.size())) + " 暂停了今天的消息";
    constexpr std::string_view unapproved = "not approved by ";
    if (error.starts_with(unapproved))
        return std::string(error.substr(unapproved.size())) + " 审批时未勾选";
    return reason_words(error);
}

std::string skip_words(std::string_view reason, std::string_view detail) {
    if ((reason == "held" || reason == "not_approved" || reason == "cancelled") &&
        (detail.starts_with("held by staff ") || detail.starts_with("not approved by ")))
        return error_words(detail);
    if (reason == "capped") {
        // core/delivery_policy.cpp's cap_detail: "1 a day: ...", "3 in 7 days", "6 in 30 days".
        if (detail.find(" a day") != std::string_view::npos) return reason_words("capped_day");
        if (detail.find(" in 7 days") != std::string_view::npos) return reason_words("capped_week");
        if (detail.find(" in 30 days") != std::string_view::npos)
            return reason_words("capped_30_days");
    }
    if (reason == "merged" && detail.starts_with("into ")) {
        const auto id = detail.substr(5);
        if (const auto kind = parse_kind(id.substr(0, id.find(':'))))
            return "已合并到同一天的" + std::string(kind_words(*kind)) + "消息";
    }
    return reason_words(reason);
}

std::string consent_source_words(std::string_view source) {
    static constexpr std::pair<std::string_view, std::string_view> sources[] = {
        {"import", "会员资料导入"},      {"counter", "柜台"},      {"sms_reply", "短信回复"},
        {"wechat_event", "微信"},        {"api", "收银/会员系统"}, {"provider", "运营商反馈"},
        {"provider_error", "运营商反馈"}};
    for (const auto& [code, words] : sources)
        if (code == source) return std::string(words);
    return std::string(source);
}

}  // namespace huitou
