#include "io/sheet_store.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "core/separated_list.h"
#include "core/sms_text.h"
#include "io/redis_keys.h"

namespace huitou {
namespace {

// A script call's size: big enough that the call's cost is shared, small
// enough not to hold Redis long (the claim waits behind it).
constexpr std::size_t kRecordsPerCall = 300;

}  // namespace

SheetStore::SheetStore(RedisConnection& redis) : redis_(redis), plan_("plan_records") {}

int SheetStore::layout(const std::string& store) {
    const auto reply = redis_.command({"GET", keys::jobs_version(store)});
    reply.expect_ok("GET jobs:v");
    if (reply.type != RedisReply::Type::string) return hash_layout;
    if (reply.str == "1") return hash_layout;
    if (reply.str == "2") return sheet_layout;
    throw RedisReplyError("GET " + keys::jobs_version(store), "not a job layout: " + reply.str);
}

void SheetStore::set_layout(const std::string& store, int layout) {
    redis_.command({"SET", keys::jobs_version(store), std::to_string(layout)})
        .expect_ok("SET jobs:v");
}

namespace {

// A day's `n` as Redis answered it: a positive count, else RedisReplyError.
int parse_sheet_count(const RedisReply& reply, const std::string& key) {
    int n = 0;
    const auto& text = reply.str;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n < 1)
        throw RedisReplyError("HGET " + key + " n", "not a sheet count: " + text);
    return n;
}

}  // namespace

int SheetStore::sheets_for_day(const std::string& store, const Date& day, std::size_t expected) {
    const auto key = keys::sheets(only_shard(store), format_date(day));
    const auto replies = redis_.pipeline(
        {{"HSETNX", key, "n", std::to_string(sheet_count(expected))}, {"HGET", key, "n"}});
    replies[0].expect_ok("HSETNX sheets n");
    replies[1].expect_ok("HGET sheets n");
    return parse_sheet_count(replies[1], key);
}

std::optional<int> SheetStore::day_sheet_count(const std::string& store, const Date& day) {
    const auto key = keys::sheets(only_shard(store), format_date(day));
    const auto reply = redis_.command({"HGET", key, "n"});
    reply.expect_ok("HGET sheets n");
    if (reply.type != RedisReply::Type::string) return std::nullopt;
    return parse_sheet_count(reply, key);
}

JobRecord SheetStore::planned_record(const Job& job, const Date& day, SysSeconds day_start) {
    JobRecord r;
    r.state = job.state == JobState::held ? JobState::held : JobState::planned;
    r.channel = job.channel;
    r.marketing = job.marketing;
    r.sms_parts = job.channel == Channel::sms
                      ? static_cast<int>(std::min<std::size_t>(sms_parts(job.text), 9))
                      : 0;
    r.due = job.due_at - day_start;
    // The joined occasions by their fields, not their ids: shorter, and
    // rebuilt to ids with the sheet's day (core/job_render.h needs which).
    if (const auto merged = job.params.find("merged"); merged != job.params.end()) {
        std::vector<std::string> fields;
        for (const auto& id : split_list(merged->second, ' ')) {
            const auto field = record_field(id, day);
            if (!field)
                throw std::invalid_argument("not a job id: " + id + " (merged into " + job.id +
                                            ")");
            fields.push_back(*field);
        }
        r.merged = join_list(fields, ',');
    }
    return r;
}

std::size_t SheetStore::plan(const std::string& store, const Date& day, SysSeconds day_start,
                             int sheets, const std::vector<Job>& jobs) {
    std::size_t created = 0;
    for (const auto& reply :
         plan_.run_many(redis_, plan_calls(store, day, day_start, sheets, jobs))) {
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

std::vector<LuaScript::Call> SheetStore::plan_calls(const std::string& store, const Date& day,
                                                    SysSeconds day_start, int sheets,
                                                    const std::vector<Job>& jobs) const {
    std::vector<LuaScript::Call> calls;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (i % kRecordsPerCall == 0) {
            calls.push_back({{keys::sheets(only_shard(store), format_date(day)),
                              keys::sheet_due(only_shard(store)), keys::counts(only_shard(store))},
                             {keys::shard_prefix(only_shard(store)), format_date(day)}});
            calls.back().args.reserve(2 + 6 * kRecordsPerCall);
        }
        const Job& job = jobs[i];
        const auto field = record_field(job.id, day);
        if (!field) throw std::invalid_argument("not a job id: " + job.id);
        const auto record = planned_record(job, day, day_start);
        auto& a = calls.back().args;
        a.push_back(std::to_string(sheet_of(job.member_id, sheets)));
        a.push_back(*field);
        a.push_back(encode_record(record));
        a.push_back(job.state == JobState::held ? std::string() : unix_seconds(job.due_at));
        a.push_back(format_date(job.occasion_date));
        a.push_back(job.holdout_record.empty()
                        ? std::string()
                        : std::string(to_string(job.kind)) + " " + job.holdout_record);
    }
    return calls;
}

void SheetStore::send_plan(const std::string& store, const Date& day, SysSeconds day_start,
                           int sheets, const std::vector<Job>& jobs) {
    if (!plan_loaded_) {
        plan_.load(redis_);
        plan_loaded_ = true;
    }
    const auto calls = plan_calls(store, day, day_start, sheets, jobs);
    for (const auto& call : calls)
        plan_.send(redis_, call);
    unread_.push_back(calls.size());
}

std::size_t SheetStore::collect_planned() {
    if (unread_.empty()) throw std::logic_error("collect_planned: nothing sent");
    std::size_t created = 0;
    for (std::size_t i = 0; i < unread_.front(); ++i) {
        const auto reply = redis_.read();
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    unread_.pop_front();
    return created;
}

void SheetStore::expire_day(const std::string& store, const Date& day, int sheets, SysSeconds at) {
    std::vector<RedisCommand> commands;
    const auto when = unix_seconds(at);
    commands.push_back({"EXPIREAT", keys::sheets(only_shard(store), format_date(day)), when});
    for (int i = 0; i < sheets; ++i)
        commands.push_back({"EXPIREAT", keys::sheet(only_shard(store), format_date(day), i), when});
    for (const auto& reply : redis_.pipeline(commands))
        reply.expect_ok("EXPIREAT sheet");
}

std::optional<JobRecord> SheetStore::record(const std::string& store, const Date& day, int sheets,
                                            const std::string& job_id) {
    const auto field = record_field(job_id, day);
    const auto parts = parse_job_id(job_id);
    if (!field || !parts) return std::nullopt;
    const auto reply = redis_.command(
        {"HGET",
         keys::sheet(only_shard(store), format_date(day), sheet_of(parts->member_id, sheets)),
         *field});
    reply.expect_ok("HGET sheet");
    if (reply.type != RedisReply::Type::string) return std::nullopt;
    const auto record = decode_record(reply.str);
    if (!record) throw RedisReplyError("HGET sheet " + *field, "a damaged record: " + reply.str);
    return record;
}

// --- Reading and cancelling records ---

namespace {

Date next_day(const Date& d) {
    return Date{date::sys_days{d} + date::days{1}};
}

// The sheet count in a `HGET sheets:<day> n` reply, or 0 (no sheets).
int count_of(const RedisReply& reply) {
    reply.expect_ok("HGET sheets n");
    if (reply.type != RedisReply::Type::string) return 0;
    const int n = std::atoi(reply.str.c_str());
    return n < 1 ? 0 : n;
}

}  // namespace

std::optional<Job> SheetStore::job_of_record(const std::string& store, const Date& day,
                                             const date::time_zone* zone, const std::string& field,
                                             const JobRecord& record, std::string_view note) {
    const auto id = job_id_of_record(field, day);
    if (!id) return std::nullopt;
    const auto parts = parse_job_id(*id);
    if (!parts) return std::nullopt;
    Job j;
    j.store = store;
    j.id = *id;
    j.kind = parts->kind;
    j.member_id = parts->member_id;
    j.occasion_date = parts->occasion;
    j.marketing = record.marketing;
    j.channel = record.channel;
    j.due_at = start_of_day(day, zone) + record.due;
    j.expires_at = start_of_day(next_day(day), zone);
    j.state = record.state;
    j.attempts = record.calls;
    j.error = note.empty() ? record.reason : std::string(note);
    if (!record.merged.empty()) {
        std::vector<std::string> ids;
        for (const auto& f : split_list(record.merged, ','))
            if (const auto joined = job_id_of_record(f, day)) ids.push_back(*joined);
        j.params["merged"] = join_list(ids, ' ');
    }
    return j;
}

std::vector<std::optional<SheetStore::Place>> SheetStore::locate(
    const std::string& store, const std::vector<std::string>& job_ids) {
    std::vector<std::optional<Place>> out(job_ids.size());
    std::vector<std::optional<JobIdParts>> parts;
    std::map<std::string, std::vector<Date>> days_of;  // occasion date → its due days
    for (const auto& id : job_ids) {
        parts.push_back(parse_job_id(id));
        if (parts.back()) days_of[format_date(parts.back()->occasion)];
    }
    if (days_of.empty()) return out;

    std::vector<RedisCommand> commands;
    for (const auto& [occasion, days] : days_of)
        commands.push_back({"SMEMBERS", keys::occasion_days(only_shard(store), occasion)});
    auto replies = redis_.pipeline(commands);
    std::map<std::string, int> counts;  // due day → its sheet count
    std::size_t r = 0;
    for (auto& [occasion, days] : days_of) {
        for (const auto& e : replies[r++].expect_ok("SMEMBERS days").elements) {
            if (const auto d = parse_date(e.str)) {
                days.push_back(*d);
                counts[e.str] = 0;
            }
        }
        std::sort(days.begin(), days.end());
    }
    if (counts.empty()) return out;

    commands.clear();
    for (const auto& [day, n] : counts)
        commands.push_back({"HGET", keys::sheets(only_shard(store), day), "n"});
    replies = redis_.pipeline(commands);
    r = 0;
    for (auto& [day, n] : counts)
        n = count_of(replies[r++]);

    // Each id's candidate places, earliest day first.
    std::vector<std::pair<std::size_t, Place>> candidates;
    commands.clear();
    for (std::size_t i = 0; i < job_ids.size(); ++i) {
        if (!parts[i]) continue;
        for (const auto& day : days_of[format_date(parts[i]->occasion)]) {
            const int n = counts[format_date(day)];
            const auto field = record_field(job_ids[i], day);
            if (n == 0 || !field) continue;
            Place p{job_ids[i], day, sheet_of(parts[i]->member_id, n), *field, {}, {}};
            commands.push_back(
                {"HGET", keys::sheet(only_shard(store), format_date(day), p.sheet), p.field});
            candidates.emplace_back(i, std::move(p));
        }
    }
    replies = redis_.pipeline(commands);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        auto& [i, place] = candidates[c];
        const auto& reply = replies[c].expect_ok("HGET sheet");
        if (out[i] || reply.type != RedisReply::Type::string) continue;
        const auto record = decode_record(reply.str);
        if (!record)
            throw RedisReplyError("HGET sheet " + place.field, "a damaged record: " + reply.str);
        place.record = *record;
        out[i] = std::move(place);
    }
    std::vector<Place> found;
    for (auto& p : out)
        if (p && p->record.error_elsewhere) found.push_back(*p);
    if (!found.empty()) {
        read_notes(store, found);
        std::size_t f = 0;
        for (auto& p : out)
            if (p && p->record.error_elsewhere) p->note = std::move(found[f++].note);
    }
    return out;
}

void SheetStore::read_notes(const std::string& store, std::vector<Place>& places) {
    std::map<Date, std::vector<std::size_t>> of_day;
    for (std::size_t i = 0; i < places.size(); ++i)
        if (places[i].record.error_elsewhere) of_day[places[i].day].push_back(i);
    if (of_day.empty()) return;
    std::vector<RedisCommand> commands;
    for (const auto& [day, at] : of_day) {
        RedisCommand hmget{"HMGET", keys::sheet_notes(only_shard(store), format_date(day))};
        for (const auto i : at)
            hmget.push_back(places[i].field);
        commands.push_back(std::move(hmget));
    }
    const auto replies = redis_.pipeline(commands);
    std::size_t r = 0;
    for (const auto& [day, at] : of_day) {
        const auto& words = replies[r++].expect_ok("HMGET notes").elements;
        for (std::size_t k = 0; k < at.size() && k < words.size(); ++k)
            if (words[k].type == RedisReply::Type::string) places[at[k]].note = words[k].str;
    }
}

std::vector<Date> SheetStore::due_days(const std::string& store, const Date& occasion) {
    const auto reply =
        redis_.command({"SMEMBERS", keys::occasion_days(only_shard(store), format_date(occasion))});
    std::vector<Date> out;
    for (const auto& e : reply.expect_ok("SMEMBERS days").elements)
        if (const auto d = parse_date(e.str)) out.push_back(*d);
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<Job> SheetStore::find(const std::string& store, const std::string& job_id,
                                    const date::time_zone* zone) {
    const auto place = locate(store, {job_id}).at(0);
    if (!place) return std::nullopt;
    return job_of_record(store, place->day, zone, place->field, place->record, place->note);
}

std::vector<SheetStore::Place> SheetStore::day_records(const std::string& store, const Date& day) {
    const std::string d = format_date(day);
    const int n = count_of(redis_.command({"HGET", keys::sheets(only_shard(store), d), "n"}));
    std::vector<RedisCommand> commands;
    for (int i = 0; i < n; ++i)
        commands.push_back({"HGETALL", keys::sheet(only_shard(store), d, i)});
    std::vector<Place> out;
    const auto replies = redis_.pipeline(commands);
    for (int i = 0; i < n; ++i) {
        const auto& flat = replies[static_cast<std::size_t>(i)].expect_ok("HGETALL sheet").elements;
        for (std::size_t k = 0; k + 1 < flat.size(); k += 2) {
            // A listing shows what it can read: a damaged record is left out
            // rather than hiding the whole day.
            auto id = job_id_of_record(flat[k].str, day);
            auto record = decode_record(flat[k + 1].str);
            if (id && record) out.push_back({std::move(*id), day, i, flat[k].str, *record, {}});
        }
    }
    read_notes(store, out);
    return out;
}

std::vector<Job> SheetStore::day_jobs(const std::string& store, const Date& day,
                                      const date::time_zone* zone) {
    std::vector<Job> out;
    for (const auto& p : day_records(store, day))
        if (auto j = job_of_record(store, day, zone, p.field, p.record, p.note))
            out.push_back(std::move(*j));
    return out;
}

std::vector<SheetStore::Place> SheetStore::member_records(const std::string& store, const Date& day,
                                                          const std::string& member) {
    return member_records(store, std::vector<Date>{day}, member);
}

std::vector<SheetStore::Place> SheetStore::member_records(const std::string& store,
                                                          const std::vector<Date>& days,
                                                          const std::string& member) {
    std::vector<RedisCommand> commands;
    for (const auto& day : days)
        commands.push_back({"HGET", keys::sheets(only_shard(store), format_date(day)), "n"});
    const auto counts = redis_.pipeline(commands);
    // A field is "<kind letter><member>…": any letter, then the member.
    const std::string pattern = "?" + keys::glob_literal(member) + "*";
    struct Scan {
        Date day;
        int sheet;
        std::string cursor;
    };
    std::vector<Scan> scans;
    for (std::size_t i = 0; i < days.size(); ++i) {
        if (const int n = count_of(counts[i]); n > 0)
            scans.push_back({days[i], sheet_of(member, n), "0"});
    }
    std::vector<Place> out;
    while (!scans.empty()) {
        commands.clear();
        for (const auto& s : scans)
            commands.push_back({"HSCAN",
                                keys::sheet(only_shard(store), format_date(s.day), s.sheet),
                                s.cursor, "MATCH", pattern, "COUNT", "1000"});
        const auto replies = redis_.pipeline(commands);
        std::vector<Scan> more;
        for (std::size_t i = 0; i < scans.size(); ++i) {
            const auto& reply = replies[i].expect_ok("HSCAN sheet");
            if (reply.elements.size() != 2) continue;
            const auto& flat = reply.elements[1].elements;
            for (std::size_t k = 0; k + 1 < flat.size(); k += 2) {
                // MATCH is a first cut: "?M1*" also matches M10's fields.
                if (record_member(flat[k].str) != member) continue;
                auto id = job_id_of_record(flat[k].str, scans[i].day);
                auto record = decode_record(flat[k + 1].str);
                if (id && record)
                    out.push_back(
                        {std::move(*id), scans[i].day, scans[i].sheet, flat[k].str, *record, {}});
            }
            if (reply.elements[0].str != "0")
                more.push_back({scans[i].day, scans[i].sheet, reply.elements[0].str});
        }
        scans = std::move(more);
    }
    read_notes(store, out);
    return out;
}

std::vector<std::optional<JobState>> SheetStore::cancel(const std::string& store,
                                                        const std::vector<Place>& places,
                                                        SysSeconds at, const std::string& error,
                                                        const std::string& reason,
                                                        const std::string& code,
                                                        std::optional<Channel> channel) {
    if (!is_record_reason(code)) throw std::invalid_argument("not a record reason: " + code);
    std::vector<std::optional<JobState>> out;
    if (places.empty()) return out;
    static const LuaScript cancel_records("cancel_records");
    std::vector<std::string> args{unix_seconds(at),
                                  keys::shard_prefix(only_shard(store)),
                                  error,
                                  reason,
                                  code,
                                  channel ? std::string(to_string(*channel)) : std::string()};
    for (const auto& p : places) {
        args.push_back(format_date(p.day));
        args.push_back(std::to_string(p.sheet));
        args.push_back(p.field);
    }
    const auto reply = cancel_records.run(
        redis_,
        {keys::counts(only_shard(store)), keys::sheet_due(only_shard(store)),
         keys::webhooks_on(only_shard(store)), keys::webhook_events(only_shard(store))},
        args);
    reply.expect_ok("cancel_records");
    if (reply.elements.size() != places.size())
        throw RedisReplyError("cancel_records", "unexpected reply");
    for (const auto& e : reply.elements) {
        const auto record = e.str.empty() ? std::nullopt : decode_record(e.str);
        const bool other_channel = record && channel && record->channel != *channel;
        out.push_back(record && !other_channel ? std::optional<JobState>(record->state)
                                               : std::nullopt);
    }
    return out;
}

void SheetStore::each_record(const std::string& store, const std::vector<Date>& days,
                             const std::function<void(const Place&)>& each,
                             std::size_t sheets_per_read) {
    if (days.empty()) return;
    std::vector<RedisCommand> commands;
    for (const auto& day : days)
        commands.push_back({"HGET", keys::sheets(only_shard(store), format_date(day)), "n"});
    const auto counts = redis_.pipeline(commands);
    std::vector<std::pair<std::size_t, int>> sheets;  // (index into days, sheet)
    for (std::size_t d = 0; d < days.size(); ++d) {
        const int n = count_of(counts[d]);
        for (int i = 0; i < n; ++i)
            sheets.emplace_back(d, i);
    }
    const std::size_t slice = std::max<std::size_t>(sheets_per_read, 1);
    for (std::size_t first = 0; first < sheets.size(); first += slice) {
        const std::size_t last = std::min(sheets.size(), first + slice);
        commands.clear();
        for (std::size_t s = first; s < last; ++s)
            commands.push_back(
                {"HGETALL", keys::sheet(only_shard(store), format_date(days[sheets[s].first]),
                                        sheets[s].second)});
        const auto replies = redis_.pipeline(commands);
        std::vector<Place> places;
        for (std::size_t s = first; s < last; ++s) {
            const Date& day = days[sheets[s].first];
            const auto& flat = replies[s - first].expect_ok("HGETALL sheet").elements;
            for (std::size_t k = 0; k + 1 < flat.size(); k += 2) {
                auto id = job_id_of_record(flat[k].str, day);
                auto record = decode_record(flat[k + 1].str);
                if (id && record)
                    places.push_back(
                        Place{std::move(*id), day, sheets[s].second, flat[k].str, *record, {}});
            }
        }
        read_notes(store, places);
        for (const auto& p : places)
            each(p);
    }
}

namespace {

std::string layout_day_key(const std::string& store) {
    return keys::store_prefix(store) + "jobs:v2day";
}

}  // namespace

void mark_layout_day(RedisConnection& redis, const std::string& store, const Date& day) {
    redis.command({"SET", layout_day_key(store), format_date(day), "NX"})
        .expect_ok("SET jobs:v2day");
}

std::optional<Date> layout_day(RedisConnection& redis, const std::string& store) {
    const auto reply = redis.command({"GET", layout_day_key(store)});
    reply.expect_ok("GET jobs:v2day");
    // A value that is not a day is no evidence: the readers keep the SCAN.
    if (reply.type != RedisReply::Type::string) return std::nullopt;
    return parse_date(reply.str);
}

}  // namespace huitou
