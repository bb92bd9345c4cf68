#include "core/provider_config.h"

namespace huitou {

const std::vector<std::string>& tencent_default_banned_words() {
    // Examples from Tencent Cloud SMS 正文模板审核标准
    // (cloud.tencent.com/document/product/382/39023); extend in config.
    static const std::vector<std::string> words{"美容", "会所", "酒吧", "用户召回", "邀请到店"};
    return words;
}

ProviderConfig make_provider_config(std::string provider, std::string outbox_path) {
    ProviderConfig p;
    p.provider = std::move(provider);
    p.outbox_path = std::move(outbox_path);
    p.tencent.banned_words = tencent_default_banned_words();
    return p;
}

std::string_view to_string(ReceiptMode mode) {
    switch (mode) {
        case ReceiptMode::push:
            return "push";
        case ReceiptMode::poll:
            return "poll";
        case ReceiptMode::off:
            break;
    }
    return "off";
}

ReceiptMode ProviderConfig::receipt_mode() const {
    if (provider == "aliyun") return aliyun.receipts;
    if (provider == "tencent") return tencent.receipts;
    return ReceiptMode::off;
}

const std::vector<std::string>& ProviderConfig::banned_words() const {
    static const std::vector<std::string> none;
    if (provider == "kannel") return kannel.banned_words;
    if (provider == "aliyun") return aliyun.banned_words;
    if (provider == "tencent") return tencent.banned_words;
    return none;
}

bool ProviderConfig::sends_template(const std::string& name) const {
    if (provider == "aliyun") return aliyun.templates.contains(name);
    if (provider == "tencent") return tencent.templates.contains(name);
    if (provider == "wechat") return wechat.templates.contains(name);
    return true;  // outbox and Kannel send our own text
}

std::string provider_template_key(Kind kind, const std::map<std::string, std::string>& params) {
    const auto it = params.find("template");
    return it != params.end() ? it->second : std::string(to_string(kind));
}

std::string ProviderConfig::account() const {
    if (provider == "kannel") return "kannel:" + kannel.username + "@" + kannel.sendsms_url;
    if (provider == "aliyun") return "aliyun:" + aliyun.access_key_id;
    if (provider == "tencent") return "tencent:" + tencent.sdk_app_id;
    if (provider == "wechat") return "wechat:" + wechat.app_id;
    return provider + ":" + outbox_path;
}

}  // namespace huitou
