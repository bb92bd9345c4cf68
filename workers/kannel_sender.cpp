#include "workers/kannel_sender.h"

#include <algorithm>

#include "core/sms_template_check.h"
#include "core/sms_text.h"

namespace huitou {
namespace {

bool is_plain(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
}

std::string first_line(const std::string& body) {
    const auto end = body.find_first_of("\r\n");
    return body.substr(0, std::min<std::size_t>(end, 200));
}

}  // namespace

std::string compose_job_sms(const StoreConfig& store, const JobMessage& job) {
    return compose_sms(store.sms_signature, job.text, store.sms_unsubscribe, sms_purpose(job.kind));
}

std::string callback_job_id(const std::string& job_id) {
    bool plain = !job_id.empty();
    for (char c : job_id)
        plain = plain && is_plain(c);
    if (plain) return job_id;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "~";
    for (unsigned char c : job_id) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
    return out;
}

std::optional<std::string> parse_callback_job_id(const std::string& text) {
    if (!text.starts_with("~")) return text;
    if (text.size() % 2 != 1) return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); i += 2) {
        const auto digit = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        const int hi = digit(text[i]), lo = digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

void check_callback_secret(const std::string& secret, const std::string& key) {
    const bool url_safe = std::all_of(secret.begin(), secret.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '~';
    });
    if (secret.size() < 16 || !url_safe) {
        throw ConfigError(key +
                          ": expected at least 16 characters of A-Z a-z 0-9 - _ . ~ "
                          "(openssl rand -hex 32 makes one)");
    }
}

KannelSender::KannelSender(const Config& config, const ProviderConfig& provider,
                           std::string password, std::string callback_secret)
    : config_(config),
      provider_(provider),
      password_(std::move(password)),
      callback_secret_(std::move(callback_secret)) {}

std::string KannelSender::sendsms_url(const JobMessage& job, const std::string& text) const {
    const auto& k = provider_.kannel;
    const auto* store = config_.find_store(job.store);
    // %d is Kannel's placeholder for the report type; it must reach Kannel
    // as the two characters "%d", so the whole dlr-url is encoded once more.
    const std::string dlr_url = k.callback_url + "/kannel/dlr?key=" + callback_secret_ +
                                "&store=" + job.store + "&job=" + callback_job_id(job.job_id) +
                                "&type=%d";
    std::string url = k.sendsms_url + (k.sendsms_url.find('?') == std::string::npos ? "?" : "&");
    url += "username=" + percent_encode(k.username);
    url += "&password=" + percent_encode(password_);
    if (store && !store->sms_from.empty()) url += "&from=" + percent_encode(store->sms_from);
    url += "&to=" + percent_encode(job.to);
    url += "&text=" + percent_encode(text);
    url += "&charset=UTF-8&coding=2";
    if (!k.smsc.empty()) url += "&smsc=" + percent_encode(k.smsc);
    if (k.dlr_mask > 0) {
        url += "&dlr-mask=" + std::to_string(k.dlr_mask);
        url += "&dlr-url=" + percent_encode(dlr_url);
    }
    return url;
}

SendResult KannelSender::send(const JobMessage& job, SysSeconds /*now*/) {
    const auto* store = config_.find_store(job.store);
    if (!store) return {Outcome::failed, {}, "unknown store " + job.store, std::nullopt};
    const std::string text = compose_job_sms(*store, job);
    const auto parts = sms_parts(text);
    if (parts > static_cast<std::size_t>(store->sms_max_parts)) {
        return {Outcome::failed,
                {},
                "the message is " + std::to_string(sms_units(text)) + " characters, " +
                    std::to_string(parts) + " parts, over the store's limit of " +
                    std::to_string(store->sms_max_parts),
                std::nullopt};
    }
    HttpResponse response;
    try {
        response = http_.perform({"GET", sendsms_url(job, text), {}, {}, provider_.http_timeout});
    } catch (const HttpError& e) {
        // Kannel cannot be asked whether it took a message: a request that
        // may have arrived is never sent again (the worker records it unknown).
        return {Outcome::retry, {}, e.what(), std::nullopt, e.maybe_sent()};
    }
    const std::string answer = first_line(response.body);
    if (response.status == 202 || response.status == 200) {
        // "0: Accepted for delivery" or "3: Queued for later delivery": Kannel
        // has it and will deliver it; it must never be sent again. Kannel
        // returns no message id: the job id, in the dlr-url, is the reference.
        return {Outcome::sent, job.job_id, {}, std::nullopt};
    }
    const std::string error = "kannel " + std::to_string(response.status) + ": " + answer;
    if (response.status == 401 || response.status == 403)
        return {Outcome::account_problem, {}, error, std::nullopt};
    if (response.status == 503 || response.status >= 500)
        return {Outcome::retry, {}, error, std::nullopt};
    return {Outcome::failed, {}, error, std::nullopt};
}

}  // namespace huitou
