#include "io/reshard_copy.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "core/job.h"
#include "core/job_record.h"
#include "core/store_shards.h"
#include "io/lua_script.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"
#include "io/shard_map.h"

namespace huitou {
namespace reshard {

std::string opt_out_todo(const std::string& store) {
    return keys::store_prefix(store) + "optout:todo";
}

void write_all(RedisConnection& redis, const std::vector<RedisCommand>& commands,
               std::string_view what) {
    for (std::size_t i = 0; i < commands.size(); i += 1000) {
        const std::vector<RedisCommand> slice(
            commands.begin() + static_cast<long>(i),
            commands.begin() + static_cast<long>(std::min(commands.size(), i + 1000)));
        for (const auto& reply : redis.pipeline(slice))
            reply.expect_ok(what);
    }
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : std::string(sep)) + i;
    return out;
}

}  // namespace reshard

namespace {

using reshard::join;
using reshard::opt_out_todo;
using reshard::write_all;

const RedisReply& expect_array(const RedisReply& reply, std::string_view what) {
    reply.expect_ok(what);
    if (reply.type != RedisReply::Type::array && !reply.is_nil())
        throw RedisReplyError(std::string(what), "not an array");
    return reply;
}
// Whether `rest` (a key without its "hu:{T}:") is copied by the rebuild or
// the sheets pass, not item by item.
bool rebuilt_or_sheets(std::string_view rest) {
    return rest == "counts" || rest == "wb:counts" || rest == "seg" || rest == "consent:log" ||
           rest == "fx:forgot" || rest == "sheetdue" || rest.starts_with("optout:") ||
           rest.starts_with("wh:") || rest.starts_with("sheets:") || rest.starts_with("sheet:") ||
           rest.starts_with("notes:");
}

bool starts_with_any(std::string_view rest, std::initializer_list<std::string_view> prefixes) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](std::string_view p) { return rest.starts_with(p); });
}

// A hash whose fields are member ids: the member indexes, the segment
// indexes, the holdouts, the care list's entries.
bool member_keyed_hash(std::string_view rest) {
    return starts_with_any(rest, {"bd:", "lbd:", "cbd:", "clbd:", "exp:", "pts:", "nm:", "p4:",
                                  "o2:", "seg:", "holdout:", "care:"});
}
bool member_keyed_zset(std::string_view rest) {
    return rest.starts_with("wb:");  // wb:counts is rebuilt
}
bool job_keyed_zset(std::string_view rest) {
    return rest == "due" || rest == "inflight" || rest == "rcpt" || rest == "fx:touch";
}

// A consent ledger entry's id, "<ms>-<seq>", as two numbers to merge by.
std::pair<unsigned long long, unsigned long long> stream_id(const std::string& id) {
    const auto dash = id.find('-');
    return {std::stoull(id.substr(0, dash)),
            dash == std::string::npos ? 0 : std::stoull(id.substr(dash + 1))};
}

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto space = text.find(' ');
        if (space != 0) out.emplace_back(text.substr(0, space));
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return out;
}

}  // namespace

struct ReshardCopy::Impl {
  public:
    Impl(RedisConnection& redis, std::string store, int from, int to, std::size_t batch)
        : redis_(redis), store_(std::move(store)), from_(from), to_(to), batch_(batch) {}

    Shard old_shard(int i) const { return Shard{store_, from_, i}; }
    Shard new_shard(int j) const { return Shard{store_, to_, j}; }

    // ---- the sheets pass: a due day at a time ----

    // The due days with sheets in any old shard, sorted.
    std::vector<std::string> days() {
        std::set<std::string> found;
        for (int i = 0; i < from_; ++i)
            scan_keys(old_shard(i), "sheets:*", [&](const std::string& rest) {
                found.insert(rest.substr(std::string_view("sheets:").size()));
            });
        return {found.begin(), found.end()};
    }

    void copy_day(const std::string& day) {
        // The old shards' day hashes, sheets, notes and sheet due times.
        std::vector<RedisCommand> reads;
        for (int i = 0; i < from_; ++i) {
            reads.push_back({"HGETALL", keys::sheets(old_shard(i), day)});
            reads.push_back({"PEXPIRETIME", keys::sheets(old_shard(i), day)});
            reads.push_back({"HGETALL", keys::sheet_notes(old_shard(i), day)});
        }
        const auto heads = redis_.pipeline(reads);
        std::map<std::string, long long> counts;
        long long expiry = -1;
        std::vector<std::pair<int, int>> old_sheets;  // (old shard, sheet)
        std::vector<std::map<std::string, std::string>> notes(static_cast<std::size_t>(to_));
        for (int i = 0; i < from_; ++i) {
            const auto& day_hash = expect_array(heads[3 * i], "HGETALL sheets");
            expiry = std::max(expiry, heads[3 * i + 1].expect_ok("PEXPIRETIME").integer);
            int n = 0;
            for (std::size_t f = 0; f + 1 < day_hash.elements.size(); f += 2) {
                const auto& field = day_hash.elements[f].str;
                const long long value =
                    to_number(day_hash.elements[f + 1].str, keys::sheets(old_shard(i), day), field);
                if (field == "n")
                    n = static_cast<int>(value);
                else
                    counts[field] += value;
            }
            for (int s = 0; s < n; ++s)
                old_sheets.emplace_back(i, s);
            const auto& note_hash = expect_array(heads[3 * i + 2], "HGETALL notes");
            for (std::size_t f = 0; f + 1 < note_hash.elements.size(); f += 2) {
                const auto& field = note_hash.elements[f].str;
                notes[static_cast<std::size_t>(to_member(record_member(field)))][field] =
                    note_hash.elements[f + 1].str;
            }
        }
        reads.clear();
        for (const auto& [i, s] : old_sheets) {
            reads.push_back({"HGETALL", keys::sheet(old_shard(i), day, s)});
            reads.push_back(
                {"ZSCORE", keys::sheet_due(old_shard(i)), day + ":" + std::to_string(s)});
        }
        std::vector<std::vector<std::pair<std::string, std::string>>> records(
            static_cast<std::size_t>(to_));
        std::optional<long long> first_look;
        std::size_t total = 0;
        for (std::size_t r = 0; r < reads.size(); r += 2 * batch_) {
            const std::vector<RedisCommand> slice(
                reads.begin() + static_cast<long>(r),
                reads.begin() + static_cast<long>(std::min(reads.size(), r + 2 * batch_)));
            const auto replies = redis_.pipeline(slice);
            for (std::size_t k = 0; k + 1 < replies.size(); k += 2) {
                const auto& sheet = expect_array(replies[k], "HGETALL sheet");
                for (std::size_t f = 0; f + 1 < sheet.elements.size(); f += 2) {
                    const auto& field = sheet.elements[f].str;
                    records[static_cast<std::size_t>(to_member(record_member(field)))].emplace_back(
                        field, sheet.elements[f + 1].str);
                    ++total;
                }
                const auto& look = replies[k + 1].expect_ok("ZSCORE sheetdue");
                if (!look.is_nil()) {
                    const long long t = std::stoll(look.str);
                    first_look = first_look ? std::min(*first_look, t) : t;
                }
            }
        }
        // What an earlier, interrupted copy of this day left: its `n` says.
        reads.clear();
        for (int j = 0; j < to_; ++j)
            reads.push_back({"HGET", keys::sheets(new_shard(j), day), "n"});
        const auto left = redis_.pipeline(reads);
        std::vector<RedisCommand> writes;
        const std::size_t share = (total + static_cast<std::size_t>(to_) - 1) / to_;
        for (int j = 0; j < to_; ++j) {
            const Shard shard = new_shard(j);
            const auto& mine = records[static_cast<std::size_t>(j)];
            // Deleted first, the day hash last; written day hash first: a run
            // cut anywhere leaves an `n` that covers every sheet written.
            if (const auto& n = left[static_cast<std::size_t>(j)].expect_ok("HGET n");
                !n.is_nil()) {
                const int before =
                    static_cast<int>(to_number(n.str, keys::sheets(shard, day), "n"));
                for (int s = 0; s < before; ++s) {
                    writes.push_back({"DEL", keys::sheet(shard, day, s)});
                    writes.push_back(
                        {"ZREM", keys::sheet_due(shard), day + ":" + std::to_string(s)});
                }
            }
            writes.push_back({"DEL", keys::sheet_notes(shard, day)});
            writes.push_back({"DEL", keys::sheets(shard, day)});
            // Each shard's own count, from its records — and at least its
            // share of the day, so a replan of the day does not crowd one sheet.
            const int n = sheet_count(std::max(mine.size(), share));
            RedisCommand day_hash{"HSET", keys::sheets(shard, day), "n", std::to_string(n)};
            if (j == 0)  // readers sum the day's counts over the shards
                for (const auto& [field, value] : counts) {
                    if (value == 0) continue;
                    day_hash.push_back(field);
                    day_hash.push_back(std::to_string(value));
                }
            writes.push_back(std::move(day_hash));
            std::vector<RedisCommand> sheets(static_cast<std::size_t>(n));
            std::vector<bool> planned(static_cast<std::size_t>(n), false);
            for (const auto& [field, value] : mine) {
                const int s = sheet_of(record_member(field), n);
                auto& cmd = sheets[static_cast<std::size_t>(s)];
                if (cmd.empty()) cmd = {"HSET", keys::sheet(shard, day, s)};
                cmd.push_back(field);
                cmd.push_back(value);
                const auto record = decode_record(value);
                if (record && record->state == JobState::planned)
                    planned[static_cast<std::size_t>(s)] = true;
            }
            for (int s = 0; s < n; ++s) {
                auto& cmd = sheets[static_cast<std::size_t>(s)];
                if (cmd.empty()) continue;
                writes.push_back(std::move(cmd));
                if (planned[static_cast<std::size_t>(s)] && first_look)
                    writes.push_back({"ZADD", keys::sheet_due(shard), std::to_string(*first_look),
                                      day + ":" + std::to_string(s)});
                if (expiry > 0)
                    writes.push_back(
                        {"PEXPIREAT", keys::sheet(shard, day, s), std::to_string(expiry)});
            }
            const auto& my_notes = notes[static_cast<std::size_t>(j)];
            if (!my_notes.empty()) {
                RedisCommand cmd{"HSET", keys::sheet_notes(shard, day)};
                for (const auto& [field, words] : my_notes) {
                    cmd.push_back(field);
                    cmd.push_back(words);
                }
                writes.push_back(std::move(cmd));
                if (expiry > 0)
                    writes.push_back(
                        {"PEXPIREAT", keys::sheet_notes(shard, day), std::to_string(expiry)});
            }
            if (expiry > 0)
                writes.push_back({"PEXPIREAT", keys::sheets(shard, day), std::to_string(expiry)});
        }
        write_all(redis_, writes, "copy day " + day);
        sheet_counts_.clear();
    }

    // ---- the keys pass: a SCAN page of an old shard at a time ----

    // One page from `cursor`; returns the next cursor ("0": the shard is done).
    std::string copy_page(int i, const std::string& cursor) {
        const Shard from = old_shard(i);
        const std::string prefix = keys::shard_prefix(from);
        const auto page = redis_.command(
            {"SCAN", cursor, "MATCH", prefix + "*", "COUNT", std::to_string(batch_)});
        page.expect_ok("SCAN " + prefix);
        if (page.elements.size() != 2) throw RedisReplyError("SCAN", "unexpected reply");
        std::vector<std::string> whole, events, hashes;
        for (const auto& key : page.elements[1].elements) {
            const std::string rest = key.str.substr(prefix.size());
            // With K1 = 1 the shard's prefix is the store's: its own keys are here too.
            if (!keys::is_per_shard(rest) || rest == "optout:todo" || rebuilt_or_sheets(rest))
                continue;
            if (rest.starts_with("m:") || rest.starts_with("v:") || rest.starts_with("job:")) {
                whole.push_back(rest);
            } else if (rest.starts_with("event:")) {
                events.push_back(rest);
            } else if (member_keyed_hash(rest) || rest == "welcomed" || rest == "fx:sent" ||
                       rest.starts_with("approved:")) {
                hashes.push_back(rest);
            } else if (member_keyed_zset(rest) || job_keyed_zset(rest)) {
                copy_zset(from, rest);
            } else if (rest.starts_with("days:")) {
                copy_everywhere_set(from, rest);
            } else if (rest.starts_with("open:")) {
                copy_open_jobs(from, rest);
            } else {
                throw std::runtime_error("the reshard does not know how to copy " + key.str +
                                         " (a key family of this build it has no rule for)");
            }
        }
        copy_whole(from, whole);
        copy_hashes(from, hashes);
        copy_events(from, events);
        return page.elements[0].str;
    }

    // ---- the rebuild pass ----

    void rebuild() {
        rebuild_counts("counts");
        rebuild_counts("wb:counts");
        rebuild_segments();
        rebuild_opt_outs();
        rebuild_strings();
        rebuild_ledger();
    }

    // Every key of `shard` matching `match` (after its prefix), by its rest.
    template <typename Each>
    void scan_keys(const Shard& shard, const std::string& match, Each each) {
        const std::string prefix = keys::shard_prefix(shard);
        scan_all(redis_, {"SCAN", "MATCH", prefix + match, "COUNT", std::to_string(batch_)},
                 [&](const RedisReply& page) {
                     for (const auto& key : page.elements)
                         each(key.str.substr(prefix.size()));
                 });
    }

  private:
    int to_member(std::string_view id) const { return member_shard(id, to_); }
    // A job id, or an item that begins with one: fx:touch's
    // "<job id>|<m|h>|<channel>|<parts>".
    int to_job(std::string_view item, const std::string& where) const {
        const auto job_id = item.substr(0, item.find('|'));
        const auto shard = job_shard(job_id, to_);
        if (!shard)
            throw std::runtime_error("the reshard cannot place \"" + std::string(item) + "\" of " +
                                     where + ": not a job id");
        return *shard;
    }

    static long long to_number(const std::string& text, const std::string& key,
                               const std::string& field) {
        try {
            std::size_t used = 0;
            const long long n = std::stoll(text, &used);
            if (used == text.size()) return n;
        } catch (const std::exception&) {
        }
        throw std::runtime_error(key + " " + field + ": not a number: \"" + text + "\"");
    }

    // The new shard of an item of the hash `rest`, or -1: to every shard.
    int route_field(const std::string& rest, const std::string& field, const std::string& where) {
        if (rest.starts_with("care:") && field.starts_with("~")) return -1;
        if (member_keyed_hash(rest)) return to_member(field);
        if (rest == "welcomed") return to_member(field.substr(0, field.find('|')));
        if (rest == "fx:sent") return to_job(field, where);
        // approved:<date>: `by` and `at` in every shard, "j:<job id>" with its job.
        if (field.starts_with("j:")) return to_job(std::string_view(field).substr(2), where);
        return -1;
    }

    long long expiry_of(const std::string& key) {
        return redis_.command({"PEXPIRETIME", key}).expect_ok("PEXPIRETIME " + key).integer;
    }

    // HSCAN `rest` of `from`, each field to its new shard's key of the same name.
    // Routes the fields of `items` (field, value, ...) of the hash `rest`
    // into each new shard's HSET in `writes`; `touched` gets those shards.
    void route_fields(const std::string& rest, const std::string& key, const RedisReply& items,
                      std::map<int, RedisCommand>& writes, std::set<int>& touched) {
        for (std::size_t f = 0; f + 1 < items.elements.size(); f += 2) {
            const auto& field = items.elements[f].str;
            const auto& value = items.elements[f + 1].str;
            const int j = route_field(rest, field, key);
            if (j < 0 && rest.starts_with("care:")) {
                // The list's own marks (~built, ~pushed) belong to the
                // store's list; a shard's list of K > 1 keeps ~built.
                if (to_ == 1 || field != "~built") continue;
            }
            for (int t = (j < 0 ? 0 : j); t < (j < 0 ? to_ : j + 1); ++t) {
                auto& cmd = writes[t];
                if (cmd.empty()) cmd = {"HSET", keys::shard_prefix(new_shard(t)) + rest};
                cmd.push_back(field);
                cmd.push_back(value);
                touched.insert(t);
            }
        }
    }

    // The items of `rest` of `from`, page by page (`scan`: HSCAN, ZSCAN,
    // SSCAN), each page's writes made by `route(key, items, writes,
    // touched)` — a command a new shard — then the old key's expiry on every
    // new key touched.
    template <typename Route>
    void copy_by_pages(const Shard& from, const std::string& rest, const char* scan, Route route) {
        const std::string key = keys::shard_prefix(from) + rest;
        const long long expiry = expiry_of(key);
        std::set<int> touched;
        scan_items(scan, key, [&](const RedisReply& items) {
            std::map<int, RedisCommand> writes;
            route(key, items, writes, touched);
            flush(writes, "copy " + key);
        });
        expire_all(rest, touched, expiry);
    }

    // HSCAN `rest` of `from`, each field to its new shard's key of the same name.
    void copy_hash(const Shard& from, const std::string& rest) {
        copy_by_pages(from, rest, "HSCAN",
                      [&](const std::string& key, const RedisReply& items,
                          std::map<int, RedisCommand>& writes, std::set<int>& touched) {
                          route_fields(rest, key, items, writes, touched);
                      });
    }

    // The hashes of one SCAN page, a few round trips for all of them: their
    // expiries and sizes, then the small ones read whole (HGETALL) and
    // written together (HSET, then PEXPIREAT, key by key); a hash of more
    // than `batch_` fields goes by copy_hash. One round trip a key cost
    // ~430,000 of them for 1,000,000 members (BENCHMARKS section 14 G).
    void copy_hashes(const Shard& from, const std::vector<std::string>& rests) {
        if (rests.empty()) return;
        const std::string prefix = keys::shard_prefix(from);
        std::vector<RedisCommand> reads;
        reads.reserve(2 * rests.size());
        for (const auto& rest : rests) {
            reads.push_back({"PEXPIRETIME", prefix + rest});
            reads.push_back({"HLEN", prefix + rest});
        }
        const auto heads = redis_.pipeline(reads);
        std::vector<std::size_t> small;
        std::vector<long long> expiries(rests.size());
        for (std::size_t i = 0; i < rests.size(); ++i) {
            expiries[i] = heads[2 * i].expect_ok("PEXPIRETIME " + prefix + rests[i]).integer;
            const long long size = heads[2 * i + 1].expect_ok("HLEN " + prefix + rests[i]).integer;
            if (size > static_cast<long long>(batch_))
                copy_hash(from, rests[i]);
            else if (size > 0)
                small.push_back(i);
        }
        reads.clear();
        for (const auto i : small)
            reads.push_back({"HGETALL", prefix + rests[i]});
        const auto bodies = redis_.pipeline(reads);
        std::vector<RedisCommand> writes;
        for (std::size_t k = 0; k < small.size(); ++k) {
            const auto& rest = rests[small[k]];
            const std::string key = prefix + rest;
            std::map<int, RedisCommand> by_shard;
            std::set<int> touched;
            route_fields(rest, key, expect_array(bodies[k], "HGETALL " + key), by_shard, touched);
            for (auto& [t, cmd] : by_shard)
                if (cmd.size() > 2) writes.push_back(std::move(cmd));
            if (expiries[small[k]] > 0)
                for (const int t : touched)
                    writes.push_back({"PEXPIREAT", keys::shard_prefix(new_shard(t)) + rest,
                                      std::to_string(expiries[small[k]])});
        }
        write_all(redis_, writes, "copy hashes of " + prefix);
    }

    void copy_zset(const Shard& from, const std::string& rest) {
        copy_by_pages(from, rest, "ZSCAN",
                      [&](const std::string& key, const RedisReply& items,
                          std::map<int, RedisCommand>& writes, std::set<int>& touched) {
                          for (std::size_t f = 0; f + 1 < items.elements.size(); f += 2) {
                              const auto& item = items.elements[f].str;
                              const int j =
                                  member_keyed_zset(rest) ? to_member(item) : to_job(item, key);
                              auto& cmd = writes[j];
                              if (cmd.empty())
                                  cmd = {"ZADD", keys::shard_prefix(new_shard(j)) + rest};
                              cmd.push_back(items.elements[f + 1].str);
                              cmd.push_back(item);
                              touched.insert(j);
                          }
                      });
    }

    // A set every new shard holds whole (days:<date>).
    void copy_everywhere_set(const Shard& from, const std::string& rest) {
        copy_by_pages(from, rest, "SSCAN",
                      [&](const std::string&, const RedisReply& items,
                          std::map<int, RedisCommand>& writes, std::set<int>& touched) {
                          if (items.elements.empty()) return;
                          for (int t = 0; t < to_; ++t) {
                              auto& cmd = writes[t];
                              cmd = {"SADD", keys::shard_prefix(new_shard(t)) + rest};
                              for (const auto& item : items.elements)
                                  cmd.push_back(item.str);
                              touched.insert(t);
                          }
                      });
    }

    // open:<t>: "<channel>:<address>" → the day's job ids; two members of
    // different shards can share an address, so a new shard's field is the
    // union of what every old shard had for its jobs.
    void copy_open_jobs(const Shard& from, const std::string& rest) {
        const std::string key = keys::shard_prefix(from) + rest;
        const long long expiry = expiry_of(key);
        std::set<int> touched;
        scan_items("HSCAN", key, [&](const RedisReply& items) {
            std::map<std::pair<int, std::string>, std::vector<std::string>> routed;
            for (std::size_t f = 0; f + 1 < items.elements.size(); f += 2)
                for (const auto& id : words(items.elements[f + 1].str))
                    routed[{to_job(id, key), items.elements[f].str}].push_back(id);
            std::vector<RedisCommand> reads;
            for (const auto& [where, ids] : routed)
                reads.push_back(
                    {"HGET", keys::shard_prefix(new_shard(where.first)) + rest, where.second});
            const auto have = redis_.pipeline(reads);
            std::vector<RedisCommand> writes;
            std::size_t r = 0;
            for (const auto& [where, ids] : routed) {
                auto merged = words(have[r++].expect_ok("HGET open").str);
                for (const auto& id : ids)
                    if (std::find(merged.begin(), merged.end(), id) == merged.end())
                        merged.push_back(id);
                writes.push_back({"HSET", keys::shard_prefix(new_shard(where.first)) + rest,
                                  where.second, join(merged, " ")});
                touched.insert(where.first);
            }
            write_all(redis_, writes, "copy " + key);
        });
        expire_all(rest, touched, expiry);
    }

    // m:, v:, job: by DUMP/RESTORE with their expiry; a claimed job's sheet
    // ("<day>:<i>") rewritten to the sheet its record has in the new shard.
    void copy_whole(const Shard& from, const std::vector<std::string>& rests) {
        if (rests.empty()) return;
        const std::string prefix = keys::shard_prefix(from);
        std::vector<RedisCommand> reads;
        for (const auto& rest : rests) {
            reads.push_back({"DUMP", prefix + rest});
            reads.push_back({"PEXPIRETIME", prefix + rest});
            reads.push_back({"HGET", prefix + rest, "sheet"});
        }
        const auto replies = redis_.pipeline(reads);
        std::vector<RedisCommand> writes;
        for (std::size_t k = 0; k < rests.size(); ++k) {
            const auto& rest = rests[k];
            const auto& dump = replies[3 * k].expect_ok("DUMP " + prefix + rest);
            if (dump.is_nil()) continue;  // gone since the SCAN (expired)
            const long long expiry = replies[3 * k + 1].expect_ok("PEXPIRETIME").integer;
            const bool is_job = rest.starts_with("job:");
            const std::string id = rest.substr(is_job ? 4 : 2);
            const int j = is_job ? to_job(id, prefix + rest) : to_member(id);
            const std::string target = keys::shard_prefix(new_shard(j)) + rest;
            RedisCommand restore{"RESTORE", target, expiry > 0 ? std::to_string(expiry) : "0",
                                 dump.str, "REPLACE"};
            if (expiry > 0) restore.push_back("ABSTTL");
            writes.push_back(std::move(restore));
            const auto& sheet = replies[3 * k + 2];
            if (is_job && !sheet.is_error() && !sheet.is_nil()) {
                if (auto moved = new_sheet(j, id, sheet.str))
                    writes.push_back({"HSET", target, "sheet", *moved});
            }
        }
        write_all(redis_, writes, "copy " + prefix + "m:/v:/job:");
    }

    // "<day>:<i>" of a claimed job in its new shard `j`.
    std::optional<std::string> new_sheet(int j, const std::string& job_id,
                                         const std::string& sheet) {
        const auto colon = sheet.rfind(':');
        if (colon == std::string::npos) return std::nullopt;
        const std::string day = sheet.substr(0, colon);
        const auto parts = parse_job_id(job_id);
        if (!parts) return std::nullopt;
        auto found = sheet_counts_.find({j, day});
        if (found == sheet_counts_.end()) {
            const auto n =
                redis_.command({"HGET", keys::sheets(new_shard(j), day), "n"}).expect_ok("HGET n");
            int count = 0;
            if (!n.is_nil()) count = static_cast<int>(to_number(n.str, "sheets:" + day, "n"));
            found = sheet_counts_.emplace(std::make_pair(j, day), count).first;
        }
        if (found->second <= 0) return std::nullopt;  // the day is gone: left as it was
        return day + ":" + std::to_string(sheet_of(parts->member_id, found->second));
    }

    // event:<id>: its first answer names the member (scheduler/admin_events.cpp);
    // a replayed consent's once key ("replayed") names none and goes to shard 0.
    void copy_events(const Shard& from, const std::vector<std::string>& rests) {
        if (rests.empty()) return;
        const std::string prefix = keys::shard_prefix(from);
        std::vector<RedisCommand> reads;
        for (const auto& rest : rests) {
            reads.push_back({"GET", prefix + rest});
            reads.push_back({"PEXPIRETIME", prefix + rest});
        }
        const auto replies = redis_.pipeline(reads);
        std::vector<RedisCommand> writes;
        for (std::size_t k = 0; k < rests.size(); ++k) {
            const auto& value = replies[2 * k].expect_ok("GET " + prefix + rests[k]);
            if (value.is_nil()) continue;
            const long long expiry = replies[2 * k + 1].expect_ok("PEXPIRETIME").integer;
            int j = 0;
            const auto answer = nlohmann::json::parse(value.str, nullptr, false);
            if (answer.is_object() && answer.contains("member_id") &&
                answer["member_id"].is_string())
                j = to_member(answer["member_id"].get<std::string>());
            RedisCommand set{"SET", keys::shard_prefix(new_shard(j)) + rests[k], value.str};
            if (expiry > 0) {
                set.push_back("PXAT");
                set.push_back(std::to_string(expiry));
            }
            writes.push_back(std::move(set));
        }
        write_all(redis_, writes, "copy " + prefix + "event:");
    }

    template <typename Page>
    void scan_items(const char* command, const std::string& key, Page page) {
        scan_all(redis_, {command, key, "COUNT", std::to_string(batch_)}, page);
    }

    void flush(std::map<int, RedisCommand>& writes, const std::string& what) {
        std::vector<RedisCommand> all;
        for (auto& [j, cmd] : writes)
            if (cmd.size() > 2) all.push_back(std::move(cmd));
        write_all(redis_, all, what);
    }

    void expire_all(const std::string& rest, const std::set<int>& shards, long long expiry) {
        if (expiry <= 0) return;
        std::vector<RedisCommand> writes;
        for (const int j : shards)
            writes.push_back(
                {"PEXPIREAT", keys::shard_prefix(new_shard(j)) + rest, std::to_string(expiry)});
        write_all(redis_, writes, "PEXPIREAT");
    }

    // counts, wb:counts: each field's total over the old shards, in new
    // shard 0 (readers only sum), the other new shards' emptied.
    void rebuild_counts(const std::string& rest) {
        std::vector<RedisCommand> reads;
        for (int i = 0; i < from_; ++i)
            reads.push_back({"HGETALL", keys::shard_prefix(old_shard(i)) + rest});
        std::map<std::string, long long> totals;
        const auto replies = redis_.pipeline(reads);
        for (int i = 0; i < from_; ++i) {
            const auto& hash =
                expect_array(replies[static_cast<std::size_t>(i)], "HGETALL " + rest);
            for (std::size_t f = 0; f + 1 < hash.elements.size(); f += 2)
                totals[hash.elements[f].str] +=
                    to_number(hash.elements[f + 1].str, keys::shard_prefix(old_shard(i)) + rest,
                              hash.elements[f].str);
        }
        std::vector<RedisCommand> writes;
        for (int j = 0; j < to_; ++j)
            writes.push_back({"DEL", keys::shard_prefix(new_shard(j)) + rest});
        RedisCommand sums{"HSET", keys::shard_prefix(new_shard(0)) + rest};
        for (const auto& [field, total] : totals) {  // a 0 kept: a reader may list it
            sums.push_back(field);
            sums.push_back(std::to_string(total));
        }
        if (sums.size() > 2) writes.push_back(std::move(sums));
        write_all(redis_, writes, "rebuild " + rest);
    }

    // A shard's `seg`: the store's generation and the counts of its members'
    // segments (n0…n7): the totals of the old shards of that generation in
    // new shard 0, zeros elsewhere (readers sum the shards of the generation).
    void rebuild_segments() {
        const auto gen =
            redis_.command({"HGET", keys::segments(store_), "gen"}).expect_ok("HGET seg gen");
        if (gen.is_nil()) return;  // never segmented
        std::vector<RedisCommand> reads;
        for (int i = 0; i < from_; ++i)
            reads.push_back({"HGETALL", keys::shard_segments(old_shard(i))});
        const auto replies = redis_.pipeline(reads);
        std::array<long long, 8> totals{};
        for (int i = 0; i < from_; ++i) {
            const auto& hash = expect_array(replies[static_cast<std::size_t>(i)], "HGETALL seg");
            std::map<std::string, std::string> fields;
            for (std::size_t f = 0; f + 1 < hash.elements.size(); f += 2)
                fields[hash.elements[f].str] = hash.elements[f + 1].str;
            if (fields["gen"] != gen.str) continue;
            for (int s = 0; s < 8; ++s) {
                const auto it = fields.find("n" + std::to_string(s));
                if (it != fields.end())
                    totals[static_cast<std::size_t>(s)] +=
                        to_number(it->second, keys::shard_segments(old_shard(i)), it->first);
            }
        }
        std::vector<RedisCommand> writes;
        for (int j = 0; j < to_; ++j) {
            RedisCommand cmd{"HSET", keys::shard_segments(new_shard(j)), "gen", gen.str};
            for (int s = 0; s < 8; ++s) {
                cmd.push_back("n" + std::to_string(s));
                cmd.push_back(j == 0 ? std::to_string(totals[static_cast<std::size_t>(s)]) : "0");
            }
            writes.push_back(std::move(cmd));
        }
        write_all(redis_, writes, "rebuild seg");
    }

    // optout:<ch>: a full copy in every new shard — the union of the old
    // ones, with an address whose copy into every shard was cut short
    // (optout:todo) as its recording shard says, as the scheduler's repair
    // would settle it.
    void rebuild_opt_outs() {
        std::set<std::string> channels;
        for (int i = 0; i < from_; ++i)
            scan_keys(old_shard(i), "optout:*", [&](const std::string& rest) {
                if (rest != "optout:todo") channels.insert(rest.substr(7));
            });
        std::map<std::string, std::set<std::string>> sets;
        for (const auto& channel : channels)
            for (int i = 0; i < from_; ++i)
                scan_items("SSCAN", keys::opt_outs(old_shard(i), channel),
                           [&](const RedisReply& items) {
                               for (const auto& a : items.elements)
                                   sets[channel].insert(a.str);
                           });
        if (from_ > 1) {
            const auto todo = redis_.command({"LRANGE", opt_out_todo(store_), "0", "-1"});
            todo.expect_ok("LRANGE optout:todo");
            for (const auto& entry : todo.elements) {
                // "<channel>|<recording shard>|<address>"
                const auto bar = entry.str.find('|');
                const auto bar2 = bar == std::string::npos ? bar : entry.str.find('|', bar + 1);
                if (bar2 == std::string::npos) continue;
                const std::string channel = entry.str.substr(0, bar);
                const std::string address = entry.str.substr(bar2 + 1);
                int from = -1;
                try {
                    from = std::stoi(entry.str.substr(bar + 1, bar2 - bar - 1));
                } catch (const std::exception&) {
                }
                if (from < 0 || from >= from_) continue;
                const bool refused =
                    redis_.command({"SISMEMBER", keys::opt_outs(old_shard(from), channel), address})
                        .expect_ok("SISMEMBER optout")
                        .integer == 1;
                if (refused)
                    sets[channel].insert(address);
                else
                    sets[channel].erase(address);
                channels.insert(channel);
            }
        }
        std::vector<RedisCommand> writes;
        for (const auto& channel : channels)
            for (int j = 0; j < to_; ++j) {
                const auto key = keys::opt_outs(new_shard(j), channel);
                writes.push_back({"DEL", key});
                RedisCommand cmd{"SADD", key};
                for (const auto& address : sets[channel]) {
                    cmd.push_back(address);
                    if (cmd.size() == 1002) {
                        writes.push_back(std::move(cmd));
                        cmd = {"SADD", key};
                    }
                }
                if (cmd.size() > 2) writes.push_back(std::move(cmd));
            }
        write_all(redis_, writes, "rebuild optout");
    }

    // fx:forgot (the earliest day any old shard forgot to: forgetting again
    // is harmless), wh:on, and each endpoint's cursor at the start of the
    // new, empty stream.
    void rebuild_strings() {
        std::vector<RedisCommand> reads;
        for (int i = 0; i < from_; ++i) {
            reads.push_back({"GET", keys::sent_times_forgotten(old_shard(i))});
            reads.push_back({"GET", keys::webhooks_on(old_shard(i))});
        }
        const auto replies = redis_.pipeline(reads);
        std::optional<std::string> forgot;
        bool webhooks = false;
        for (int i = 0; i < from_; ++i) {
            const auto& f = replies[2 * static_cast<std::size_t>(i)].expect_ok("GET fx:forgot");
            if (!f.is_nil()) forgot = forgot ? std::min(*forgot, f.str) : f.str;
            webhooks |=
                !replies[2 * static_cast<std::size_t>(i) + 1].expect_ok("GET wh:on").is_nil();
        }
        std::set<std::string> endpoints;
        for (int i = 0; i < from_; ++i)
            scan_keys(old_shard(i), "wh:cur:*",
                      [&](const std::string& rest) { endpoints.insert(rest.substr(7)); });
        std::vector<RedisCommand> writes;
        for (int j = 0; j < to_; ++j) {
            const Shard shard = new_shard(j);
            writes.push_back({"DEL", keys::sent_times_forgotten(shard)});
            if (forgot) writes.push_back({"SET", keys::sent_times_forgotten(shard), *forgot});
            writes.push_back({"DEL", keys::webhooks_on(shard)});
            if (webhooks) writes.push_back({"SET", keys::webhooks_on(shard), "1"});
            for (const auto& e : endpoints)
                writes.push_back({"SET", keys::webhook_state(shard, "cur", e), "0-0"});
        }
        write_all(redis_, writes, "rebuild fx:forgot, wh:on");
    }

    // The consent ledger: the old shards' streams merged by id, each entry
    // to the shard of its member, split by shard for an import's list of
    // members, to its address's own shard when it names only an address;
    // its id's milliseconds kept ("<ms>-*").
    void rebuild_ledger() {
        struct Cursor {
            std::vector<RedisReply> page;
            std::size_t at = 0;
            std::string next = "-";
            bool done = false;
        };
        std::vector<Cursor> cursors(static_cast<std::size_t>(from_));
        const auto refill = [&](int i) {
            auto& c = cursors[static_cast<std::size_t>(i)];
            if (c.done || c.at < c.page.size()) return;
            const auto key = keys::consent_log(old_shard(i));
            auto reply =
                redis_.command({"XRANGE", key, c.next, "+", "COUNT", std::to_string(batch_)});
            reply.expect_ok("XRANGE " + key);
            c.page = std::move(reply.elements);
            c.at = 0;
            if (c.page.size() < batch_) c.done = true;
            if (!c.page.empty()) c.next = "(" + c.page.back().elements[0].str;
        };
        std::vector<RedisCommand> writes;
        for (int j = 0; j < to_; ++j)
            writes.push_back({"DEL", keys::consent_log(new_shard(j))});
        write_all(redis_, writes, "DEL consent:log");
        writes.clear();
        while (true) {
            int best = -1;
            std::pair<unsigned long long, unsigned long long> best_id{};
            for (int i = 0; i < from_; ++i) {
                refill(i);
                auto& c = cursors[static_cast<std::size_t>(i)];
                if (c.at >= c.page.size()) continue;
                const auto id = stream_id(c.page[c.at].elements[0].str);
                if (best < 0 || id < best_id) {
                    best = i;
                    best_id = id;
                }
            }
            if (best < 0) break;
            auto& c = cursors[static_cast<std::size_t>(best)];
            const auto& entry = c.page[c.at++];
            if (entry.elements.size() != 2) continue;
            const std::string ms = std::to_string(best_id.first) + "-*";
            const auto& fields = entry.elements[1].elements;
            std::string member, members, address;
            for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
                const auto& name = fields[f].str;
                if (name == "member") member = fields[f + 1].str;
                if (name == "members") members = fields[f + 1].str;
                if (name == "address") address = fields[f + 1].str;
            }
            const auto add = [&](int j, const std::string* only_members) {
                RedisCommand cmd{"XADD", keys::consent_log(new_shard(j)), ms};
                for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
                    cmd.push_back(fields[f].str);
                    cmd.push_back(fields[f].str == "members" && only_members ? *only_members
                                                                             : fields[f + 1].str);
                }
                writes.push_back(std::move(cmd));
            };
            if (!member.empty()) {
                add(to_member(member), nullptr);
            } else if (!members.empty()) {
                std::map<int, std::vector<std::string>> by_shard;
                for (const auto& m : words(members))
                    by_shard[to_member(m)].push_back(m);
                for (const auto& [j, ids] : by_shard) {
                    const auto list = join(ids, " ");
                    add(j, &list);
                }
            } else {
                add(member_shard(address, to_), nullptr);  // the address's own shard
            }
            if (writes.size() >= 1000) {
                write_all(redis_, writes, "XADD consent:log");
                writes.clear();
            }
        }
        write_all(redis_, writes, "XADD consent:log");
    }

    RedisConnection& redis_;
    std::string store_;
    int from_;
    int to_;
    std::size_t batch_;
    std::map<std::pair<int, std::string>, int> sheet_counts_;
};

ReshardCopy::ReshardCopy(RedisConnection& redis, std::string store, int from, int to,
                         std::size_t batch)
    : impl_(std::make_unique<Impl>(redis, std::move(store), from, to, batch)) {}

ReshardCopy::~ReshardCopy() = default;

std::vector<std::string> ReshardCopy::days() {
    return impl_->days();
}

void ReshardCopy::copy_day(const std::string& day) {
    impl_->copy_day(day);
}

std::string ReshardCopy::copy_page(int old_shard, const std::string& cursor) {
    return impl_->copy_page(old_shard, cursor);
}

void ReshardCopy::rebuild() {
    impl_->rebuild();
}

void ReshardCopy::scan_keys(const Shard& shard, const std::string& match,
                            const std::function<void(const std::string&)>& each) {
    impl_->scan_keys(shard, match, each);
}

}  // namespace huitou
