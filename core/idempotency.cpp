#include "core/idempotency.h"

#include <nlohmann/json.hpp>

#include "core/api_key.h"

namespace huitou {

std::optional<std::string> check_idempotency_key(std::string_view key) {
    if (key.empty() || key.size() > 255) {
        return "Idempotency-Key: 1 to 255 printable ASCII characters, got " +
               std::to_string(key.size());
    }
    for (const char c : key) {
        if (c < 0x20 || c > 0x7e) {
            return std::string("Idempotency-Key: only printable ASCII characters (0x20-0x7e)");
        }
    }
    return std::nullopt;
}

std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::string_view body) {
    std::string text;
    text.reserve(method.size() + path.size() + body.size() + 2);
    text.append(method).append(" ").append(path).append("\n").append(body);
    return api_key_digest(text);  // hex SHA-256, the one helper for it
}

std::string encode(const IdempotencyRecord& r) {
    nlohmann::json j{{"fp", r.fingerprint}};
    if (!r.pending) {
        j["status"] = r.status;
        j["type"] = r.content_type;
        j["body"] = r.body;
    }
    return j.dump();
}

std::optional<IdempotencyRecord> decode_idempotency_record(std::string_view text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("fp") || !j["fp"].is_string()) return std::nullopt;
    IdempotencyRecord r;
    r.fingerprint = j["fp"].get<std::string>();
    if (!j.contains("status")) return r;
    if (!j["status"].is_number_integer() || !j.value("type", nlohmann::json()).is_string() ||
        !j.value("body", nlohmann::json()).is_string())
        return std::nullopt;
    r.pending = false;
    r.status = j["status"].get<int>();
    r.content_type = j["type"].get<std::string>();
    r.body = j["body"].get<std::string>();
    return r;
}

IdempotencyVerdict decide(const std::optional<IdempotencyRecord>& found,
                          std::string_view fingerprint) {
    if (!found) return IdempotencyVerdict::run;
    if (found->fingerprint != fingerprint) return IdempotencyVerdict::mismatch;
    return found->pending ? IdempotencyVerdict::in_flight : IdempotencyVerdict::replay;
}

bool is_kept(int status) {
    return status < 500 && status != 409 && status != 429;
}

}  // namespace huitou
