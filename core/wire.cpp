#include "core/wire.h"

#include <array>

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace huitou {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 9> outcome_names{
    "sent",     "retry",   "failed",  "consent_lost", "account_problem",
    "declined", "expired", "unknown", "deferred"};

long long seconds_of(SysSeconds t) {
    return t.time_since_epoch().count();
}

// Reads typed fields out of a JSON object, collecting the first problem.
class Reader {
  public:
    explicit Reader(const json& object) : object_(object) {}

    std::string string(const char* key, bool required, std::size_t max_bytes = 256) {
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) {
            if (required) fail(std::string("missing \"") + key + "\"");
            return {};
        }
        if (!it->is_string()) {
            fail(std::string("\"") + key + "\" is not a string");
            return {};
        }
        auto value = it->get<std::string>();
        if (value.size() > max_bytes) fail(std::string("\"") + key + "\" is too long");
        if (!is_valid_utf8(value)) fail(std::string("\"") + key + "\" is not UTF-8");
        if (required && value.empty()) fail(std::string("\"") + key + "\" is empty");
        return value;
    }

    bool boolean(const char* key) {
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) return false;
        if (!it->is_boolean()) {
            fail(std::string("\"") + key + "\" is not true or false");
            return false;
        }
        return it->get<bool>();
    }

    std::optional<long long> integer(const char* key, bool required) {
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) {
            if (required) fail(std::string("missing \"") + key + "\"");
            return std::nullopt;
        }
        if (!it->is_number_integer()) {
            fail(std::string("\"") + key + "\" is not an integer");
            return std::nullopt;
        }
        return it->get<long long>();
    }

    std::map<std::string, std::string> string_map(const char* key) {
        std::map<std::string, std::string> out;
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) return out;
        if (!it->is_object()) {
            fail(std::string("\"") + key + "\" is not an object");
            return out;
        }
        for (const auto& [k, v] : it->items()) {
            if (!v.is_string() || !is_valid_utf8(k) || !is_valid_utf8(v.get<std::string>())) {
                fail(std::string("\"") + key + "\" holds a value that is not a string");
                return out;
            }
            out.emplace(k, v.get<std::string>());
        }
        return out;
    }

    void fail(std::string why) {
        if (error_.empty()) error_ = std::move(why);
    }
    const std::string& error() const { return error_; }

  private:
    const json& object_;
    std::string error_;
};

// Checks the envelope and parses the body; on failure sets `error`.
std::optional<json> open_envelope(const std::vector<std::string_view>& frames, std::string_view tag,
                                  std::string& error) {
    if (frames.size() != 2) {
        error = "expected 2 frames, got " + std::to_string(frames.size());
        return std::nullopt;
    }
    if (frames[0] != tag) {
        error = "unexpected message tag \"" + std::string(frames[0].substr(0, 40)) +
                "\" (expected " + std::string(tag) + ")";
        return std::nullopt;
    }
    if (frames[1].size() > max_body_bytes) {
        error = "body of " + std::to_string(frames[1].size()) + " bytes is over the limit";
        return std::nullopt;
    }
    auto body = json::parse(frames[1], nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
        error = "body is not valid JSON";
        return std::nullopt;
    }
    if (!body.is_object()) {
        error = "body is not a JSON object";
        return std::nullopt;
    }
    return body;
}

}  // namespace

std::string_view to_string(Outcome o) {
    return outcome_names[static_cast<std::size_t>(o)];
}

std::optional<Outcome> parse_outcome(std::string_view s) {
    for (std::size_t i = 0; i < outcome_names.size(); ++i) {
        if (outcome_names[i] == s) return static_cast<Outcome>(i);
    }
    return std::nullopt;
}

Frames encode(const JobMessage& m) {
    json body{{"store", m.store},
              {"job_id", m.job_id},
              {"member_id", m.member_id},
              {"kind", to_string(m.kind)},
              {"channel", to_string(m.channel)},
              {"to", m.to},
              {"text", m.text},
              {"attempt", m.attempt},
              {"expires_at", seconds_of(m.expires_at)}};
    if (!m.params.empty()) body["params"] = m.params;
    return {std::string(job_tag), body.dump()};
}

Frames encode(const ResultMessage& m) {
    json body{{"store", m.store},       {"job_id", m.job_id},     {"outcome", to_string(m.outcome)},
              {"provider", m.provider}, {"at", seconds_of(m.at)}, {"worker", m.worker}};
    if (!m.provider_ref.empty()) body["provider_ref"] = m.provider_ref;
    if (!m.error.empty()) body["error"] = m.error;
    if (m.retry_at) body["retry_at"] = seconds_of(*m.retry_at);
    if (m.recorded) body["recorded"] = true;
    return {std::string(result_tag), body.dump()};
}

Decoded<JobMessage> decode_job(const std::vector<std::string_view>& frames) {
    Decoded<JobMessage> out;
    const auto body = open_envelope(frames, job_tag, out.error);
    if (!body) return out;
    Reader r(*body);
    JobMessage m;
    m.store = r.string("store", true, 32);
    m.job_id = r.string("job_id", true);
    m.member_id = r.string("member_id", true, 64);
    const auto kind = parse_kind(r.string("kind", true));
    const auto channel = parse_channel(r.string("channel", true));
    m.to = r.string("to", true, 128);
    m.text = r.string("text", true, max_text_bytes);
    m.params = r.string_map("params");
    const auto attempt = r.integer("attempt", true);
    const auto expires = r.integer("expires_at", true);
    if (!r.error().empty()) {
        out.error = r.error();
        return out;
    }
    if (!kind) return {std::nullopt, "unknown \"kind\""};
    if (!channel) return {std::nullopt, "unknown \"channel\""};
    if (*attempt < 1 || *attempt > 1000) return {std::nullopt, "\"attempt\" out of range"};
    m.kind = *kind;
    m.channel = *channel;
    m.attempt = static_cast<int>(*attempt);
    m.expires_at = SysSeconds{std::chrono::seconds{*expires}};
    out.message = std::move(m);
    return out;
}

Decoded<ResultMessage> decode_result(const std::vector<std::string_view>& frames) {
    Decoded<ResultMessage> out;
    const auto body = open_envelope(frames, result_tag, out.error);
    if (!body) return out;
    Reader r(*body);
    ResultMessage m;
    m.store = r.string("store", true, 32);
    m.job_id = r.string("job_id", true);
    const auto outcome_name = r.string("outcome", true);
    // "refused" is what workers before issue 20 call `declined`: during a
    // rolling upgrade a new scheduler still hears old workers.
    const auto outcome = parse_outcome(outcome_name == "refused" ? "declined" : outcome_name);
    m.provider = r.string("provider", false, 64);
    m.provider_ref = r.string("provider_ref", false);
    m.error = r.string("error", false, 1024);
    const auto retry_at = r.integer("retry_at", false);
    const auto at = r.integer("at", true);
    m.worker = r.string("worker", false, 128);
    m.recorded = r.boolean("recorded");
    if (!r.error().empty()) {
        out.error = r.error();
        return out;
    }
    if (!outcome) return {std::nullopt, "unknown \"outcome\""};
    m.outcome = *outcome;
    if (retry_at) m.retry_at = SysSeconds{std::chrono::seconds{*retry_at}};
    m.at = SysSeconds{std::chrono::seconds{*at}};
    out.message = std::move(m);
    return out;
}

}  // namespace huitou
