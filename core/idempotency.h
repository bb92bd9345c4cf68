// idempotency.h — the Idempotency-Key rules, as pure functions.
//
// A program that did not hear the answer to a write (a timeout, a dropped
// connection) sends it again with the same Idempotency-Key header; the
// first answer is kept (24 hours) and given again, so the work is done once.
// The record is per caller (the admin, or one API key) and key, and holds a
// fingerprint of the request — SHA-256 of method, path and body — so the
// same key on another request is refused (422) instead of answering it
// with someone else's answer. While the first request runs the record says
// so (pending), and a retry arriving then is a 409: try again shortly.
// Storing the record is io's business (scheduler/idempotency_store.h);
// deciding from it is here, tested without Redis.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace huitou {

// How long an answer is kept, and how long a request may stay pending (a
// crash mid-request frees the key after this, then the request runs again).
inline constexpr long long kIdempotencyKeepSeconds = 24 * 3600;
inline constexpr long long kIdempotencyPendingSeconds = 300;

// Why `key` is no Idempotency-Key (1 to 255 printable ASCII characters), or nullopt.
std::optional<std::string> check_idempotency_key(std::string_view key);

// Hex SHA-256 over the method, the path and the body.
std::string request_fingerprint(std::string_view method, std::string_view path,
                                std::string_view body);

// What a stored record holds: pending (no answer yet), or the answer.
struct IdempotencyRecord {
    std::string fingerprint;
    bool pending = true;
    int status = 0;
    std::string content_type = {};
    std::string body = {};
};

std::string encode(const IdempotencyRecord& r);
// nullopt for text that is no record (damaged: treated as absent).
std::optional<IdempotencyRecord> decode_idempotency_record(std::string_view text);

enum class IdempotencyVerdict {
    run,        // no record: this request does the work
    replay,     // the same request answered before: send its answer again
    in_flight,  // the same request still running: 409
    mismatch,   // the key was used for another request: 422
};

// What to do with a request of `fingerprint` given the record found (none: run).
IdempotencyVerdict decide(const std::optional<IdempotencyRecord>& found,
                          std::string_view fingerprint);

// Whether an answer is kept for replay: not a 5xx (the work may not have
// been done: a retry must run again), not a 409 or 429 (nothing done either).
bool is_kept(int status);

}  // namespace huitou
