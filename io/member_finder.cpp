#include "io/member_finder.h"

#include <algorithm>
#include <unordered_set>

#include "core/member_write.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

namespace huitou {

MemberFinder::MemberFinder(RedisConnection& redis) : redis_(redis) {}

std::vector<std::string> MemberFinder::index_ids(const std::string& store,
                                                 const std::string& suffix) {
    // Each shard indexes its own members: the store's are their union.
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        commands.push_back({"HKEYS", keys::index(shard, suffix)});
    std::vector<std::string> ids;
    for (auto& reply : redis_.pipeline(commands)) {
        reply.expect_ok("HKEYS index");
        for (auto& id : reply.elements)
            ids.push_back(std::move(id.str));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

MemberMatches MemberFinder::find(const std::string& store, const MemberQuery& query,
                                 std::size_t limit) {
    // Candidates in the order they are shown, each once.
    std::vector<std::string> candidates;
    std::unordered_set<std::string> seen;
    auto add = [&](std::vector<std::string> ids) {
        for (auto& id : ids)
            if (seen.insert(id).second) candidates.push_back(std::move(id));
    };
    if (query.may_be_id) add({query.text});
    if (!query.last4.empty()) add(index_ids(store, phone_index_key(query.last4)));
    if (const auto key = query.name_index_key(); !key.empty()) add(index_ids(store, key));

    MemberMatches out;
    MemberStore members(redis_);
    // Read a batch at a time until one more than the limit has passed: a
    // common surname lists thousands, of whom 50 are shown.
    const std::size_t batch = limit + 1;
    for (std::size_t first = 0; first < candidates.size() && out.members.size() <= limit;
         first += batch) {
        const auto end = candidates.begin() +
                         static_cast<std::ptrdiff_t>(std::min(candidates.size(), first + batch));
        const std::vector<std::string> ids(candidates.begin() + static_cast<std::ptrdiff_t>(first),
                                           end);
        // The stored member must still pass one of the query's tests: an
        // index entry may outlive a rename (see reindex).
        for (auto& m : members.get_many(store, ids)) {
            if ((query.may_be_id && m.id == query.text) || phone_matches(m, query.last4) ||
                (!query.name.empty() && name_matches(m, query.name)))
                out.members.push_back(std::move(m));
        }
    }
    if (out.members.size() > limit) {
        out.members.resize(limit);
        out.more = true;
    }
    return out;
}

std::size_t MemberFinder::reindex(const std::string& store) {
    // for_each_member must not share the connection with its callback: the
    // entries are gathered first (a few short strings a member) and written
    // after, pipelined.
    std::vector<std::pair<std::string, std::vector<std::string>>> entries;
    MemberStore(redis_).for_each_member(store, 1000, [&entries](const std::vector<Member>& batch) {
        for (const auto& m : batch) {
            auto keys = search_index_keys(m);
            // Not a search index, but as new: the opt-out's by openid (o2:).
            if (auto key = openid_index_key(m.wechat_openid); !key.empty())
                keys.push_back(std::move(key));
            entries.emplace_back(m.id, std::move(keys));
        }
    });
    constexpr std::size_t kPipeline = 1000;
    const int k = shard_count(redis_, store);  // read before the pipeline
    std::size_t sent = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        for (const auto& suffix : entries[i].second) {
            const Shard shard{store, k, member_shard(entries[i].first, k)};
            redis_.append({"HSET", keys::index(shard, suffix), entries[i].first, ""});
            ++sent;
        }
        if (sent >= kPipeline || i + 1 == entries.size()) {
            for (; sent > 0; --sent)
                redis_.read().expect_ok("HSET index");
        }
    }
    return entries.size();
}

}  // namespace huitou
