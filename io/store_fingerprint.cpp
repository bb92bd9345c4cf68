#include "io/store_fingerprint.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include "core/store_shards.h"
#include "core/webhook_plan.h"
#include "io/redis_keys.h"
#include "io/redis_scan.h"

namespace huitou {
namespace {

const std::vector<std::string> kFamilies{
    "m",      "v",        "wb",    "wb:counts",   "holdout", "welcomed", "job",
    "due",    "inflight", "rcpt",  "fx:touch",    "fx:sent", "sheet",    "notes",
    "sheets", "counts",   "event", "consent:log", "optout",  "days",     "approved",
    "wh:q",   "open",     "care",  "fx:forgot",   "wh:on"};

constexpr std::string_view kWinbackSets[] = {"wb:lapse", "wb:returned", "wb:lapsed", "wb:reminded",
                                             "wb:churned"};

bool is_winback_set(std::string_view rest) {
    return std::find(std::begin(kWinbackSets), std::end(kWinbackSets), rest) !=
           std::end(kWinbackSets);
}

long long to_count(const std::string& text, std::string_view key) {
    long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size())
        throw RedisReplyError("fingerprint " + std::string(key), "not a count: " + text);
    return n;
}

// A hash's fields, sorted by name (HGETALL's order depends on the encoding
// and the hash's history).
std::vector<std::pair<std::string, std::string>> sorted_fields(const RedisReply& reply) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        out.emplace_back(reply.elements[i].str, reply.elements[i + 1].str);
    std::sort(out.begin(), out.end());
    return out;
}

// The job ids of an open-jobs field, "id id …" (scripts/create_job.lua).
std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto begin = text.find_first_not_of(" \t\r\n", i);
        if (begin == std::string_view::npos) break;
        const auto end = std::min(text.find_first_of(" \t\r\n", begin), text.size());
        out.emplace_back(text.substr(begin, end - begin));
        i = end;
    }
    return out;
}

// A claimed record's job hash names its sheet, "<day>:<i>"; the copy puts the
// record in another sheet, so only the day is the job's.
std::string without_sheet_index(const std::string& sheet) {
    const auto colon = sheet.rfind(':');
    return colon == std::string::npos ? sheet : sheet.substr(0, colon);
}

class Reader {
  public:
    Reader(RedisConnection& redis, std::size_t batch) : redis_(redis), batch_(batch) {
        for (const auto& f : kFamilies)
            sums_.push_back(FamilySum{f, 0, 0});
    }

    void read_shard(const Shard& shard) {
        shard_ = shard;
        prefix_ = keys::shard_prefix(shard);
        scan_all(redis_, {"SCAN", "MATCH", prefix_ + "*", "COUNT", std::to_string(batch_)},
                 [&](const RedisReply& page) {
                     std::vector<std::string> rests;
                     for (const auto& key : page.elements)
                         rests.push_back(key.str.substr(prefix_.size()));
                     read_keys(rests);
                 });
    }

    Fingerprint finish() {
        for (const auto& [key_field, total] : totals_) {
            // Readers only sum: a field at 0 in some shard and absent in
            // another layout says the same (a reshard may write either).
            if (total == 0) continue;
            const auto& [family, key, field] = key_field;
            add(family, item_hash({key, field, std::to_string(total)}));
        }
        for (const auto& [family, hashes] : unions_)
            for (const auto h : hashes)
                add(family, h);
        if (forgot_) add("fx:forgot", item_hash({"fx:forgot", *forgot_}));
        return sums_;
    }

  private:
    void add(std::string_view family, std::uint64_t hash) {
        for (auto& s : sums_)
            if (s.family == family) return s.add(hash);
        assert(false && "a family not in kFamilies");
    }
    void add_total(const std::string& family, const std::string& key, const RedisReply& hash,
                   bool skip_n) {
        for (const auto& [field, value] : sorted_fields(hash)) {
            if (skip_n && field == "n") continue;
            totals_[{family, key, field}] += to_count(value, key);
        }
    }

    // One page of SCAN: whole reads (HGETALL, GET) pipelined, the rest
    // scanned key by key.
    void read_keys(const std::vector<std::string>& rests) {
        std::vector<RedisCommand> reads;
        std::vector<const std::string*> whole;
        for (const auto& rest : rests) {
            // With K = 1 the shard's prefix is the store's: its own keys
            // (lease, tpl, …, optout:todo, the segment thresholds) are here too.
            if (!keys::is_per_shard(rest) || rest == "optout:todo") continue;
            const std::string key = prefix_ + rest;
            if (rest.starts_with("m:") || rest.starts_with("v:") || rest == "counts" ||
                rest == "wb:counts" || rest.starts_with("sheets:")) {
                reads.push_back({"HGETALL", key});
                whole.push_back(&rest);
            } else if (rest.starts_with("job:")) {
                reads.push_back({"HGETALL", key});
                reads.push_back({"PEXPIRETIME", key});
                whole.push_back(&rest);
            } else if (rest.starts_with("event:") || rest == "fx:forgot" || rest == "wh:on") {
                reads.push_back({"GET", key});
                whole.push_back(&rest);
            } else if (is_winback_set(rest) || rest == "due" || rest == "inflight" ||
                       rest == "rcpt" || rest == "fx:touch") {
                scan_zset(rest);
            } else if (rest.starts_with("holdout:") || rest == "welcomed" || rest == "fx:sent") {
                scan_hash(rest, [&](const std::string& field, const std::string& value) {
                    const auto family = rest.starts_with("holdout:") ? "holdout" : rest;
                    add(family, item_hash({rest, field, value}));
                });
            } else if (rest.starts_with("sheet:")) {
                // "sheet:<day>:<i>": the item names the day, not the sheet.
                const auto day = without_sheet_index(rest.substr(6));
                scan_hash(rest, [&](const std::string& field, const std::string& value) {
                    add("sheet", item_hash({day, field, value}));
                });
            } else if (rest.starts_with("open:")) {
                // "<channel>:<address>" → the shard's job ids: one item a
                // job, as K shards each list their own jobs to an address.
                scan_hash(rest, [&](const std::string& field, const std::string& value) {
                    for (const auto& id : split_words(value))
                        add("open", item_hash({rest, field, id}));
                });
            } else if (rest.starts_with("care:")) {
                // With K = 1 the store's list as built, with its "~built" and
                // "~pushed"; with K > 1 a shard's entries (and its "~built"):
                // the entries alone are the same whatever K.
                scan_hash(rest, [&](const std::string& member, const std::string& entry) {
                    if (!member.starts_with('~')) add("care", item_hash({rest, member, entry}));
                });
            } else if (rest.starts_with("notes:")) {
                scan_hash(rest, [&](const std::string& field, const std::string& value) {
                    add("notes", item_hash({rest, field, value}));
                });
            } else if (rest.starts_with("approved:")) {
                scan_hash(rest, [&](const std::string& field, const std::string& value) {
                    unions_["approved"].insert(item_hash({rest, field, value}));
                });
            } else if (rest.starts_with("optout:") || rest.starts_with("days:")) {
                const std::string family = rest.starts_with("optout:") ? "optout" : "days";
                scan_set(rest, [&](const std::string& member) {
                    unions_[family].insert(item_hash({rest, member}));
                });
            } else if (rest == "consent:log") {
                read_ledger(rest);
            } else if (rest.starts_with("wh:q:")) {
                read_webhook_queue(rest);
            }
            // Anything else is left out: see the header.
        }
        if (reads.empty()) return;
        const auto replies = redis_.pipeline(reads);
        std::size_t r = 0;
        for (const auto* rest : whole) {
            const std::string key = prefix_ + *rest;
            const auto& reply = replies[r++];
            reply.expect_ok("fingerprint read " + key);
            if (rest->starts_with("m:") || rest->starts_with("v:")) {
                if (reply.elements.empty()) continue;  // gone since the SCAN
                ItemHash h;
                h.add(*rest);
                for (const auto& [field, value] : sorted_fields(reply))
                    h.add(field).add(value);
                add(rest->substr(0, 1), h.value());
            } else if (rest->starts_with("job:")) {
                const auto& expiry = replies[r++];
                expiry.expect_ok("PEXPIRETIME " + key);
                if (reply.elements.empty()) continue;
                ItemHash h;
                h.add(*rest);
                for (const auto& [field, value] : sorted_fields(reply))
                    h.add(field).add(field == "sheet" ? without_sheet_index(value) : value);
                h.add(std::to_string(expiry.integer));
                add("job", h.value());
            } else if (rest->starts_with("event:")) {
                if (reply.is_nil()) continue;
                add("event", item_hash({*rest, reply.str}));
            } else if (*rest == "fx:forgot") {
                // Each shard holds one: the earliest counts (what a reshard
                // writes into every new shard: forgetting again from there
                // is harmless, core's forget_sent_records is idempotent).
                if (reply.is_nil()) continue;
                if (!forgot_ || reply.str < *forgot_) forgot_ = reply.str;
            } else if (*rest == "wh:on") {
                // Each shard holds one: the values united.
                if (reply.is_nil()) continue;
                unions_[*rest].insert(item_hash({*rest, reply.str}));
            } else if (rest->starts_with("sheets:")) {
                add_total("sheets", *rest, reply, true);
            } else {
                add_total(*rest, *rest, reply, false);  // counts, wb:counts
            }
        }
    }

    template <typename Each>
    void scan_hash(const std::string& rest, Each each) {
        scan("HSCAN", rest, [&](const RedisReply& page) {
            for (std::size_t i = 0; i + 1 < page.elements.size(); i += 2)
                each(page.elements[i].str, page.elements[i + 1].str);
        });
    }
    template <typename Each>
    void scan_set(const std::string& rest, Each each) {
        scan("SSCAN", rest, [&](const RedisReply& page) {
            for (const auto& member : page.elements)
                each(member.str);
        });
    }
    void scan_zset(const std::string& rest) {
        scan("ZSCAN", rest, [&](const RedisReply& page) {
            for (std::size_t i = 0; i + 1 < page.elements.size(); i += 2) {
                const auto family = is_winback_set(rest) ? "wb" : rest;
                add(family, item_hash({rest, page.elements[i].str, page.elements[i + 1].str}));
            }
        });
    }
    template <typename Page>
    void scan(const char* command, const std::string& rest, Page page) {
        scan_all(redis_, {command, prefix_ + rest, "COUNT", std::to_string(batch_)}, page);
    }

    // The ledger, oldest first, `batch_` entries a round trip.
    void read_ledger(const std::string& rest) {
        const std::string key = prefix_ + rest;
        std::string start = "-";
        while (true) {
            const auto page =
                redis_.command({"XRANGE", key, start, "+", "COUNT", std::to_string(batch_)});
            page.expect_ok("XRANGE " + key);
            for (const auto& entry : page.elements) {
                if (entry.elements.size() != 2) continue;
                const auto& id = entry.elements[0].str;
                const auto ms = id.substr(0, id.find('-'));
                auto fields = sorted_fields(entry.elements[1]);
                const auto members = std::find_if(fields.begin(), fields.end(), [](const auto& f) {
                    return f.first == "members";
                });
                auto hash_with = [&](const std::string* member) {
                    ItemHash h;
                    h.add(ms);
                    for (const auto& [field, value] : fields) {
                        if (field == "members") continue;
                        h.add(field).add(value);
                    }
                    if (member) h.add("members").add(*member);
                    add("consent:log", h.value());
                };
                if (members == fields.end()) {
                    hash_with(nullptr);
                    continue;
                }
                // An import's batch: one item a member (the entry is split by shard).
                std::string_view list = members->second;
                while (!list.empty()) {
                    const auto space = list.find(' ');
                    const std::string member(list.substr(0, space));
                    if (!member.empty()) hash_with(&member);
                    list = space == std::string_view::npos ? std::string_view{}
                                                           : list.substr(space + 1);
                }
            }
            if (page.elements.size() < batch_) break;
            start = "(" + page.elements.back().elements[0].str;
        }
    }

    // An endpoint's queues: member → stream ids, each resolved to the event
    // id a receiver sees.
    void read_webhook_queue(const std::string& rest) {
        const std::string events_key = keys::webhook_events(shard_);
        std::vector<std::pair<std::string, std::vector<std::string>>> queues;
        scan_hash(rest, [&](const std::string& member, const std::string& value) {
            queues.emplace_back(member, split_webhook_queue(value));
        });
        std::vector<RedisCommand> reads;
        for (const auto& [member, ids] : queues)
            for (const auto& id : ids)
                reads.push_back({"XRANGE", events_key, id, id});
        std::vector<RedisReply> replies;
        for (std::size_t i = 0; i < reads.size(); i += batch_) {
            const std::vector<RedisCommand> slice(
                reads.begin() + static_cast<long>(i),
                reads.begin() + static_cast<long>(std::min(reads.size(), i + batch_)));
            auto got = redis_.pipeline(slice);
            for (auto& g : got)
                replies.push_back(std::move(g));
        }
        std::size_t r = 0;
        for (const auto& [member, ids] : queues) {
            ItemHash h;
            h.add(rest).add(member);
            for (const auto& id : ids) {
                const auto& reply = replies[r++];
                reply.expect_ok("XRANGE " + events_key);
                std::string event_id = webhook_event_id(shard_.tag(), id);
                if (!reply.elements.empty() && reply.elements[0].elements.size() == 2) {
                    for (const auto& [field, value] : sorted_fields(reply.elements[0].elements[1]))
                        if (field == "id") event_id = value;
                }
                h.add(event_id);
            }
            add("wh:q", h.value());
        }
    }

    RedisConnection& redis_;
    std::size_t batch_;
    Shard shard_;
    std::string prefix_;
    Fingerprint sums_;
    std::map<std::tuple<std::string, std::string, std::string>, long long> totals_;
    std::map<std::string, std::unordered_set<std::uint64_t>> unions_;
    std::optional<std::string> forgot_;  // the earliest fx:forgot of the shards
};

}  // namespace

const std::vector<std::string>& fingerprint_families() {
    return kFamilies;
}

Fingerprint store_fingerprint(RedisConnection& redis, std::string_view store, int k,
                              std::size_t batch) {
    assert(k >= 1 && k <= kMaxShards && batch > 0);
    Reader reader(redis, batch);
    for (const auto& shard : all_shards(store, k))
        reader.read_shard(shard);
    return reader.finish();
}

}  // namespace huitou
