#include "io/redis_connection.h"

#include <hiredis/hiredis.h>

#include "io/redis_cluster.h"
#include "io/shard_map.h"

#include <sys/time.h>

namespace huitou {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

RedisReply copy_reply(const redisReply* r) {
    RedisReply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = RedisReply::Type::string;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = RedisReply::Type::status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = RedisReply::Type::error;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = RedisReply::Type::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = RedisReply::Type::array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i) {
                out.elements.push_back(copy_reply(r->element[i]));
            }
            break;
        default:
            out.type = RedisReply::Type::nil;
            break;
    }
    return out;
}

// Error replies of a server that cannot serve yet: loading its data after a
// restart, busy in a long script, without its master, a cluster slot moving.
// They say nothing about the request: they are an outage to wait out (a
// RedisError), not a refusal (RedisReplyError) that would fail a job.
bool not_ready(std::string_view error) {
    for (std::string_view prefix :
         {"LOADING ", "BUSY ", "MASTERDOWN ", "TRYAGAIN ", "CLUSTERDOWN ", "READONLY "}) {
        if (error.starts_with(prefix)) return true;
    }
    return false;
}

}  // namespace

RedisReplyError::RedisReplyError(std::string request, std::string reply)
    : std::runtime_error("Redis refused " + request + ": " + reply),
      request_(std::move(request)),
      reply_(std::move(reply)) {}

const RedisReply& RedisReply::expect_ok(std::string_view what) const {
    if (is_error()) throw RedisReplyError(std::string(what), str);
    return *this;
}

void RedisConnection::ContextFree::operator()(redisContext* c) const {
    redisFree(c);
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
    if (endpoint_.is_cluster())
        cluster_ = std::make_unique<RedisCluster>(endpoint_, timeout_);
    else
        connect();
}

RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&&) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&&) noexcept = default;

void RedisConnection::connect() {
    const timeval tv = to_timeval(timeout_);
    redisContext* c = endpoint_.unix_path.empty()
                          ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv)
                          : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), tv);
    if (!c) throw RedisError("Redis " + endpoint_.describe() + ": cannot allocate a context");
    context_.reset(c);
    if (c->err) fail("cannot connect");
    if (redisSetTimeout(c, tv) != REDIS_OK) fail("cannot set the timeout");
    if (!endpoint_.password.empty()) {
        RedisCommand auth{"AUTH"};
        if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
        auth.push_back(endpoint_.password);
        const auto reply = command(auth);
        // Never echo the password; Redis' own message says what went wrong.
        if (reply.is_error())
            throw RedisError("Redis " + endpoint_.describe() + ": AUTH failed: " + reply.str);
    }
    if (endpoint_.db != 0) command({"SELECT", std::to_string(endpoint_.db)}).expect_ok("SELECT");
}

void RedisConnection::fail(std::string_view what) {
    const std::string detail = context_ && context_->err ? context_->errstr : "";
    // The context is unusable after an I/O error: drop it, reconnect() makes a new one.
    context_.reset();
    pending_ = 0;
    throw RedisError("Redis " + endpoint_.describe() + ": " + std::string(what) +
                     (detail.empty() ? "" : ": " + detail));
}

ShardCache& RedisConnection::shard_cache() {
    if (!shard_cache_) shard_cache_ = std::make_unique<ShardCache>();
    return *shard_cache_;
}

void RedisConnection::reconnect() {
    context_.reset();
    ++reconnects_;
    pending_ = 0;
    if (cluster_) return cluster_->reconnect();
    connect();
}

void RedisConnection::append(const RedisCommand& args) {
    if (cluster_) {
        cluster_->append(args);
        ++pending_;
        return;
    }
    if (!context_) fail("not connected");
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(args.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
        fail("cannot queue a command");
    }
    ++pending_;
}

RedisReply RedisConnection::read() {
    if (pending_ > 0) --pending_;
    if (cluster_) {
        try {
            return cluster_->read();
        } catch (const RedisError&) {
            pending_ = 0;  // an outage: the pipeline's other replies are gone with it
            throw;
        }
    }
    if (!context_) fail("not connected");
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || !raw) fail("connection lost");
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                       freeReplyObject);
    if (reply->type == REDIS_REPLY_ERROR && not_ready({reply->str, reply->len})) {
        // The rest of a pipeline's replies are unread: the context goes too.
        const std::string error(reply->str, reply->len);
        context_.reset();
        pending_ = 0;
        throw RedisError("Redis " + endpoint_.describe() + ": not ready: " + error);
    }
    return copy_reply(reply.get());
}

void RedisConnection::flush() {
    if (cluster_) return cluster_->flush();
    if (!context_) fail("not connected");
    int done = 0;
    while (!done) {
        if (redisBufferWrite(context_.get(), &done) != REDIS_OK) fail("connection lost");
    }
}

RedisReply RedisConnection::command(const RedisCommand& args) {
    append(args);
    return read();
}

RedisReply RedisConnection::command_at(std::string_view key, const RedisCommand& args) {
    if (!cluster_) return command(args);
    cluster_->append_at(key, args);
    ++pending_;
    return read();
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<RedisCommand>& commands) {
    for (const auto& c : commands)
        append(c);
    std::vector<RedisReply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i)
        replies.push_back(read());
    return replies;
}

}  // namespace huitou
