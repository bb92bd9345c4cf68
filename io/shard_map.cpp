#include "io/shard_map.h"

#include <stdexcept>

#include "io/redis_keys.h"

namespace huitou {

const ShardRecord& ShardCache::of(RedisConnection& redis, std::string_view store) {
    const auto now = std::chrono::steady_clock::now();
    auto it = entries_.find(store);
    if (it != entries_.end() && (now - it->second.read_at < kFresh || redis.pending() > 0))
        return it->second.record;
    if (redis.pending() > 0)
        throw std::logic_error("the shard record of store " + std::string(store) +
                               " was first needed inside a pipeline");
    const auto key = keys::shard_record(store);
    const auto reply = redis.command({"HGETALL", key});
    reply.expect_ok("HGETALL " + key);
    std::map<std::string, std::string, std::less<>> fields;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        fields.emplace(reply.elements[i].str, reply.elements[i + 1].str);
    const auto record = parse_shard_record(fields);
    if (!record)
        throw RedisReplyError("HGETALL " + key, "not a shard record this build can route by");
    if (it == entries_.end()) it = entries_.emplace(std::string(store), Entry{}).first;
    it->second = Entry{*record, now};
    return it->second.record;
}

void ShardCache::forget(std::string_view store) {
    if (const auto it = entries_.find(store); it != entries_.end()) entries_.erase(it);
}

int shard_count(RedisConnection& redis, std::string_view store) {
    return redis.shard_cache().of(redis, store).k;
}

std::vector<Shard> shards_of(RedisConnection& redis, std::string_view store) {
    return all_shards(store, shard_count(redis, store));
}

Shard shard_of_member(RedisConnection& redis, std::string_view store, std::string_view member) {
    const int k = shard_count(redis, store);
    return Shard{std::string(store), k, member_shard(member, k)};
}

Shard shard_of_job(RedisConnection& redis, std::string_view store, std::string_view job_id) {
    const int k = shard_count(redis, store);
    return Shard{std::string(store), k, job_shard(job_id, k).value_or(0)};
}

void forget_shards(RedisConnection& redis, std::string_view store) {
    redis.shard_cache().forget(store);
}

}  // namespace huitou
