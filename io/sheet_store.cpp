#include "io/sheet_store.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "core/separated_list.h"
#include "core/sms_text.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"

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

// The sheet count in a `HGET sheets:<day> n` reply, or 0 (no sheets).
int count_of(const RedisReply& reply) {
    reply.expect_ok("HGET sheets n");
    if (reply.type != RedisReply::Type::string) return 0;
    const int n = std::atoi(reply.str.c_str());
    return n < 1 ? 0 : n;
}

}  // namespace

DaySheets SheetStore::sheets_for_day(const std::string& store, const Date& day,
                                     std::size_t expected) {
    const auto shards = shards_of(redis_, store);
    const auto even = even_day_sheets(expected, static_cast<int>(shards.size()));
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards) {
        const auto key = keys::sheets(shard, format_date(day));
        commands.push_back({"HSETNX", key, "n",
                            std::to_string(even.counts[static_cast<std::size_t>(shard.index)])});
        commands.push_back({"HGET", key, "n"});
    }
    const auto replies = redis_.pipeline(commands);
    DaySheets out;
    for (const auto& shard : shards) {
        const auto i = static_cast<std::size_t>(shard.index);
        replies[2 * i].expect_ok("HSETNX sheets n");
        replies[2 * i + 1].expect_ok("HGET sheets n");
        out.counts.push_back(
            parse_sheet_count(replies[2 * i + 1], keys::sheets(shard, format_date(day))));
    }
    return out;
}

DaySheets SheetStore::day_sheets(const std::string& store, const Date& day, std::size_t expected) {
    const auto shards = shards_of(redis_, store);
    auto out = even_day_sheets(expected, static_cast<int>(shards.size()));
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards)
        commands.push_back({"HGET", keys::sheets(shard, format_date(day)), "n"});
    const auto replies = redis_.pipeline(commands);
    for (const auto& shard : shards) {
        const auto i = static_cast<std::size_t>(shard.index);
        replies[i].expect_ok("HGET sheets n");
        if (replies[i].type == RedisReply::Type::string)
            out.counts[i] = parse_sheet_count(replies[i], keys::sheets(shard, format_date(day)));
    }
    return out;
}

std::vector<int> SheetStore::set_counts(const std::string& store, const Date& day) {
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        commands.push_back({"HGET", keys::sheets(shard, format_date(day)), "n"});
    std::vector<int> out;
    for (const auto& reply : redis_.pipeline(commands))
        out.push_back(count_of(reply));
    return out;
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
                             const DaySheets& sheets, const std::vector<Job>& jobs) {
    std::size_t created = 0;
    for (const auto& reply :
         plan_.run_many(redis_, plan_calls(store, day, day_start, sheets, jobs))) {
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

std::vector<LuaScript::Call> SheetStore::plan_calls(const std::string& store, const Date& day,
                                                    SysSeconds day_start, const DaySheets& sheets,
                                                    const std::vector<Job>& jobs) const {
    // A call a shard (plan_records.lua touches one tag), of at most
    // kRecordsPerCall records.
    std::vector<LuaScript::Call> calls;
    std::map<int, std::pair<std::size_t, std::size_t>> open;  // shard → (call, records in it)
    for (const Job& job : jobs) {
        const auto place = sheets.of(job.member_id);
        auto it = open.find(place.shard);
        if (it == open.end() || it->second.second == kRecordsPerCall) {
            const Shard shard{store, sheets.shards(), place.shard};
            calls.push_back({{keys::sheets(shard, format_date(day)), keys::sheet_due(shard),
                              keys::counts(shard)},
                             {keys::shard_prefix(shard), format_date(day)}});
            calls.back().args.reserve(2 + 6 * kRecordsPerCall);
            it = open.insert_or_assign(place.shard, std::pair{calls.size() - 1, std::size_t{0}})
                     .first;
        }
        ++it->second.second;
        const auto field = record_field(job.id, day);
        if (!field) throw std::invalid_argument("not a job id: " + job.id);
        const auto record = planned_record(job, day, day_start);
        auto& a = calls[it->second.first].args;
        a.push_back(std::to_string(place.sheet));
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
                           const DaySheets& sheets, const std::vector<Job>& jobs) {
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
    std::vector<RedisReply> replies;
    for (std::size_t i = 0; i < unread_.front(); ++i)
        replies.push_back(redis_.read());
    unread_.pop_front();
    std::size_t created = 0;
    for (const auto& reply : replies) {
        LuaScript::throw_if_frozen(redis_, reply);
        reply.expect_ok("plan_records");
        created += static_cast<std::size_t>(reply.integer);
    }
    return created;
}

void SheetStore::expire_day(const std::string& store, const Date& day, const DaySheets& sheets,
                            SysSeconds at) {
    std::vector<RedisCommand> commands;
    const auto when = unix_seconds(at);
    for (int s = 0; s < sheets.shards(); ++s) {
        const Shard shard{store, sheets.shards(), s};
        commands.push_back({"EXPIREAT", keys::sheets(shard, format_date(day)), when});
        for (int i = 0; i < sheets.counts[static_cast<std::size_t>(s)]; ++i)
            commands.push_back({"EXPIREAT", keys::sheet(shard, format_date(day), i), when});
    }
    for (const auto& reply : redis_.pipeline(commands))
        reply.expect_ok("EXPIREAT sheet");
}

std::optional<JobRecord> SheetStore::record(const std::string& store, const Date& day,
                                            const DaySheets& sheets, const std::string& job_id) {
    const auto field = record_field(job_id, day);
    const auto parts = parse_job_id(job_id);
    if (!field || !parts) return std::nullopt;
    const auto place = sheets.of(parts->member_id);
    const auto reply = redis_.command(
        {"HGET",
         keys::sheet(Shard{store, sheets.shards(), place.shard}, format_date(day), place.sheet),
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
    std::vector<int> shard_of;  // each id's shard (its member's)
    const int k = shard_count(redis_, store);
    // (shard, occasion date) → its due days in that shard
    std::map<std::pair<int, std::string>, std::vector<Date>> days_of;
    for (const auto& id : job_ids) {
        parts.push_back(parse_job_id(id));
        shard_of.push_back(parts.back() ? member_shard(parts.back()->member_id, k) : 0);
        if (parts.back()) days_of[{shard_of.back(), format_date(parts.back()->occasion)}];
    }
    if (days_of.empty()) return out;

    std::vector<RedisCommand> commands;
    for (const auto& [at, days] : days_of)
        commands.push_back({"SMEMBERS", keys::occasion_days(Shard{store, k, at.first}, at.second)});
    auto replies = redis_.pipeline(commands);
    std::map<std::pair<int, std::string>, int> counts;  // (shard, due day) → its sheet count
    std::size_t r = 0;
    for (auto& [at, days] : days_of) {
        for (const auto& e : replies[r++].expect_ok("SMEMBERS days").elements) {
            if (const auto d = parse_date(e.str)) {
                days.push_back(*d);
                counts[{at.first, e.str}] = 0;
            }
        }
        std::sort(days.begin(), days.end());
    }
    if (counts.empty()) return out;

    commands.clear();
    for (const auto& [at, n] : counts)
        commands.push_back({"HGET", keys::sheets(Shard{store, k, at.first}, at.second), "n"});
    replies = redis_.pipeline(commands);
    r = 0;
    for (auto& [at, n] : counts)
        n = count_of(replies[r++]);

    // Each id's candidate places, earliest day first.
    std::vector<std::pair<std::size_t, Place>> candidates;
    commands.clear();
    for (std::size_t i = 0; i < job_ids.size(); ++i) {
        if (!parts[i]) continue;
        const int shard = shard_of[i];
        for (const auto& day : days_of[{shard, format_date(parts[i]->occasion)}]) {
            const int n = counts[{shard, format_date(day)}];
            const auto field = record_field(job_ids[i], day);
            if (n == 0 || !field) continue;
            Place p{job_ids[i], day, shard, sheet_of(parts[i]->member_id, n), *field, {}, {}};
            commands.push_back(
                {"HGET", keys::sheet(Shard{store, k, shard}, format_date(day), p.sheet), p.field});
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
    std::map<std::pair<int, Date>, std::vector<std::size_t>> of_day;  // (shard, day) → places
    for (std::size_t i = 0; i < places.size(); ++i)
        if (places[i].record.error_elsewhere) of_day[{places[i].shard, places[i].day}].push_back(i);
    if (of_day.empty()) return;
    const int k = shard_count(redis_, store);
    std::vector<RedisCommand> commands;
    for (const auto& [day, at] : of_day) {
        RedisCommand hmget{"HMGET",
                           keys::sheet_notes(Shard{store, k, day.first}, format_date(day.second))};
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
    std::vector<RedisCommand> commands;
    for (const auto& shard : shards_of(redis_, store))
        commands.push_back({"SMEMBERS", keys::occasion_days(shard, format_date(occasion))});
    std::vector<Date> out;
    for (const auto& reply : redis_.pipeline(commands))
        for (const auto& e : reply.expect_ok("SMEMBERS days").elements)
            if (const auto d = parse_date(e.str)) out.push_back(*d);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
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
    const auto counts = set_counts(store, day);
    const int k = static_cast<int>(counts.size());
    std::vector<RedisCommand> commands;
    std::vector<std::pair<int, int>> read;  // (shard, sheet) of each command
    for (int s = 0; s < k; ++s)
        for (int i = 0; i < counts[static_cast<std::size_t>(s)]; ++i) {
            commands.push_back({"HGETALL", keys::sheet(Shard{store, k, s}, d, i)});
            read.emplace_back(s, i);
        }
    std::vector<Place> out;
    const auto replies = redis_.pipeline(commands);
    for (std::size_t c = 0; c < read.size(); ++c) {
        const auto& flat = replies[c].expect_ok("HGETALL sheet").elements;
        for (std::size_t f = 0; f + 1 < flat.size(); f += 2) {
            // A listing shows what it can read: a damaged record is left out
            // rather than hiding the whole day.
            auto id = job_id_of_record(flat[f].str, day);
            auto record = decode_record(flat[f + 1].str);
            if (id && record)
                out.push_back(
                    {std::move(*id), day, read[c].first, read[c].second, flat[f].str, *record, {}});
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
    const Shard shard = shard_of_member(redis_, store, member);
    std::vector<RedisCommand> commands;
    for (const auto& day : days)
        commands.push_back({"HGET", keys::sheets(shard, format_date(day)), "n"});
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
            commands.push_back({"HSCAN", keys::sheet(shard, format_date(s.day), s.sheet), s.cursor,
                                "MATCH", pattern, "COUNT", "1000"});
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
                    out.push_back({std::move(*id),
                                   scans[i].day,
                                   shard.index,
                                   scans[i].sheet,
                                   flat[k].str,
                                   *record,
                                   {}});
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
    // One call a shard, with the places in it.
    std::map<int, std::vector<std::size_t>> by_shard;
    for (std::size_t i = 0; i < places.size(); ++i)
        by_shard[places[i].shard].push_back(i);
    const int k = shard_count(redis_, store);
    out.resize(places.size());
    for (const auto& [index, items] : by_shard) {
        const Shard shard{store, k, index};
        std::vector<std::string> args{unix_seconds(at),
                                      keys::shard_prefix(shard),
                                      error,
                                      reason,
                                      code,
                                      channel ? std::string(to_string(*channel)) : std::string()};
        for (const auto i : items) {
            args.push_back(format_date(places[i].day));
            args.push_back(std::to_string(places[i].sheet));
            args.push_back(places[i].field);
        }
        const auto reply =
            cancel_records.run(redis_,
                               {keys::counts(shard), keys::sheet_due(shard),
                                keys::webhooks_on(shard), keys::webhook_events(shard)},
                               args);
        reply.expect_ok("cancel_records");
        if (reply.elements.size() != items.size())
            throw RedisReplyError("cancel_records", "unexpected reply");
        for (std::size_t e = 0; e < items.size(); ++e) {
            const auto& text = reply.elements[e].str;
            const auto record = text.empty() ? std::nullopt : decode_record(text);
            const bool other_channel = record && channel && record->channel != *channel;
            out[items[e]] =
                record && !other_channel ? std::optional<JobState>(record->state) : std::nullopt;
        }
    }
    return out;
}

void SheetStore::each_record(const std::string& store, const std::vector<Date>& days,
                             const std::function<void(const Place&)>& each,
                             std::size_t sheets_per_read) {
    if (days.empty()) return;
    const auto shards = shards_of(redis_, store);
    std::vector<RedisCommand> commands;
    for (const auto& day : days)
        for (const auto& shard : shards)
            commands.push_back({"HGET", keys::sheets(shard, format_date(day)), "n"});
    const auto counts = redis_.pipeline(commands);
    struct Sheet {
        std::size_t day;  // index into days
        int shard;
        int sheet;
    };
    std::vector<Sheet> sheets;
    for (std::size_t d = 0; d < days.size(); ++d) {
        for (const auto& shard : shards) {
            const int n =
                count_of(counts[d * shards.size() + static_cast<std::size_t>(shard.index)]);
            for (int i = 0; i < n; ++i)
                sheets.push_back({d, shard.index, i});
        }
    }
    const int k = static_cast<int>(shards.size());
    const std::size_t slice = std::max<std::size_t>(sheets_per_read, 1);
    for (std::size_t first = 0; first < sheets.size(); first += slice) {
        const std::size_t last = std::min(sheets.size(), first + slice);
        commands.clear();
        for (std::size_t s = first; s < last; ++s)
            commands.push_back(
                {"HGETALL", keys::sheet(Shard{store, k, sheets[s].shard},
                                        format_date(days[sheets[s].day]), sheets[s].sheet)});
        const auto replies = redis_.pipeline(commands);
        std::vector<Place> places;
        for (std::size_t s = first; s < last; ++s) {
            const Date& day = days[sheets[s].day];
            const auto& flat = replies[s - first].expect_ok("HGETALL sheet").elements;
            for (std::size_t f = 0; f + 1 < flat.size(); f += 2) {
                auto id = job_id_of_record(flat[f].str, day);
                auto record = decode_record(flat[f + 1].str);
                if (id && record)
                    places.push_back(Place{std::move(*id),
                                           day,
                                           sheets[s].shard,
                                           sheets[s].sheet,
                                           flat[f].str,
                                           *record,
                                           {}});
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
