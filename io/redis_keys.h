// redis_keys.h — the names of everything huitou keeps in Redis.
//
// Every key of a store carries a hash tag, so each Lua script that touches a
// member and its indexes, or a job and the due set, stays in one Redis
// Cluster slot. A store is cut into K shards (core/store_shards.h;
// docs/architecture.md, "A store over K shards"): what grows with members or
// jobs, or is written together with a member's or a job's keys, lives under
// its shard's tag T = shard_tag(S, K, i), "hu:{toyland.3.1}:..." — those key
// functions take a Shard, so every caller says which shard it means; what is
// bounded by the store's config or a day stays under the store's own tag
// {S} and takes the store id. An unsharded store (K = 1) has one shard whose
// tag is S: its keys are the same names either way. kPerShardFamilies lists
// the per-shard families.
//
// Below, {S} is written for either tag; the functions say which.
//   hu:{S}:m:<member>     hash   a member (fields: core/member.h)
//   hu:{S}:bd:<MM-DD>     index  members whose solar birthday is MM-DD
//   hu:{S}:lbd:[leap]<MM-DD>  index  ... lunar birthday; hu:{S}:bd:none: no birthday
//   hu:{S}:cbd:…, clbd:…  index  members with a child's birthday on that day
//   hu:{S}:exp:<date>     index  members whose card's last day is <date>
//   hu:{S}:nm:<text>, hu:{S}:p4:<dddd>  index  the console's search: name and
//                                given-name prefixes, the phone's last four digits
//                                (index names: core/member_write.h; an index is a
//                                hash, member id → "", io/member_store.h)
//   hu:{S}:job:<job id>   hash   a job (fields: core/job.h)
//   hu:{S}:ann:<id>       hash   an announcement (core/announcement.h); hu:{S}:anns zset
//                                its id by date (day number); hu:{S}:anns:n the id counter
//   hu:{S}:due            zset   planned jobs by due time
//   hu:{S}:inflight       zset   dispatched jobs by result deadline
//   hu:{S}:counts         hash   jobs by state, cumulative
//   hu:{S}:consent:log    stream the consent ledger: every opt-in and opt-out, with its
//                                evidence (core/consent.h)
//   hu:{S}:optout:<ch>    set    addresses (E.164 or openid) that refused channel ch
//   hu:{S}:open:<t>       hash   the jobs of the day ending at t, by recipient: what an
//                                opt-out cancels at once (expires a day after t)
//   hu:{S}:jobs:v         string the store's job layout: absent or "1", a hash a job
//                                (above); "2", planned jobs as records of day sheets
//                                (below; docs/architecture.md, "day sheets")
//   hu:{S}:sheets:<day>   hash   a due day's sheet count `n` (set once) and its counts
//   hu:{S}:sheet:<day>:<i> hash  sheet i of the day: job records (core/job_record.h),
//                                field "<kind letter><member>[:detail][@days]"
//   hu:{S}:sheetdue       zset   "<day>:<i>" → when the sheet has a record to look at
//   hu:{S}:notes:<day>    hash   a record's field → the words of its end that a code
//                                cannot hold ("held by staff wang"); the record says `e`
//   hu:{S}:days:<date>    set    the due days holding jobs of that occasion date
//   hu:{S}:approved:<date> hash  a day's approval (core/day_approval.h): by, at, and
//                                "j:<job id>" for each job approved; claim_due.lua
//                                claims a job of an approve_before_send store only
//                                when listed here (approve_day.lua writes it)
// Not per store: hu:rate:{...} (io/rate_limiter.h), hu:wechat:{<appid>}:...
// (workers/wechat_token.h; :msg:<msgid> workers/wechat_msgids.h; :nonce:<n>
// workers/wechat_listener.h).
//   hu:{S}:v:<member>     hash   a member's visits and win-back state (core/visit_state.h)
//   hu:{S}:wb:lapse       zset   active and returned members by lapse day (day number)
//   hu:{S}:wb:returned    zset   the returned among them, by lapse day
//   hu:{S}:wb:lapsed      zset   lapsed members not reachable yet, by recheck day
//   hu:{S}:wb:reminded    zset   reminded members by the day of their next step
//   hu:{S}:wb:churned     zset   churned members by the day they churned
//   hu:{S}:wb:counts      hash   win-back events, cumulative (visits, reminders, returned, ...)
//   hu:{S}:seg            hash   the value segments: thresholds, generation, counts
//                                (io/segment_store.h); a member's own in her hash, "sg"
//   hu:{S}:seg:<0-7>      hash   the members of one value segment (fields = ids)
//   hu:{S}:care:<date>    hash   the day's care list: member → entry (io/care_store.h)
//   hu:{S}:holdout:<kind> hash   member → last holdout group for the kind (core/holdout.h)
//   hu:{S}:fx:touch       zset   every job planned, messaged or held out, by due time
//   hu:{S}:fx:sent        hash   job id → when it was sent (io/effect_store.h)
//   hu:{S}:fx:forgot      string the last day whose records' sent times were forgotten
//   hu:{S}:rcpt           zset   sent jobs awaiting a polled receipt, by when to ask
//                                next (io/receipt_index.h); hu:rcpt:{<account>}:sid:<id>
//                                string: a provider message id's "<store>/<job id>"
//   hu:{S}:event:<id>     string an API event's first answer, kept 30 days: the same
//                                event_id again records nothing (core/event_body.h)
// Not per store either, all under one tag, {apikeys} (io/api_key_store.h):
//   hu:{apikeys}:k:<id>   hash   an API key: name, stores, scope, hash (of the token),
//                                created_at, revoked_at
//   hu:{apikeys}:ids      set    every key's id, revoked ones too
//   hu:{apikeys}:names    hash   name → id of the live keys
// Console accounts, all under {accounts} (io/account_store.h):
//   hu:{accounts}:u:<login>   hash  role, stores, hash (Argon2id), disabled,
//                                   created_at, changed_at, last_login_at
//   hu:{accounts}:logins      set   every login
//   hu:{accounts}:f:<login>   hash  failures in a row, wait_until; 1 h TTL
//   hu:{accounts}:s:<digest>  hash  a session (SHA-256 of its token): login,
//                                   csrf, created_at, seen_at; EXPIRE backstop
//   hu:{accounts}:ls:<login>  set   the digests of a login's sessions
// Per caller, not per store (scheduler/idempotency_store.h):
//   hu:idem:{<caller>}:<digest>  string  an Idempotency-Key's request and answer, 24 h
// Webhooks (io/webhook_store.h, docs/webhooks.md): endpoints under {webhooks},
//   hu:{webhooks}:e:<E>   hash   an endpoint: url, secret, stores, events, created_at
//   hu:{webhooks}:ids     set    every endpoint's id
// and per store S and endpoint E, beside the store's data:
//   hu:{S}:wh:on          string "1" while an endpoint covers the store: the scripts
//                                write events only then
//   hu:{S}:wh:events      stream the store's events (t, m, at, d), trimmed by age
//   hu:{S}:wh:cur:<E>     string the last stream id E has taken in
//   hu:{S}:wh:due:<E>     zset   E's events being delivered (one head a member), by
//                                next attempt (Unix s)
//   hu:{S}:wh:q:<E>       hash   member → stream ids waiting for E, head first
//   hu:{S}:wh:try:<E>     hash   stream id → attempts made
//   hu:{S}:wh:replay:<E>  list   stream ids to deliver again (webhooks replay)
//   hu:{S}:wh:log:<E>     stream E's delivery attempts, capped
// Templates saved in the console (io/template_store.h, core/saved_templates.h):
//   hu:{S}:tpl            hash   "<name>.<channel>" → the saved text (read whole at
//                                every planning: one HGETALL)
//   hu:{S}:tpl:log:<name>.<channel>  list  its versions, newest first, JSON {at, by,
//                                action, text}; the last 50 kept
//   hu:{S}:o2:<cc>        index  members whose openid ends in the two characters cc:
//                                how an opt-out naming only an openid finds its members
//                                (core/member_write.h: openid_index_key; io/consent_store.h)
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/job.h"
#include "core/store_shards.h"

namespace huitou::keys {

// The prefix of the keys under the store's own tag, {S}: what belongs to the
// whole store (its lease, shard record, templates, announcements, ...).
inline std::string store_prefix(std::string_view store) {
    return "hu:{" + std::string(store) + "}:";
}
// The prefix of a shard's keys, {T}: a member's, her jobs' and their sets.
// For K = 1 it is store_prefix(store).
inline std::string shard_prefix(const Shard& shard) {
    return "hu:{" + shard.tag() + "}:";
}

// A key family that lives under a shard's tag (the part after "hu:{T}:"):
// a prefix ("m:" — every key that starts so) or one exact name ("due").
struct KeyFamily {
    std::string_view name;
    bool prefix;
};
// Every per-shard family (docs/architecture.md, "Which keys go where"): a
// reshard's fingerprint, its cleanup of an old layout and its check that a
// new one is empty read this list. Two names are both: `seg` is the store's
// thresholds under {S} and a shard's generation and counts (`gen`, n0…n7),
// `care:<date>` the store's list as built and (K > 1) a shard's entries; with
// K = 1 each is one key.
inline constexpr std::array<KeyFamily, 36> kPerShardFamilies{{
    {"m:", true},           {"v:", true},        {"bd:", true},        {"lbd:", true},
    {"cbd:", true},         {"clbd:", true},     {"exp:", true},       {"pts:", true},
    {"nm:", true},          {"p4:", true},       {"o2:", true},        {"job:", true},
    {"due", false},         {"inflight", false}, {"counts", false},    {"open:", true},
    {"approved:", true},    {"sheets:", true},   {"sheet:", true},     {"sheetdue", false},
    {"notes:", true},       {"days:", true},     {"wb:", true},        {"holdout:", true},
    {"fx:touch", false},    {"fx:sent", false},  {"fx:forgot", false}, {"rcpt", false},
    {"consent:log", false}, {"welcomed", false}, {"event:", true},     {"optout:", true},
    {"wh:", true},          {"seg", false},      {"seg:", true},       {"care:", true},
}};
// Whether `rest`, a key without its "hu:{T}:", is of a per-shard family.
inline bool is_per_shard(std::string_view rest) {
    for (const auto& f : kPerShardFamilies)
        if (f.prefix ? rest.starts_with(f.name) : rest == f.name) return true;
    return false;
}

// ---- Per shard: the member, her indexes, her visits ----

inline std::string member_prefix(const Shard& shard) {
    return shard_prefix(shard) + "m:";
}
inline std::string member(const Shard& shard, std::string_view id) {
    return member_prefix(shard) + std::string(id);
}
// A member index (core/member_write.h names them: "bd:09-15", "p4:0000", ...).
inline std::string index(const Shard& shard, std::string_view suffix) {
    return shard_prefix(shard) + std::string(suffix);
}
inline std::string visit_state(const Shard& shard, std::string_view member) {
    return shard_prefix(shard) + "v:" + std::string(member);
}
// "lapse", "returned", "lapsed", "reminded", "churned", "counts"
inline std::string winback(const Shard& shard, std::string_view name) {
    return shard_prefix(shard) + "wb:" + std::string(name);
}

// ---- Per shard: jobs and their sets ----

inline std::string job_prefix(const Shard& shard) {
    return shard_prefix(shard) + "job:";
}
inline std::string job(const Shard& shard, std::string_view job_id) {
    return job_prefix(shard) + std::string(job_id);
}
inline std::string due(const Shard& shard) {
    return shard_prefix(shard) + "due";
}
inline std::string inflight(const Shard& shard) {
    return shard_prefix(shard) + "inflight";
}
// Jobs by state, cumulative; a sharded store's readers sum the shards'.
inline std::string counts(const Shard& shard) {
    return shard_prefix(shard) + "counts";
}
// The jobs of the local day that ends at `day_end` (Unix seconds: the jobs'
// expires_at), by recipient: field "<channel>:<address>", value the job ids.
inline std::string open_jobs(const Shard& shard, long long day_end) {
    return shard_prefix(shard) + "open:" + std::to_string(day_end);
}
// A due day's sheets (core/job_record.h, io/sheet_store.h): the day's
// sheet count and counts; sheet `i`; the shard's sheets by when they are
// due; the due days of an occasion date.
inline std::string sheets(const Shard& shard, std::string_view day) {
    return shard_prefix(shard) + "sheets:" + std::string(day);
}
inline std::string sheet(const Shard& shard, std::string_view day, int i) {
    return shard_prefix(shard) + "sheet:" + std::string(day) + ":" + std::to_string(i);
}
inline std::string sheet_notes(const Shard& shard, std::string_view day) {
    return shard_prefix(shard) + "notes:" + std::string(day);
}
inline std::string sheet_due(const Shard& shard) {
    return shard_prefix(shard) + "sheetdue";
}
inline std::string occasion_days(const Shard& shard, std::string_view occasion) {
    return shard_prefix(shard) + "days:" + std::string(occasion);
}
// A store's approval of its local day `date` ("YYYY-MM-DD"), as each shard's
// approve_day.lua wrote it with that shard's jobs.
inline std::string approval(const Shard& shard, std::string_view date) {
    return shard_prefix(shard) + "approved:" + std::string(date);
}

// ---- Per shard: consent ----

inline std::string consent_log(const Shard& shard) {
    return shard_prefix(shard) + "consent:log";
}
// A full copy in every shard: a job's address is checked in its own slot.
inline std::string opt_outs(const Shard& shard, std::string_view channel) {
    return shard_prefix(shard) + "optout:" + std::string(channel);
}
// Who was welcomed (core/welcome.h): field "<member>|<channel>", the time
// (Unix s) her welcome was created. Kept for good; her erasure removes hers.
inline std::string welcomed(const Shard& shard) {
    return shard_prefix(shard) + "welcomed";
}
// An event id sent to POST /api/v1/stores/<S>/events, with its first answer
// (kept in the shard of the event's member).
inline std::string event(const Shard& shard, std::string_view event_id) {
    return shard_prefix(shard) + "event:" + std::string(event_id);
}

// ---- Per shard: segments and care, the shard's part ----

// A shard's value-segment generation and counts (`gen`, n0…n7), which
// scripts/set_segments.lua keeps with a member's `sg`. For K = 1 it is the
// store's own hash, segments(store).
inline std::string shard_segments(const Shard& shard) {
    return shard_prefix(shard) + "seg";
}
// The members of value segment `code` (0-7), kept by scripts/set_segments.lua.
inline std::string segment_index(const Shard& shard, int code) {
    return shard_segments(shard) + ":" + std::to_string(code);
}
// A shard's entries of the care list of local day `date`, marked by
// scripts/mark_care.lua with her hash. For K = 1 it is care_day(store, date).
inline std::string shard_care_day(const Shard& shard, std::string_view date) {
    return shard_prefix(shard) + "care:" + std::string(date);
}

// ---- Per shard: the effect report's records (io/effect_store.h) ----

inline std::string holdout(const Shard& shard, Kind kind) {
    return shard_prefix(shard) + "holdout:" + std::string(to_string(kind));
}
inline std::string touches(const Shard& shard) {
    return shard_prefix(shard) + "fx:touch";
}
// The last local day whose claimed records' sent times were forgotten
// (EffectStore::forget_sent_records).
inline std::string sent_times_forgotten(const Shard& shard) {
    return shard_prefix(shard) + "fx:forgot";
}
inline std::string sent_times(const Shard& shard) {
    return shard_prefix(shard) + "fx:sent";
}
// Delivery receipts (io/receipt_index.h): the shard's sent jobs whose
// receipt huitou asks the provider for, by when to ask next.
inline std::string receipt_waits(const Shard& shard) {
    return shard_prefix(shard) + "rcpt";
}

// ---- Per shard: webhooks (io/webhook_store.h) ----

inline std::string webhooks_on(const Shard& shard) {
    return shard_prefix(shard) + "wh:on";
}
inline std::string webhook_events(const Shard& shard) {
    return shard_prefix(shard) + "wh:events";
}
// "cur", "due", "q", "try", "replay", "log": one endpoint's state in the shard.
inline std::string webhook_state(const Shard& shard, std::string_view name,
                                 std::string_view endpoint) {
    return shard_prefix(shard) + "wh:" + std::string(name) + ":" + std::string(endpoint);
}

// ---- The whole store, under {S} ----

// Which scheduler replica plans and dispatches the store (io/store_leases.h).
inline std::string lease(std::string_view store) {
    return store_prefix(store) + "lease";
}
// The store's shard record (core/store_shards.h: ShardRecord); absent, K = 1.
inline std::string shard_record(std::string_view store) {
    return store_prefix(store) + "shards";
}
// Events the doors parked while a reshard held the store, in order
// (io/parked_events.h), and the count their entries are numbered by.
inline std::string reshard_parked(std::string_view store) {
    return store_prefix(store) + "reshard:parked";
}
inline std::string reshard_parked_count(std::string_view store) {
    return store_prefix(store) + "reshard:parked:n";
}
// An announcement (core/announcement.h), the store's announcements by date
// (day number → id) and the counter their ids are made with.
inline std::string announcement(std::string_view store, std::string_view id) {
    return store_prefix(store) + "ann:" + std::string(id);
}
inline std::string announcements(std::string_view store) {
    return store_prefix(store) + "anns";
}
inline std::string announcement_counter(std::string_view store) {
    return store_prefix(store) + "anns:n";
}
// The job layout of a store (io/sheet_store.h): absent = 1, hashes; 2 = sheets.
inline std::string jobs_version(std::string_view store) {
    return store_prefix(store) + "jobs:v";
}
// The store's value segments: thresholds, generation, counts (io/segment_store.h).
inline std::string segments(std::string_view store) {
    return store_prefix(store) + "seg";
}
// A store's care list of local day `date` ("YYYY-MM-DD"; io/care_store.h).
inline std::string care_day(std::string_view store, std::string_view date) {
    return store_prefix(store) + "care:" + std::string(date);
}
// What planning left out on a local day, "<kind>|<reason>" → members
// (io/effect_store.h, the console's results page).
inline std::string plan_skips(std::string_view store, std::string_view day) {
    return store_prefix(store) + "fx:skip:" + std::string(day);
}
// When the point-of-sale system last sent a visit (the console's health page).
inline std::string pos_last(std::string_view store) {
    return store_prefix(store) + "pos:last";
}
inline std::string saved_templates(std::string_view store) {
    return store_prefix(store) + "tpl";
}
// `field`: "<name>.<channel>" (core/saved_templates.h).
inline std::string template_versions(std::string_view store, std::string_view field) {
    return store_prefix(store) + "tpl:log:" + std::string(field);
}

// `text` with the glob metacharacters escaped, for a SCAN/HSCAN/ZSCAN MATCH
// pattern that must match it literally (a member id inside a key or field).
inline std::string glob_literal(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

// ---- No store's ----

// Per provider account (its own hash tag): the job a provider's message id
// (Tencent's SerialNo) belongs to, "<store>/<job id>".
inline std::string receipt_serial(std::string_view account, std::string_view serial) {
    return "hu:rcpt:{" + std::string(account) + "}:sid:" + std::string(serial);
}

// API keys (io/api_key_store.h): one hash tag for all of them, so adding
// and revoking a key is one transaction on a cluster too.
inline std::string api_key(std::string_view id) {
    return "hu:{apikeys}:k:" + std::string(id);
}
inline std::string api_key_ids() {
    return "hu:{apikeys}:ids";
}
inline std::string api_key_names() {
    return "hu:{apikeys}:names";
}

// Console accounts and sessions (io/account_store.h): one tag for all, so
// disabling an account and ending its sessions is one slot on a cluster.
inline std::string account(std::string_view login) {
    return "hu:{accounts}:u:" + std::string(login);
}
inline std::string account_logins() {
    return "hu:{accounts}:logins";
}
inline std::string account_failures(std::string_view login) {
    return "hu:{accounts}:f:" + std::string(login);
}
inline std::string session(std::string_view digest) {
    return "hu:{accounts}:s:" + std::string(digest);
}
inline std::string account_sessions(std::string_view login) {
    return "hu:{accounts}:ls:" + std::string(login);
}

// An Idempotency-Key's record: `caller` is "admin" or "key:<id>", `digest`
// the hex SHA-256 of the key (any printable text, up to 255 characters).
inline std::string idempotency(std::string_view caller, std::string_view digest) {
    return "hu:idem:{" + std::string(caller) + "}:" + std::string(digest);
}
// Webhooks (io/webhook_store.h). Endpoints belong to no store: one tag.
inline std::string webhook_endpoint(std::string_view id) {
    return "hu:{webhooks}:e:" + std::string(id);
}
inline std::string webhook_endpoint_ids() {
    return "hu:{webhooks}:ids";
}

}  // namespace huitou::keys
