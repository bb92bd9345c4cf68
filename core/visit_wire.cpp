#include "core/visit_wire.h"

#include <nlohmann/json.hpp>

#include "core/utf8.h"

namespace huitou {
namespace {

using nlohmann::json;

// A string field of at most `max_bytes` bytes of UTF-8; numbers are accepted
// as their text when `numbers` is set (an amount sent as 128.5).
bool read_string(const json& body, const char* key, bool required, std::size_t max_bytes,
                 bool numbers, std::string& out, std::string& error) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
        if (required) error = std::string("missing \"") + key + "\"";
        return !required;
    }
    if (numbers && it->is_number()) {
        out = it->dump();
    } else if (it->is_string()) {
        out = it->get<std::string>();
    } else {
        error = std::string("\"") + key + "\" is not a string";
        return false;
    }
    if (out.size() > max_bytes) {
        error = std::string("\"") + key + "\" is too long";
        return false;
    }
    if (!is_valid_utf8(out)) {
        error = std::string("\"") + key + "\" is not UTF-8";
        return false;
    }
    if (required && out.empty()) {
        error = std::string("\"") + key + "\" is empty";
        return false;
    }
    return true;
}

}  // namespace

Frames encode_visit(const VisitInput& v) {
    json body{{"store", v.store}, {"member_id", v.member_id}};
    if (!v.visited_at.empty()) body["visited_at"] = v.visited_at;
    if (!v.amount.empty()) body["amount"] = v.amount;
    if (!v.visit_id.empty()) body["visit_id"] = v.visit_id;
    return {std::string(visit_tag), body.dump()};
}

Decoded<VisitInput> decode_visit_body(std::string_view text) {
    Decoded<VisitInput> out;
    if (text.size() > max_body_bytes) {
        out.error = "body of " + std::to_string(text.size()) + " bytes is over the limit";
        return out;
    }
    const auto body = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
        out.error = "body is not valid JSON";
        return out;
    }
    if (!body.is_object()) {
        out.error = "body is not a JSON object";
        return out;
    }
    VisitInput v;
    if (read_string(body, "store", true, 32, false, v.store, out.error) &&
        read_string(body, "member_id", true, 64, false, v.member_id, out.error) &&
        read_string(body, "visited_at", false, 64, false, v.visited_at, out.error) &&
        read_string(body, "amount", false, 32, true, v.amount, out.error) &&
        read_string(body, "visit_id", false, 64, false, v.visit_id, out.error)) {
        out.message = std::move(v);
    }
    return out;
}

Decoded<VisitInput> decode_visit(const std::vector<std::string_view>& frames) {
    if (frames.size() != 2) {
        return {std::nullopt, "expected 2 frames, got " + std::to_string(frames.size())};
    }
    if (frames[0] != visit_tag) {
        return {std::nullopt, "unexpected message tag \"" + std::string(frames[0].substr(0, 40)) +
                                  "\" (expected " + std::string(visit_tag) + ")"};
    }
    return decode_visit_body(frames[1]);
}

}  // namespace huitou
