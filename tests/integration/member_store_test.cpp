#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <sstream>

#include "cli/import_command.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {
const Config config = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[stores.babycare]
name = "贝贝母婴"
)",
                                   "t.toml");

ImportReport import_text(RedisConnection& redis, const TempDir& dir, const std::string& name,
                         const std::string& text, std::string* errors = nullptr) {
    write_file(dir.file(name), text);
    std::ostringstream err;
    ImportOptions o;
    o.path = dir.file(name);
    o.batch = 2;  // small batches exercise the batching
    auto report = import_members(o, config, redis, err);
    if (errors) *errors = err.str();
    return report;
}

std::vector<std::string> index_members(RedisConnection& redis, const std::string& key) {
    std::vector<std::string> out;
    for (const auto& e : redis.command({"HKEYS", key}).elements)
        out.push_back(e.str);
    std::sort(out.begin(), out.end());
    return out;
}
}  // namespace

SCENARIO("importing members into a real Redis") {
    TestRedis server;
    auto redis = server.connect();
    TempDir dir;
    const std::string csv =
        "member_id,store,name,gender,birthday,phone,sms_optin\n"
        "M1,toyland,王芳,F,1990-09-15,13800138001,1\n"
        "M2,toyland,李强,M,--09-15,13800138002,0\n"
        "M3,toyland,坏电话,F,1990-01-01,12345,1\n"             // line 4: bad phone (left out)
        "M4,nowhere,张三,M,1990-01-01,13800138004,1\n"         // line 5: unknown store (rejected)
        "M5,babycare,\"孙, 丽\",F,1993-02-29,13800138005,1\n"  // line 6: no 29 Feb in 1993
        "M6,babycare,\"周\n杰\",M,1989-02-28,13800138006,1\n"  // line 7: a name over two lines
        "M7,babycare,吴倩,F,1994-09-16,13800138007,yes\n";     // line 9

    GIVEN("a CSV with good and bad rows") {
        std::string errors;
        const auto report = import_text(redis, dir, "members.csv", csv, &errors);

        THEN("a bad key rejects its row, a bad field is left out; each is reported by its line") {
            CHECK(report.rows == 7);
            CHECK(report.created == 6);
            CHECK(report.rejected == 1);
            CHECK(report.warned == 3);
            CHECK_THAT(errors, Catch::Contains("line 4: warning: phone \"12345\""));
            CHECK_THAT(errors, Catch::Contains("line 5: store \"nowhere\" is not in the config"));
            CHECK_THAT(errors, Catch::Contains("line 6: warning: birthday \"1993-02-29\" is not a "
                                               "real date"));
            CHECK_THAT(errors, Catch::Contains("line 7: warning: name holds control characters; "
                                               "left out"));
            MemberStore store(redis);
            const auto m1 = store.get("toyland", "M1");
            REQUIRE(m1);
            CHECK(m1->name == "王芳");
            CHECK(m1->phone == "+8613800138001");
            CHECK(m1->sms_optin);
            CHECK_FALSE(m1->wechat_optin);
            CHECK(store.get("babycare", "M7")->sms_optin);
            const auto m3 = store.get("toyland", "M3");
            REQUIRE(m3);  // without a phone, with her birthday
            CHECK(m3->phone.empty());
            CHECK(m3->birthday);
            CHECK_FALSE(store.get("babycare", "M5")->birthday);
            CHECK(store.get("babycare", "M6")->name.empty());
            CHECK_FALSE(store.get("toyland", "M4"));
        }
        THEN("the birthday index holds the members of each month-day") {
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:09-15")) ==
                  std::vector<std::string>{"M1", "M2"});
            CHECK(index_members(redis, keys::index(only_shard("babycare"), "bd:09-16")) ==
                  std::vector<std::string>{"M7"});
        }
        WHEN("the same file is imported again") {
            const auto before = redis.command({"DBSIZE"}).integer;
            const auto again = import_text(redis, dir, "members.csv", csv);
            THEN("nothing changes") {
                CHECK(again.created == 0);
                CHECK(again.updated == 0);
                CHECK(again.unchanged == 6);
                CHECK(redis.command({"DBSIZE"}).integer == before);
            }
        }
        WHEN("a later file changes a birthday and leaves other columns out") {
            const auto update =
                import_text(redis, dir, "update.jsonl",
                            R"({"member_id":"M1","store":"toyland","birthday":"1990-10-01"})"
                            "\n");
            THEN("the member moves between index entries and keeps the rest") {
                CHECK(update.updated == 1);
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:09-15")) ==
                      std::vector<std::string>{"M2"});
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:10-01")) ==
                      std::vector<std::string>{"M1"});
                const auto m1 = MemberStore(redis).get("toyland", "M1");
                CHECK(m1->name == "王芳");
                CHECK(m1->phone == "+8613800138001");
            }
        }
        WHEN("a later file has bad values for stored fields") {
            std::string err;
            const auto update = import_text(
                redis, dir, "typos.csv",
                "member_id,store,name,gender,birthday,phone,sms_optin,wechat_openid,tier\n"
                "M1,toyland,王芳芳,X,1990-02-30,12345,maybe,oTOY_,\"\x01\"\n",
                &err);
            THEN("the good field is written, the stored values of the bad ones stay") {
                CHECK(update.updated == 1);
                CHECK(update.rejected == 0);
                CHECK(update.warned == 1);
                const auto m1 = MemberStore(redis).get("toyland", "M1");
                REQUIRE(m1);
                CHECK(m1->name == "王芳芳");
                CHECK(m1->gender == Gender::female);
                CHECK(m1->phone == "+8613800138001");
                CHECK(m1->sms_optin);
                CHECK(m1->birthday == parse_birthday("1990-09-15"));
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:09-15")) ==
                      std::vector<std::string>{"M1", "M2"});
                for (const auto* field :
                     {"gender", "birthday", "phone", "sms_optin", "wechat_openid", "tier"}) {
                    CHECK_THAT(err, Catch::Contains("line 2: warning: " + std::string(field)));
                }
            }
        }
        WHEN("one file names a member twice") {
            const auto twice = import_text(redis, dir, "twice.csv",
                                           "member_id,store,name,birthday\n"
                                           "M9,toyland,第一,2000-01-01\n"
                                           "M9,toyland,第二,2000-01-02\n");
            THEN("the rows apply in file order") {
                CHECK(twice.created == 1);
                CHECK(twice.updated == 1);
                CHECK(MemberStore(redis).get("toyland", "M9")->name == "第二");
                // M3 of the first file (imported without her bad phone) is born on 01-01.
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:01-01")) ==
                      std::vector<std::string>{"M3"});
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:01-02")) ==
                      std::vector<std::string>{"M9"});
            }
        }
    }
}

TEST_CASE("a write whose guard no longer holds is not applied") {
    TestRedis server;
    auto redis = server.connect();
    MemberStore store(redis);
    store.upsert({MemberRecord{"toyland", "M1", {{"birthday", "1990-09-15"}}, {}}});
    const LuaScript apply("apply_member_write");
    const std::string m1 = keys::member(only_shard("toyland"), "M1"),
                      m2 = keys::member(only_shard("toyland"), "M2");
    SECTION("a guard on field values") {
        // A write planned when M1 had no birthday (guard: birthday absent)
        // must not land: its index changes would be wrong.
        const auto reply =
            apply.run(redis, {m1},
                      {keys::shard_prefix(only_shard("toyland")), "M1", "1", "birthday", "", "1",
                       "name", "x", "0", "0", "1", "bd:01-01", ""});
        REQUIRE(reply.elements.size() == 1);
        CHECK(reply.elements[0].integer == 0);
        CHECK(redis.command({"HGET", m1, "name"}).is_nil());
        CHECK(redis.command({"EXISTS", keys::index(only_shard("toyland"), "bd:01-01")}).integer ==
              0);
        // The same write with the right guard lands.
        const auto ok = apply.run(redis, {m1},
                                  {keys::shard_prefix(only_shard("toyland")), "M1", "1", "birthday",
                                   "1990-09-15", "1", "name", "x", "0", "0", "0"});
        CHECK(ok.elements.at(0).integer == 1);
        CHECK(redis.command({"HGET", m1, "name"}).str == "x");
    }
    SECTION("a write for a new member, in a batch with another") {
        // Planned when neither existed (guard -1): M1 exists now, so only
        // M2's write lands, indexes included.
        const auto reply = apply.run(redis, {m1, m2},
                                     {keys::shard_prefix(only_shard("toyland")),
                                      "M1",
                                      "-1",
                                      "1",
                                      "name",
                                      "x",
                                      "0",
                                      "0",
                                      "1",
                                      "bd:01-01",
                                      "",
                                      "M2",
                                      "-1",
                                      "1",
                                      "name",
                                      "y",
                                      "0",
                                      "0",
                                      "1",
                                      "bd:02-02",
                                      ""});
        REQUIRE(reply.elements.size() == 2);
        CHECK(reply.elements[0].integer == 0);
        CHECK(reply.elements[1].integer == 1);
        CHECK(redis.command({"HGET", m1, "name"}).is_nil());
        CHECK(redis.command({"EXISTS", keys::index(only_shard("toyland"), "bd:01-01")}).integer ==
              0);
        CHECK(redis.command({"HGET", m2, "name"}).str == "y");
        CHECK(redis.command({"HEXISTS", keys::index(only_shard("toyland"), "bd:02-02"), "M2"})
                  .integer == 1);
    }
}

TEST_CASE("an import batch spanning stores and more than one script call") {
    TestRedis server;
    auto redis = server.connect();
    MemberStore store(redis);
    std::vector<MemberRecord> records;
    for (int i = 0; i < 250; ++i) {
        const std::string store_id = i % 3 == 0 ? "babycare" : "toyland";
        // Appended, not "M" + ...: GCC 12 -O3 misfires -Wstringop-overflow on that.
        std::string id = "M", name = "会员";
        id += std::to_string(i);
        name += std::to_string(i);
        records.push_back(MemberRecord{
            store_id, id, {{"name", name}, {"birthday", i % 2 ? "1990-09-15" : "--03-01"}}, {}});
    }
    const auto outcomes = store.upsert(records);
    CHECK(std::count(outcomes.begin(), outcomes.end(), WriteOutcome::created) == 250);
    CHECK(redis.command({"HLEN", keys::index(only_shard("toyland"), "bd:09-15")}).integer +
              redis.command({"HLEN", keys::index(only_shard("babycare"), "bd:09-15")}).integer ==
          125);
    CHECK(redis.command({"HLEN", keys::index(only_shard("babycare"), "bd:03-01")}).integer == 42);
    const auto m = store.get("babycare", "M3");
    REQUIRE(m);
    CHECK(m->name == "会员3");
    // Importing the same rows again changes nothing.
    const auto again = store.upsert(records);
    CHECK(std::count(again.begin(), again.end(), WriteOutcome::unchanged) == 250);
}

SCENARIO("lunar birthdays, children and card expiry in Redis, and a festival's stream") {
    TestRedis server;
    auto redis = server.connect();
    TempDir dir;
    GIVEN("members with lunar and solar birthdays, none, children and cards") {
        std::string errors;
        const auto report = import_text(
            redis, dir, "family.csv",
            "member_id,store,birthday,card_expires,child1_name,child1_birthday,child2_name,"
            "child2_birthday\n"
            "L1,toyland,lunar:1990-08-15,2027-09-22,小明,2019-06-01,小红,lunar:2021-08-15\n"
            "L2,toyland,lunar:--leap05-10,,,,,\n"
            "S1,toyland,1990-06-01,2027-09-22,,,,\n"
            "N1,toyland,,,,,,\n"
            "N2,toyland,,2026-01-01,,,,\n",
            &errors);
        REQUIRE(errors.empty());
        REQUIRE(report.created == 5);
        THEN("each index set holds its members") {
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "lbd:08-15")) ==
                  std::vector<std::string>{"L1"});
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "lbd:leap05-10")) ==
                  std::vector<std::string>{"L2"});
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "bd:none")) ==
                  std::vector<std::string>{"N1", "N2"});
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "cbd:06-01")) ==
                  std::vector<std::string>{"L1"});
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "clbd:08-15")) ==
                  std::vector<std::string>{"L1"});
            CHECK(index_members(redis, keys::index(only_shard("toyland"), "exp:2027-09-22")) ==
                  std::vector<std::string>{"L1", "S1"});
            MemberStore store(redis);
            CHECK(store.ids_in("toyland", {"bd:06-01", "cbd:06-01", "nothing"}) ==
                  std::vector<std::string>{"L1", "S1"});
            CHECK(store.get("toyland", "L1")->children.size() == 2);
        }
        THEN("a festival streams every member once, whatever the batch") {
            MemberStore store(redis);
            const auto batch = GENERATE(1u, 2u, 3u, 500u);
            std::vector<std::string> seen;
            std::size_t calls = 0;
            store.for_each_member("toyland", batch, [&](const std::vector<Member>& members) {
                ++calls;
                CHECK(members.size() <= batch);
                for (const auto& m : members)
                    seen.push_back(m.id);
            });
            std::sort(seen.begin(), seen.end());
            CHECK(seen == std::vector<std::string>{"L1", "L2", "N1", "N2", "S1"});
            CHECK(calls == (5 + batch - 1) / batch);
        }
        WHEN("the children are listed in another order, and a card is renewed") {
            const auto again =
                import_text(redis, dir, "again.csv",
                            "member_id,store,card_expires,child1_name,child1_birthday,child2_name,"
                            "child2_birthday\n"
                            "L1,toyland,2028-09-22,小红,lunar:2021-08-15,小明,2019-06-01\n");
            THEN("only the card moves") {
                CHECK(again.updated == 1);
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "exp:2027-09-22")) ==
                      std::vector<std::string>{"S1"});
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "exp:2028-09-22")) ==
                      std::vector<std::string>{"L1"});
                CHECK(index_members(redis, keys::index(only_shard("toyland"), "cbd:06-01")) ==
                      std::vector<std::string>{"L1"});
            }
        }
    }
}

TEST_CASE("a large own-birthday index is streamed with HSCAN") {
    TestRedis server;
    auto redis = server.connect();
    std::vector<MemberRecord> records;
    for (int i = 0; i < 250; ++i) {
        std::string id = "M";  // appended: see above
        id += std::to_string(i);
        records.push_back(MemberRecord{
            "toyland", id, {{"birthday", i % 2 ? "1990-09-15" : "lunar:--08-15"}}, {}});
    }
    MemberStore store(redis);
    store.upsert(records);
    std::set<std::string> seen;
    std::size_t delivered = 0;
    store.for_each_member("toyland", 50, [&](const std::vector<Member>& members) {
        CHECK(members.size() <= 50);
        delivered += members.size();
        for (const auto& m : members)
            seen.insert(m.id);
    });
    CHECK(seen.size() == 250);
    CHECK(delivered >= 250);  // HSCAN may return an element twice; planning is idempotent
}

TEST_CASE("an upsert in two halves: Redis applies a batch while the caller goes on") {
    TestRedis server;
    auto redis = server.connect();
    auto other = server.connect();
    MemberStore store(redis);
    const std::string m1 = keys::member(only_shard("toyland"), "M1");
    auto record = [](std::string id, std::string name) {
        return MemberRecord{"toyland", std::move(id), {{"name", std::move(name)}}, {}};
    };

    store.begin_upsert({record("M1", "王芳"), record("M2", "李强")});
    // Sent, not waited for: a second begin before the finish is a bug.
    CHECK_THROWS_AS(store.begin_upsert({record("M3", "x")}), std::logic_error);
    CHECK(store.finish_upsert() ==
          std::vector<WriteOutcome>{WriteOutcome::created, WriteOutcome::created});
    CHECK(other.command({"HGET", m1, "name"}).str == "王芳");
    // Nothing begun: nothing to finish.
    CHECK(store.finish_upsert().empty());

    SECTION("a member named twice in a batch: the later row wins") {
        store.begin_upsert({record("M1", "王芳芳"), record("M1", "王小芳")});
        store.finish_upsert();
        store.begin_upsert({record("M1", "王小芳"), record("M2", "李强")});
        CHECK(store.finish_upsert() ==
              std::vector<WriteOutcome>{WriteOutcome::unchanged, WriteOutcome::unchanged});
        CHECK(other.command({"HGET", m1, "name"}).str == "王小芳");
    }
    SECTION("Redis lost its scripts since they were loaded: the writes still land") {
        other.command({"SCRIPT", "FLUSH"});
        store.begin_upsert({record("M1", "周杰"), record("M4", "吴倩")});
        CHECK(store.finish_upsert() ==
              std::vector<WriteOutcome>{WriteOutcome::updated, WriteOutcome::created});
        CHECK(other.command({"HGET", m1, "name"}).str == "周杰");
        CHECK(other.command({"HGET", keys::member(only_shard("toyland"), "M4"), "name"}).str ==
              "吴倩");
    }
}

TEST_CASE("a member changed between the read and the write is written again on top of the change") {
    TestRedis server;
    auto redis = server.connect();
    auto other = server.connect();
    MemberStore store(redis);
    const std::string m1 = keys::member(only_shard("toyland"), "M1");
    store.upsert({MemberRecord{"toyland", "M1", {{"name", "王芳"}, {"sms_optin", "0"}}, {}}});

    // Another writer (the admin API, a second import) changes M1 after this
    // batch read it and before its transaction runs: the transaction applies
    // nothing, and the batch goes again through the script, merged with the
    // change.
    int changes = 0;
    store.set_after_read_for_test([&] {
        if (changes++ == 0) other.command({"HSET", m1, "gender", "F"});
    });
    const MemberStore::Evidence evidence{SysSeconds{std::chrono::seconds{1'800'000'000}},
                                         "members.csv"};
    const auto outcomes =
        store.upsert({MemberRecord{"toyland", "M1", {{"name", "王小芳"}, {"sms_optin", "1"}}, {}},
                      MemberRecord{"toyland", "M2", {{"name", "李强"}}, {}}},
                     &evidence);
    CHECK(changes == 1);
    CHECK(outcomes == std::vector<WriteOutcome>{WriteOutcome::updated, WriteOutcome::created});
    CHECK(other.command({"HGET", m1, "name"}).str == "王小芳");
    CHECK(other.command({"HGET", m1, "gender"}).str == "F");  // the other writer's change stays
    CHECK(other.command({"HGET", m1, "sms_optin"}).str == "1");
    CHECK(other.command({"HGET", keys::member(only_shard("toyland"), "M2"), "name"}).str == "李强");
    // The opt-in's evidence is written once: the aborted transaction took
    // its copy with it.
    const auto ledger =
        other.command({"XRANGE", keys::consent_log(only_shard("toyland")), "-", "+"});
    REQUIRE(ledger.elements.size() == 1);
    std::string event;
    for (const auto& part : ledger.elements[0].elements[1].elements)
        event += part.str + " ";
    CHECK_THAT(event, Catch::Contains("opt_in") && Catch::Contains("M1") &&
                          Catch::Contains("members.csv"));
}

TEST_CASE("the openid index (o2:) follows the openid that lands, also past a concurrent write") {
    TestRedis server;
    auto redis = server.connect();
    auto other = server.connect();
    MemberStore store(redis);
    store.upsert({MemberRecord{"toyland", "M1", {{"openid", "oTOYmember1_aa"}}, {}}});
    CHECK(index_members(redis, keys::index(only_shard("toyland"), "o2:aa")) ==
          std::vector<std::string>{"M1"});

    // Another writer gives M1 a new openid after this batch read her: the
    // batch is merged again on top of it, so the entry it removes is the
    // other writer's, not the one it read.
    int changes = 0;
    store.set_after_read_for_test([&] {
        if (changes++ == 0)
            MemberStore(other).upsert(
                {MemberRecord{"toyland", "M1", {{"openid", "oTOYmember1_bb"}}, {}}});
    });
    store.upsert({MemberRecord{"toyland", "M1", {{"openid", "oTOYmember1_cc"}}, {}}});
    CHECK(changes == 1);
    CHECK(other.command({"HGET", keys::member(only_shard("toyland"), "M1"), "openid"}).str ==
          "oTOYmember1_cc");
    CHECK(other.command({"EXISTS", keys::index(only_shard("toyland"), "o2:aa")}).integer == 0);
    CHECK(other.command({"EXISTS", keys::index(only_shard("toyland"), "o2:bb")}).integer == 0);
    CHECK(index_members(other, keys::index(only_shard("toyland"), "o2:cc")) ==
          std::vector<std::string>{"M1"});

    SECTION("cleared: she leaves the index") {
        store.set_after_read_for_test({});
        store.upsert({MemberRecord{"toyland", "M1", {}, {"openid"}}});
        CHECK(other.command({"EXISTS", keys::index(only_shard("toyland"), "o2:cc")}).integer == 0);
    }
}
