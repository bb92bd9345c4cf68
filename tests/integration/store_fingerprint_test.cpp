// A store's fingerprint (io/store_fingerprint.h): the same writes, through
// the io classes, into a store over one shard and into a store over three
// (each on its own redis-server, under the same store id) give the same sum
// in every family; one changed member field, one removed due entry, one extra
// opt-out address, one job id gone from an address's open jobs, one care
// entry marked, each change exactly their family.
#include "io/store_fingerprint.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/config.h"
#include "core/store_shards.h"
#include "core/webhook_plan.h"
#include "io/care_store.h"
#include "io/consent_store.h"
#include "io/effect_store.h"
#include "io/job_store.h"
#include "io/member_store.h"
#include "io/redis_cluster.h"
#include "io/redis_keys.h"
#include "io/segment_store.h"
#include "io/shard_map.h"
#include "io/sheet_store.h"
#include "io/visit_store.h"
#include "io/webhook_store.h"
#include "tests/support/test_cluster.h"
#include "tests/support/test_jobs.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

const std::string kStore = "toyland";
// Care on, every segment, a call a month: the members with visits have a
// care call due on the day the list is built.
const char* const kConfig = R"(
[stores.toyland]
name = "童乐玩具"
[stores.toyland.care]
enabled = true
segments = ["重要挽留", "重要价值", "重要保持", "重要发展", "一般挽留", "一般价值", "一般保持", "一般发展"]
calls_per_year = 12
)";

std::string member_id(int i) {
    char id[16];
    std::snprintf(id, sizeof id, "T%04d", i);
    return id;
}
// The member who shares member 0's phone, in another shard than hers over
// three: the address's open jobs are in two shards.
int sharing_phone() {
    for (int i = 12;; ++i)
        if (member_shard(member_id(i), 3) != member_shard(member_id(0), 3)) return i;
}
std::string phone_of(int i) {
    return "+86138" + std::to_string(10000000 + (i == sharing_phone() ? 0 : i));
}

// What `huitou reshard` will write into an empty store (step 6), as
// tests/integration/store_shards_test.cpp does; a K = 1 store gets the day
// sheets' layout too, so both plan records the same way.
void prepare(RedisConnection& redis, int k) {
    if (k > 1)
        redis.command({"HSET", keys::shard_record(kStore), "k", std::to_string(k), "hash", "1"})
            .expect_ok("HSET shards");
    redis.command({"SET", keys::jobs_version(kStore), "2"}).expect_ok("SET jobs:v");
}

Job greeting(int i, SysSeconds due) {
    Job j = birthday_job(member_id(i));
    j.to = phone_of(i);
    j.due_at = due;
    return j;
}

Job festival(int i) {
    Job j;
    j.store = kStore;
    j.kind = Kind::festival;
    j.member_id = member_id(i);
    j.occasion_date = *parse_date("2027-09-21");
    j.id = make_job_id(j.kind, j.member_id, j.occasion_date, "mid_autumn");
    j.channel = Channel::sms;
    j.to = phone_of(i);
    j.text = "中秋节快乐";
    j.due_at = at("2027-09-21T10:00:00+08:00") + std::chrono::seconds{i};
    j.expires_at = at("2027-09-22T00:00:00+08:00");
    return j;
}

// The same writes, in the same order, whatever the store's K.
void write_store(RedisConnection& redis, const Config& config) {
    // 30 members, imported with consent evidence (one ledger entry a batch
    // and shard, naming its members).
    MemberStore members(redis);
    std::vector<MemberRecord> records;
    for (int i = 0; i < 30; ++i) {
        MemberRecord r{kStore, member_id(i), {}, {}};
        r.set = {{"name", "会员" + std::to_string(i)},
                 {"phone", phone_of(i)},
                 {"birthday", "09-15"},
                 {"sms_optin", "1"}};
        records.push_back(std::move(r));
    }
    const MemberStore::Evidence evidence{at("2027-09-01T09:00:00+08:00"), "members.csv",
                                         ConsentSource::import};
    members.upsert(records, &evidence);

    // Visits.
    VisitStore visits(redis, config);
    std::vector<Visit> history;
    for (int i = 0; i < 30; i += 2) {
        const auto when = at("2027-08-20T15:00:00+08:00") + std::chrono::hours(i);
        history.push_back(Visit{kStore, member_id(i), when, *parse_date("2027-08-20"),
                                "id:" + std::to_string(i), 1000LL * (1 + i % 5)});
    }
    visits.record(history, at("2027-08-21T12:00:00+08:00"));

    // Birthday greetings with explicit due times, some claimed, a few with
    // results; one more, later, to the phone member 0 shares.
    JobStore jobs(redis, config.scheduler);
    std::vector<Job> greetings;
    for (int i = 0; i < 12; ++i)
        greetings.push_back(greeting(i, at("2027-09-15T10:00:00+08:00") + std::chrono::minutes(i)));
    greetings.push_back(greeting(sharing_phone(), at("2027-09-15T10:30:00+08:00")));
    REQUIRE(jobs.create(greetings) == greetings.size());
    const auto claim = jobs.claim_due(kStore, at("2027-09-15T10:05:00+08:00"), 100);
    REQUIRE(claim.jobs.size() == 6);
    for (int i = 0; i < 3; ++i)
        REQUIRE(jobs.record(result(greetings[static_cast<std::size_t>(i)], Outcome::sent,
                                   at("2027-09-15T10:06:00+08:00"))) == JobState::sent);

    // A day sheet (layout 2): a festival's records.
    SheetStore sheets(redis);
    const Date day = *parse_date("2027-09-21");
    std::vector<Job> festival_jobs;
    for (int i = 10; i < 30; ++i)
        festival_jobs.push_back(festival(i));
    festival_jobs[3].state = JobState::held;  // the holdout group: hu:{T}:holdout:festival
    festival_jobs[3].holdout_record = "2027 h";
    const auto n = sheets.sheets_for_day(kStore, day, festival_jobs.size());
    REQUIRE(sheets.plan(kStore, day, at("2027-09-21T00:00:00+08:00"), n, festival_jobs) == 20);

    // Consent: an SMS reply "TD" from member 8's phone (an address, no
    // member: recorded in the address's own shard, copied into every shard),
    // and an opt-out at the counter for member 9 under an API event id.
    ConsentStore consent(redis, config);
    ConsentEvent reply;
    reply.at = at("2027-09-15T09:30:00+08:00");
    reply.store = kStore;
    reply.channel = Channel::sms;
    reply.source = ConsentSource::sms_reply;
    reply.address = phone_of(8);
    reply.detail = "TD";
    REQUIRE(consent.record(reply).newly_opted_out);
    ConsentEvent counter;
    counter.at = at("2027-09-15T09:40:00+08:00");
    counter.store = kStore;
    counter.channel = Channel::sms;
    counter.source = ConsentSource::counter;
    counter.member = member_id(9);
    counter.address = phone_of(9);
    counter.detail = "不想收短信";
    const OnceKey once{keys::event(shard_of_member(redis, kStore, member_id(9)), "ev-9"),
                       "{\"ok\":true}", 30 * 86400};
    REQUIRE(consent.record(counter, &once).newly_opted_out);

    // The day after: segments, the care list (built, two entries marked,
    // posted by the robot), the claimed records' sent times forgotten.
    const StoreConfig& store = *config.find_store(kStore);
    const Date next = *parse_date("2027-09-16");
    const auto morning = at("2027-09-16T01:00:00+08:00");
    SegmentStore(redis, config).recompute(store, next, nullptr, true);
    CareStore care(redis, config);
    REQUIRE(care.build(store, next, morning).listed >= 3);
    const auto list = care.day(store, next);
    REQUIRE(list);
    const auto noon = at("2027-09-16T12:00:00+08:00");
    REQUIRE(care.mark(store, next, list->rows[0].entry.member, CareState::done, "聊了十分钟",
                      "小王", noon) == CareMarkResult::ok);
    REQUIRE(care.mark(store, next, list->rows[1].entry.member, CareState::no_answer, "", "小王",
                      noon) == CareMarkResult::ok);
    care.note_pushed(kStore, next, noon);
    EffectStore(redis).forget_sent_records(kStore, *parse_date("2027-09-17"));

    // A webhook endpoint for the store (last: the queues' test writes its
    // own events).
    WebhookStore(redis).add("https://crm.example.com/h", false, {kStore}, webhook_event_types(),
                            {kStore}, noon);
}

// Two stores written one after the other differ where Redis' own clock wrote:
// the ledger's entry ids (XADD *) and the expiry of a job hash set relative to
// now (EXPIRE on a result). A reshard keeps both (XADD <ms>-*, RESTORE
// ABSTTL); here each ledger entry gets the instant its event names, and the
// K = 3 store's jobs the K = 1 store's expiry, as a copy would.
void pin_ledger(RedisConnection& redis, int k) {
    for (const auto& shard : all_shards(kStore, k)) {
        const auto key = keys::consent_log(shard);
        const auto entries = redis.command({"XRANGE", key, "-", "+"});
        std::vector<std::pair<long long, RedisCommand>> adds;
        for (const auto& e : entries.elements) {
            long long when = 0;
            RedisCommand add{"XADD", key, ""};
            for (std::size_t i = 0; i + 1 < e.elements[1].elements.size(); i += 2) {
                const auto& field = e.elements[1].elements[i].str;
                const auto& value = e.elements[1].elements[i + 1].str;
                if (field == "at") when = std::stoll(value);
                add.push_back(field);
                add.push_back(value);
            }
            add[2] = std::to_string(when * 1000) + "-*";
            adds.emplace_back(when, std::move(add));
        }
        std::stable_sort(adds.begin(), adds.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        redis.command({"DEL", key});
        for (const auto& [when, add] : adds)
            redis.command(add).expect_ok("XADD pinned");
    }
}

void copy_job_expiries(RedisConnection& from, RedisConnection& to, int k) {
    const auto prefix = keys::job_prefix(only_shard(kStore));
    for (const auto& key : keys_matching(from, prefix + "*")) {
        const auto id = key.substr(prefix.size());
        const auto when = from.command({"PEXPIRETIME", key}).integer;
        const Shard shard{kStore, k, *job_shard(id, k)};
        REQUIRE(to.command({"EXISTS", keys::job(shard, id)}).integer == 1);
        if (when > 0)
            to.command({"PEXPIREAT", keys::job(shard, id), std::to_string(when)});
        else  // a dispatched job keeps no expiry
            to.command({"PERSIST", keys::job(shard, id)});
    }
}

long long items_of(const Fingerprint& f, const std::string& family) {
    for (const auto& s : f)
        if (s.family == family) return static_cast<long long>(s.items);
    return -1;
}

}  // namespace

TEST_CASE("the same store over one shard and over three: the same fingerprint, family by family") {
    TestRedis server_one, server_three;
    auto one = server_one.connect();
    auto three = server_three.connect();
    const Config config = parse_config(kConfig, "t.toml");
    prepare(one, 1);
    prepare(three, 3);
    write_store(one, config);
    write_store(three, config);
    pin_ledger(one, 1);
    pin_ledger(three, 3);
    copy_job_expiries(one, three, 3);
    // The writes did spread: every shard of three holds members.
    for (const auto& shard : all_shards(kStore, 3))
        CHECK_FALSE(keys_matching(three, keys::member_prefix(shard) + "*").empty());

    const auto fp_one = store_fingerprint(one, kStore, 1);
    const auto fp_three = store_fingerprint(three, kStore, 3);
    INFO("K = 1:\n" << to_string(fp_one) << "K = 3:\n" << to_string(fp_three));
    CHECK(differing_families(fp_one, fp_three).empty());
    // Read a few keys a round trip, every page and cursor is taken: the same.
    CHECK(differing_families(store_fingerprint(three, kStore, 3, 2), fp_one).empty());
    // Every family the writes touch has its items.
    CHECK(items_of(fp_one, "m") == 30);
    CHECK(items_of(fp_one, "v") == 15);
    CHECK(items_of(fp_one, "wb") >= 15);
    CHECK(items_of(fp_one, "wb:counts") > 0);
    CHECK(items_of(fp_one, "job") == 13);
    CHECK(items_of(fp_one, "due") == 7 - 2);  // the two opted-out members' greetings cancelled
    CHECK(items_of(fp_one, "inflight") == 3);
    CHECK(items_of(fp_one, "fx:touch") >= 12);
    CHECK(items_of(fp_one, "fx:sent") == 3);
    CHECK(items_of(fp_one, "sheet") == 20);
    CHECK(items_of(fp_one, "holdout") == 1);
    CHECK(items_of(fp_one, "sheets") > 0);
    CHECK(items_of(fp_one, "counts") > 0);
    CHECK(items_of(fp_one, "event") == 1);
    CHECK(items_of(fp_one, "consent:log") == 30 + 2);  // the import's, a member each; two opt-outs
    CHECK(items_of(fp_one, "optout") == 2);
    CHECK(items_of(fp_one, "days") > 0);
    CHECK(items_of(fp_one, "open") == 13);  // every greeting's id, the cancelled too
    CHECK(items_of(fp_one, "care") >= 3);
    CHECK(items_of(fp_one, "fx:forgot") == 1);
    CHECK(items_of(fp_one, "wh:on") == 1);
    // The K = 3 server read as if it were one shard: only the store's own keys, nothing.
    CHECK(items_of(store_fingerprint(three, kStore, 1), "m") == 0);

    const auto differs = [&] {
        return differing_families(fp_one, store_fingerprint(three, kStore, 3));
    };
    SECTION("a changed member field: only `m`") {
        const Shard home{kStore, 3, member_shard(member_id(4), 3)};
        three.command({"HSET", keys::member(home, member_id(4)), "name", "会员四"});
        CHECK(differs() == std::vector<std::string>{"m"});
        three.command({"HSET", keys::member(home, member_id(4)), "name", "会员4"});
        CHECK(differs().empty());
    }
    SECTION("a due entry removed: only `due`") {
        const auto id = make_job_id(Kind::birthday, member_id(11), *parse_date("2027-09-15"));
        const Shard home{kStore, 3, *job_shard(id, 3)};
        const auto score = three.command({"ZSCORE", keys::due(home), id}).str;
        REQUIRE_FALSE(score.empty());
        REQUIRE(three.command({"ZREM", keys::due(home), id}).integer == 1);
        CHECK(differs() == std::vector<std::string>{"due"});
        three.command({"ZADD", keys::due(home), score, id});
        CHECK(differs().empty());
    }
    SECTION("an extra opt-out address, in one shard's copy: only `optout`") {
        three.command({"SADD", keys::opt_outs(Shard{kStore, 3, 2}, "sms"), "+8613999999999"});
        CHECK(differs() == std::vector<std::string>{"optout"});
    }
    SECTION("webhook queues: the event ids a receiver sees, whichever stream holds them") {
        // One queued event of member 5 for endpoint E, at K = 1 as the
        // dispatcher left it (id "toyland:<stream id>"), at K = 3 as a
        // reshard's copy leaves it: re-added to her shard's stream with a
        // new stream id and the old id in the field `id`.
        const std::vector<std::string> event{"t",  "message.sent", "m", member_id(5),
                                             "at", "1789000000",   "d", "{}"};
        RedisCommand add_one{"XADD", keys::webhook_events(only_shard(kStore)), "1789000000000-0"};
        add_one.insert(add_one.end(), event.begin(), event.end());
        one.command(add_one).expect_ok("XADD");
        one.command({"HSET", keys::webhook_state(only_shard(kStore), "q", "E"), member_id(5),
                     "1789000000000-0"});
        const Shard home{kStore, 3, member_shard(member_id(5), 3)};
        RedisCommand add_three{"XADD", keys::webhook_events(home), "1789000005000-0"};
        add_three.insert(add_three.end(), event.begin(), event.end());
        add_three.push_back("id");
        add_three.push_back("toyland:1789000000000-0");
        three.command(add_three).expect_ok("XADD");
        three.command(
            {"HSET", keys::webhook_state(home, "q", "E"), member_id(5), "1789000005000-0"});
        const auto with_queue = store_fingerprint(one, kStore, 1);
        CHECK(items_of(with_queue, "wh:q") == 1);
        CHECK(differing_families(with_queue, store_fingerprint(three, kStore, 3)).empty());
        // Without the old id, the receiver would see another event: `wh:q` differs.
        three.command({"XDEL", keys::webhook_events(home), "1789000005000-0"});
        CHECK(differing_families(with_queue, store_fingerprint(three, kStore, 3)) ==
              std::vector<std::string>{"wh:q"});
    }
    SECTION("counts are summed over the shards: a count moved between shards, or at 0") {
        const auto counts_of = [&](int i) { return keys::counts(Shard{kStore, 3, i}); };
        // A reshard may write a count to any shard, readers only sum.
        three.command({"HINCRBY", counts_of(0), "planned", "-1"});
        three.command({"HINCRBY", counts_of(1), "planned", "1"});
        three.command({"HSET", counts_of(2), "failed", "0"});
        CHECK(differs().empty());
        three.command({"HINCRBY", counts_of(2), "planned", "1"});
        CHECK(differs() == std::vector<std::string>{"counts"});
    }
    SECTION("an address's open jobs: an item a job id, whichever shard lists it") {
        const long long day_end = std::chrono::duration_cast<std::chrono::seconds>(
                                      at("2027-09-16T00:00:00+08:00").time_since_epoch())
                                      .count();
        const std::string field = "sms:" + phone_of(0);
        const auto hers = make_job_id(Kind::birthday, member_id(0), *parse_date("2027-09-15"));
        const auto theirs =
            make_job_id(Kind::birthday, member_id(sharing_phone()), *parse_date("2027-09-15"));
        // One field at K = 1; at K = 3 a field in each member's shard.
        CHECK(one.command({"HGET", keys::open_jobs(only_shard(kStore), day_end), field}).str ==
              hers + " " + theirs);
        const auto index = [&](const std::string& member) {
            return keys::open_jobs(Shard{kStore, 3, member_shard(member, 3)}, day_end);
        };
        REQUIRE(three.command({"HGET", index(member_id(0)), field}).str == hers);
        REQUIRE(three.command({"HGET", index(member_id(sharing_phone())), field}).str == theirs);
        // Both ids listed by one shard: the same items.
        three.command({"HDEL", index(member_id(sharing_phone())), field});
        three.command({"HSET", index(member_id(0)), field, theirs + " " + hers});
        CHECK(differs().empty());
        // One id gone: only `open`.
        three.command({"HSET", index(member_id(0)), field, hers});
        CHECK(differs() == std::vector<std::string>{"open"});
    }
    SECTION("a care entry marked in its shard: only `care`; the {S} list as built is not read") {
        const StoreConfig& store = *config.find_store(kStore);
        const Date next = *parse_date("2027-09-16");
        CareStore care(three, config);
        const auto list = care.day(store, next);
        REQUIRE(list);
        const auto open = std::find_if(list->rows.begin(), list->rows.end(), [](const CareRow& r) {
            return r.entry.state == CareState::open;
        });
        REQUIRE(open != list->rows.end());
        const auto member = open->entry.member;
        const auto key =
            keys::shard_care_day(Shard{kStore, 3, member_shard(member, 3)}, format_date(next));
        const auto before = three.command({"HGET", key, member}).str;
        REQUIRE_FALSE(before.empty());
        // "no_answer" writes only the list.
        REQUIRE(care.mark(store, next, member, CareState::no_answer, "关机", "小李",
                          at("2027-09-16T15:00:00+08:00")) == CareMarkResult::ok);
        CHECK(differs() == std::vector<std::string>{"care"});
        three.command({"HSET", key, member, before});
        CHECK(differs().empty());
        // The store's own list stays as built at K > 1: a change there is
        // not the shards' data.
        three.command({"HSET", keys::care_day(kStore, format_date(next)), member, "stop|0|0||"});
        CHECK(differs().empty());
    }
    SECTION("fx:forgot: the shards' earliest; wh:on: the shards' united") {
        const auto forgot = [](int i) { return keys::sent_times_forgotten(Shard{kStore, 3, i}); };
        REQUIRE(three.command({"GET", forgot(1)}).str == "2027-09-16");
        three.command({"SET", forgot(1), "2027-09-15"});  // a forget cut between its shards
        CHECK(differs() == std::vector<std::string>{"fx:forgot"});
        three.command({"SET", forgot(1), "2027-09-16"});
        CHECK(differs().empty());
        // One shard's flag gone is not seen (the dispatcher sets it again);
        // every shard's is.
        three.command({"DEL", keys::webhooks_on(Shard{kStore, 3, 2})});
        CHECK(differs().empty());
        for (const auto& shard : all_shards(kStore, 3))
            three.command({"DEL", keys::webhooks_on(shard)});
        CHECK(differs() == std::vector<std::string>{"wh:on"});
    }
    SECTION("an address in every shard's copy counts once") {
        for (const auto& shard : all_shards(kStore, 3))
            three.command({"SADD", keys::opt_outs(shard, "sms"), "+8613999999999"});
        one.command({"SADD", keys::opt_outs(only_shard(kStore), "sms"), "+8613999999999"});
        CHECK(differing_families(store_fingerprint(one, kStore, 1),
                                 store_fingerprint(three, kStore, 3))
                  .empty());
    }
}

TEST_CASE("the fingerprint of a store over three shards on three cluster masters") {
    TestCluster cluster;
    // Each shard's slot on its own master, as an operator would put them.
    std::set<std::size_t> used;
    for (const auto& shard : all_shards(kStore, 3)) {
        const int slot = key_slot("{" + shard.tag() + "}");
        if (used.insert(cluster.master_of(slot)).second) continue;
        for (const auto m : cluster.masters()) {
            if (used.contains(m)) continue;
            cluster.move_slot(slot, m);
            used.insert(m);
            break;
        }
    }
    REQUIRE(used.size() == 3);
    TestRedis server_one;
    auto one = server_one.connect();
    auto three = cluster.connect();
    const Config config = parse_config(kConfig, "t.toml");
    prepare(one, 1);
    prepare(three, 3);
    write_store(one, config);
    write_store(three, config);
    pin_ledger(one, 1);
    pin_ledger(three, 3);
    copy_job_expiries(one, three, 3);

    const auto fp_one = store_fingerprint(one, kStore, 1);
    const auto fp_three = store_fingerprint(three, kStore, 3);
    INFO("K = 1:\n" << to_string(fp_one) << "K = 3 on the cluster:\n" << to_string(fp_three));
    CHECK(differing_families(fp_one, fp_three).empty());
    CHECK(items_of(fp_three, "m") == 30);
    CHECK(differing_families(store_fingerprint(three, kStore, 3, 2), fp_one).empty());
    // A visit state changed on whichever master holds it: only `v`.
    const Shard home{kStore, 3, member_shard(member_id(2), 3)};
    REQUIRE(three.command({"EXISTS", keys::visit_state(home, member_id(2))}).integer == 1);
    three.command({"HSET", keys::visit_state(home, member_id(2)), "fingerprint_test", "1"});
    CHECK(differing_families(fp_one, store_fingerprint(three, kStore, 3)) ==
          std::vector<std::string>{"v"});
}
