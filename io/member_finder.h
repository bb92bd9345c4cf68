// member_finder.h — the counter's member search in Redis, and the indexes it
// reads built for members written before they existed.
//
// The search reads the index hashes core/member_search.h names (nm:, p4:)
// and the member's own key for a member number: a few HKEYS and one
// pipelined HGETALL per batch of candidates, so its cost grows with the
// members a query names, not with the store (bench/console.cpp: 100,000
// members). Each candidate is checked against the member as stored before
// it is shown.
//
// The indexes are kept by every member write (core/member_write.h). Members
// written by a version without them are not found by name or phone until
// `huitou members reindex --store S` has run once (reindex below: it reads
// every member of the store through the birthday partition, like a festival's
// planning, and adds their entries; safe to run again, and while the
// scheduler runs — a member renamed meanwhile may keep an extra entry,
// which the check above hides and the member's next write does not remove).
#pragma once

#include <string>
#include <vector>

#include "core/member.h"
#include "core/member_search.h"
#include "io/redis_connection.h"

namespace huitou {

struct MemberMatches {
    std::vector<Member>
        members;        // the member number's first, then by phone, then by name; by id within
    bool more = false;  // there were more than the limit
};

class MemberFinder {
  public:
    explicit MemberFinder(RedisConnection& redis);

    // The members of `store` that `query` names (its member number, the
    // phone's last four digits, the beginning of the name or given name),
    // at most `limit`. Throws RedisError.
    MemberMatches find(const std::string& store, const MemberQuery& query, std::size_t limit);

    // Adds the search index entries of every member of `store`, and her
    // openid's (o2:, core/member_write.h: what an opt-out naming only an
    // openid reads); returns the members read. Throws RedisError.
    std::size_t reindex(const std::string& store);

  private:
    std::vector<std::string> index_ids(const std::string& store, const std::string& suffix);

    RedisConnection& redis_;
};

}  // namespace huitou
