#include "io/job_listing.h"

#include <algorithm>
#include <charconv>

#include "core/visit_cycle.h"
#include "core/visit_state.h"
#include "core/welcome.h"
#include "core/winback.h"
#include "io/redis_fields.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"

namespace huitou {

namespace {

long long whole_days(std::chrono::seconds s) {
    return s.count() / 86400;
}

}  // namespace

bool matches(const Job& job, const JobFilter& filter) {
    if (filter.state && job.state != *filter.state) return false;
    if (!filter.member_id.empty() && job.member_id != filter.member_id) return false;
    if (!filter.date.empty() && format_date(job.occasion_date) != filter.date) return false;
    return true;
}

std::vector<Date> kept_days(const Date& today, std::chrono::seconds retention) {
    std::vector<Date> out;
    for (long long d = 0; d <= whole_days(retention); ++d)
        out.push_back(Date{date::sys_days{today} - date::days{d}});
    return out;
}

bool may_hold_layout1_hashes(const Date& moved, const Date& today, std::chrono::seconds retention) {
    // A layout-1 hash of the move's day (or the day after, planned ahead)
    // expires `retention` after that day's end; rounded up to whole days.
    const long long kept = (retention.count() + 86399) / 86400;
    return date::sys_days{today} < date::sys_days{moved} + date::days{kept + 2};
}

JobListing::JobListing(RedisConnection& redis) : redis_(redis), retry_("retry_failed") {}

std::vector<Job> JobListing::find(const StoreConfig& store, const JobFilter& filter,
                                  const Date& today, std::chrono::seconds retention) {
    SheetStore sheets(redis_);
    if (sheets.layout(store.id) != sheet_layout) return find_hashes(store.id, filter);

    std::vector<Date> days;
    if (!filter.date.empty()) {
        if (const auto occasion = parse_date(filter.date))
            days = sheets.due_days(store.id, *occasion);
    } else {
        days = kept_days(today, retention);
    }
    std::vector<SheetStore::Place> places;
    if (!filter.member_id.empty()) {
        places = sheets.member_records(store.id, days, filter.member_id);
    } else {
        for (const auto& day : days) {
            auto more = sheets.day_records(store.id, day);
            places.insert(places.end(), more.begin(), more.end());
        }
    }
    std::vector<Job> records;
    std::vector<std::string> claimed;  // `d`: the hash holds the job
    for (const auto& p : places) {
        if (p.record.state == JobState::dispatched) {
            claimed.push_back(p.job_id);
            continue;
        }
        auto job =
            SheetStore::job_of_record(store.id, p.day, store.zone, p.field, p.record, p.note);
        if (job && matches(*job, filter)) records.push_back(std::move(*job));
    }

    std::vector<Job> out;
    const auto moved = filter.member_id.empty() ? std::nullopt : layout_day(redis_, store.id);
    if (moved && !may_hold_layout1_hashes(*moved, today, retention)) {
        // Her hashes by key: the claimed records', the win-back reminders'
        // and her welcomes'.
        auto ids = winback_ids(store, filter.member_id);
        ids.insert(ids.end(), claimed.begin(), claimed.end());
        for (auto& id : welcome_ids(store, filter.member_id))
            ids.push_back(std::move(id));
        out = read_hashes(store.id, ids, filter);
    } else {
        out = find_hashes(store.id, filter);
    }
    // Hashes first: a record read as planned and claimed before the hashes
    // were read is listed once, as its hash says.
    out.insert(out.end(), std::make_move_iterator(records.begin()),
               std::make_move_iterator(records.end()));
    std::stable_sort(out.begin(), out.end(),
                     [](const Job& a, const Job& b) { return a.id < b.id; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const Job& a, const Job& b) { return a.id == b.id; }),
              out.end());
    return out;
}

std::vector<Job> JobListing::find_hashes(const std::string& store, const JobFilter& filter) {
    // A member's hashes are in her shard; anyone's in any shard.
    std::vector<Shard> shards;
    if (filter.member_id.empty())
        shards = shards_of(redis_, store);
    else
        shards.push_back(shard_of_member(redis_, store, filter.member_id));
    std::vector<Job> out;
    for (const auto& shard : shards) {
        const std::string prefix = keys::job_prefix(shard);
        // Glob metacharacters in a member id are matched literally by the check below.
        std::string pattern = prefix + "*";
        if (!filter.member_id.empty() &&
            filter.member_id.find_first_of("*?[]\\") == std::string::npos)
            pattern = prefix + "*:" + filter.member_id + ":*";
        scan_all(redis_, {"SCAN", "MATCH", pattern, "COUNT", "1000"}, [&](const RedisReply& page) {
            std::vector<std::string> ids;
            for (const auto& key : page.elements)
                ids.push_back(key.str.substr(prefix.size()));
            auto found = read_hashes(store, ids, filter);
            out.insert(out.end(), std::make_move_iterator(found.begin()),
                       std::make_move_iterator(found.end()));
        });
    }
    std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
    return out;
}

std::vector<Job> JobListing::read_hashes(const std::string& store,
                                         const std::vector<std::string>& job_ids,
                                         const JobFilter& filter) {
    std::vector<RedisCommand> reads;
    for (const auto& id : job_ids)
        reads.push_back({"HGETALL", keys::job(shard_of_job(redis_, store, id), id)});
    const auto hashes = redis_.pipeline(reads);
    std::vector<Job> out;
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        // An id read by key may have no hash (a reminder never planned, a
        // hash past its retention): HGETALL answers nothing.
        if (hashes[i].expect_ok("HGETALL job").elements.empty()) continue;
        auto job = job_from_fields(store, job_ids[i], field_map(hashes[i]));
        if (job && matches(*job, filter)) out.push_back(std::move(*job));
    }
    return out;
}

std::vector<std::string> JobListing::winback_ids(const StoreConfig& store,
                                                 const std::string& member) {
    const auto reply = redis_.command(
        {"HGETALL", keys::visit_state(shard_of_member(redis_, store.id, member), member)});
    reply.expect_ok("HGETALL visit state");
    const auto state = visit_state_from_fields(field_map(reply));
    if (!state) return {};
    // An episode is named by the visit it began after; the member's latest
    // visits are kept (winback.history), so are the names of her episodes
    // whose reminders can still be kept. The current episode may have
    // planned more steps than today's config names.
    std::vector<Date> episodes{state->last_date};
    for (const auto& v : state->history)
        episodes.push_back(date_of_day(v.day));
    std::sort(episodes.begin(), episodes.end());
    episodes.erase(std::unique(episodes.begin(), episodes.end()), episodes.end());
    const int steps = std::max(store.winback.max_messages(), state->step);
    std::vector<std::string> out;
    for (const auto& e : episodes)
        for (int step = 1; step <= steps; ++step)
            out.push_back(winback_job_id(member, e, step));
    return out;
}

std::vector<std::string> JobListing::welcome_ids(const StoreConfig& store,
                                                 const std::string& member) {
    std::vector<std::string> out;
    for (const Channel c : {Channel::sms, Channel::wechat}) {
        const auto reply =
            redis_.command({"HGET", keys::welcomed(shard_of_member(redis_, store.id, member)),
                            welcomed_field(member, c)});
        reply.expect_ok("HGET welcomed");
        long long at = 0;
        const auto& v = reply.str;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), at);
        if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) continue;
        const Date day = local_date(SysSeconds{std::chrono::seconds{at}}, store.zone);
        out.push_back(make_job_id(Kind::welcome, member, day, to_string(c)));
    }
    return out;
}

JobListing::Retry JobListing::retry(const std::string& store, const std::string& job_id,
                                    SysSeconds now) {
    const Shard shard = shard_of_job(redis_, store, job_id);
    const auto reply =
        retry_.run(redis_, {keys::job(shard, job_id), keys::due(shard), keys::counts(shard)},
                   {job_id, std::to_string(now.time_since_epoch().count())});
    reply.expect_ok("retry_failed");
    if (reply.integer == 1) return Retry::planned;
    return reply.integer < 0 ? Retry::expired : Retry::not_failed;
}

}  // namespace huitou
