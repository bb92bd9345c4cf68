#include "io/receipt_index.h"

#include "core/receipt_poll.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {
ReceiptIndex::ReceiptIndex(RedisConnection& redis, const ProviderConfig& provider)
    : redis_(redis), provider_(provider) {}

bool ReceiptIndex::needed() const {
    return (provider_.provider == "tencent" && provider_.tencent.receipts == ReceiptMode::push) ||
           (provider_.provider == "aliyun" && provider_.aliyun.receipts == ReceiptMode::poll);
}

void ReceiptIndex::await(const JobMessage& job, const std::string& provider_ref, SysSeconds at) {
    if (!needed()) return;
    if (provider_.provider == "tencent") {
        if (provider_ref.empty()) return;  // nothing a push could name
        const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(receipt_wait);
        redis_
            .command({"SET", keys::receipt_serial(provider_.account(), provider_ref),
                      receipt_ref(job.store, job.job_id), "EX", std::to_string(ttl.count())})
            .expect_ok("SET receipt serial");
        return;
    }
    redis_
        .command({"ZADD", keys::receipt_waits(shard_of_job(redis_, job.store, job.job_id)),
                  unix_seconds(first_receipt_query(at)), job.job_id})
        .expect_ok("ZADD receipt wait");
}

std::optional<ReceiptRef> ReceiptIndex::find_serial(const std::string& serial) {
    const auto reply = redis_.command({"GET", keys::receipt_serial(provider_.account(), serial)});
    reply.expect_ok("GET receipt serial");
    if (reply.is_nil()) return std::nullopt;
    return parse_receipt_ref(reply.str);
}

void ReceiptIndex::forget_serial(const std::string& serial) {
    redis_.command({"DEL", keys::receipt_serial(provider_.account(), serial)})
        .expect_ok("DEL receipt serial");
}

std::vector<std::string> ReceiptIndex::due(const std::string& store, SysSeconds now,
                                           std::size_t limit) {
    // Each shard's waits, up to `limit` in all.
    std::vector<std::string> out;
    for (const auto& shard : shards_of(redis_, store)) {
        if (out.size() >= limit) break;
        const auto reply =
            redis_.command({"ZRANGEBYSCORE", keys::receipt_waits(shard), "-inf", unix_seconds(now),
                            "LIMIT", "0", std::to_string(limit - out.size())});
        reply.expect_ok("ZRANGEBYSCORE receipt waits");
        for (const auto& e : reply.elements)
            out.push_back(e.str);
    }
    return out;
}

std::optional<ReceiptIndex::Facts> ReceiptIndex::facts(const std::string& store,
                                                       const std::string& job_id) {
    const auto reply =
        redis_.command({"HMGET", keys::job(shard_of_job(redis_, store, job_id), job_id), "state",
                        "to", "provider_ref", "dlr_status", "finished_at"});
    reply.expect_ok("HMGET job");
    if (reply.elements.size() != 5 || reply.elements[0].is_nil()) return std::nullopt;
    Facts f;
    f.state = reply.elements[0].str;
    f.to = reply.elements[1].str;
    f.provider_ref = reply.elements[2].str;
    f.dlr_status = reply.elements[3].str;
    try {
        if (!reply.elements[4].str.empty())
            f.sent_at = SysSeconds{std::chrono::seconds{std::stoll(reply.elements[4].str)}};
    } catch (const std::exception&) {
        // A damaged time: asked about as if sent now would be wrong; treated as unknown.
    }
    return f;
}

void ReceiptIndex::reschedule(const std::string& store, const std::string& job_id, SysSeconds at) {
    redis_
        .command({"ZADD", keys::receipt_waits(shard_of_job(redis_, store, job_id)), "XX",
                  unix_seconds(at), job_id})
        .expect_ok("ZADD receipt wait");
}

void ReceiptIndex::drop(const std::string& store, const std::string& job_id) {
    redis_.command({"ZREM", keys::receipt_waits(shard_of_job(redis_, store, job_id)), job_id})
        .expect_ok("ZREM receipt wait");
}

}  // namespace huitou
