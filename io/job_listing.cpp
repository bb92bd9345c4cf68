#include "io/job_listing.h"

#include <algorithm>

#include "io/redis_keys.h"

namespace huitou {

bool matches(const Job& job, const JobFilter& filter) {
    if (filter.state && job.state != *filter.state) return false;
    if (!filter.member_id.empty() && job.member_id != filter.member_id) return false;
    if (!filter.date.empty() && format_date(job.occasion_date) != filter.date) return false;
    return true;
}

JobListing::JobListing(RedisConnection& redis) : redis_(redis), retry_("retry_failed") {}

std::vector<Job> JobListing::find(const std::string& store, const JobFilter& filter) {
    const std::string prefix = keys::job_prefix(store);
    // Glob metacharacters in a member id are matched literally by the check below.
    std::string pattern = prefix + "*";
    if (!filter.member_id.empty() && filter.member_id.find_first_of("*?[]\\") == std::string::npos)
        pattern = prefix + "*:" + filter.member_id + ":*";
    std::vector<Job> out;
    std::string cursor = "0";
    do {
        const auto reply = redis_.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
        reply.expect_ok("SCAN");
        if (reply.elements.size() != 2) break;
        cursor = reply.elements[0].str;
        std::vector<RedisCommand> reads;
        for (const auto& key : reply.elements[1].elements)
            reads.push_back({"HGETALL", key.str});
        const auto hashes = redis_.pipeline(reads);
        for (std::size_t i = 0; i < hashes.size(); ++i) {
            FieldMap fields;
            const auto& e = hashes[i].elements;
            for (std::size_t f = 0; f + 1 < e.size(); f += 2)
                fields.emplace(e[f].str, e[f + 1].str);
            auto job = job_from_fields(store, reads[i][1].substr(prefix.size()), fields);
            if (job && matches(*job, filter)) out.push_back(std::move(*job));
        }
    } while (cursor != "0");
    std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
    return out;
}

JobListing::Retry JobListing::retry(const std::string& store, const std::string& job_id,
                                    SysSeconds now) {
    const auto reply =
        retry_.run(redis_, {keys::job(store, job_id), keys::due(store), keys::counts(store)},
                   {job_id, std::to_string(now.time_since_epoch().count())});
    reply.expect_ok("retry_failed");
    if (reply.integer == 1) return Retry::planned;
    return reply.integer < 0 ? Retry::expired : Retry::not_failed;
}

}  // namespace huitou
