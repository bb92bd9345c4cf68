// wire.h — the one definition of what travels over ZeroMQ.
//
// Two messages: a job (scheduler → worker, on the channel's PUSH socket) and
// a result (worker → scheduler, on the results socket). Each is a two-frame
// ZeroMQ message: frame 1 names the message and its version
// ("huitou.job/1", "huitou.result/1"), frame 2 is a UTF-8 JSON object.
// JSON because a person debugging with a sniffer can read it and every
// language can write it (a POS integration, a test); the version frame lets a
// later format live beside this one. Optional fields may be added within a
// version: a decoder ignores fields it does not know, and one absent reads
// as its default (a result's "recorded" is such a field).
//
// Decoding never trusts the peer: wrong frame count, unknown tag, bad JSON,
// missing or mistyped fields, oversized values all come back as an error
// text — the caller logs it, counts it and drops the message. Nothing here
// asserts on input.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/job.h"

namespace huitou {

inline constexpr std::string_view job_tag = "huitou.job/1";
inline constexpr std::string_view result_tag = "huitou.result/1";

struct JobMessage {
    std::string store;
    std::string job_id;
    std::string member_id;
    Kind kind = Kind::birthday;
    Channel channel = Channel::sms;
    std::string to;
    std::string text;
    std::map<std::string, std::string> params;
    int attempt = 1;          // which dispatch of the job this is
    SysSeconds expires_at{};  // a worker must not send at or after this

    friend bool operator==(const JobMessage&, const JobMessage&) = default;
};

// What a worker reports about one job.
enum class Outcome {
    sent,             // the provider accepted it
    retry,            // transient trouble: try again at `retry_at`
    failed,           // permanent: this message will never go
    consent_lost,     // the member opted out of this channel: record the opt-out
    account_problem,  // the provider account cannot send: stop the channel
    declined,         // the worker would not send: already sent, or its fate unknown
                      // (begin_send or the mark said no); wire name "declined",
                      // "refused" from a worker older than issue 20 reads as this
    expired,          // it reached the worker after `expires_at`
    unknown,          // the provider may have it and cannot say: never sent again
    deferred,         // not handed to the provider (a recipient cap, the send window,
                      // the account's rate, a stopping worker): due again at
                      // `retry_at`, and not an attempt
};
std::string_view to_string(Outcome o);
// The outcome named `s` (its wire name); nullopt for none.
std::optional<Outcome> parse_outcome(std::string_view s);

struct ResultMessage {
    std::string store;
    std::string job_id;
    Outcome outcome = Outcome::sent;
    std::string provider;      // "outbox", "kannel", ...
    std::string provider_ref;  // the provider's message id, if any
    std::string error;         // why, for anything but sent
    std::optional<SysSeconds> retry_at;
    SysSeconds at{};     // when the worker finished
    std::string worker;  // which worker process
    // The worker recorded this result in Redis itself (or there was nothing
    // to record): the scheduler only counts it and forgets the job. Absent
    // (older workers) or false: the scheduler records it, idempotently.
    bool recorded = false;

    friend bool operator==(const ResultMessage&, const ResultMessage&) = default;
};

template <typename T>
struct Decoded {
    std::optional<T> message;
    std::string error;  // set when message is empty
};

using Frames = std::vector<std::string>;

Frames encode(const JobMessage& m);
Frames encode(const ResultMessage& m);

Decoded<JobMessage> decode_job(const std::vector<std::string_view>& frames);
Decoded<ResultMessage> decode_result(const std::vector<std::string_view>& frames);

// Limits a decoder enforces, so a hostile peer cannot make us hold megabytes.
inline constexpr std::size_t max_body_bytes = 64 * 1024;
inline constexpr std::size_t max_text_bytes = 8 * 1024;

}  // namespace huitou
