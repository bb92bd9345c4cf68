// Members over /api/v1 on a real Redis and a real admin server over HTTP:
// GET, PUT (replace) and PATCH (merge) of /api/v1/stores/<S>/members/<id>.
// The body goes through the import's parser and writer: a bad value is a 400
// naming the field, consent changes land in the ledger with source api and
// the key's name, an address on the opt-out list stays there whatever the
// body says, and planning sees a member written this way.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "io/api_key_store.h"
#include "io/consent_store.h"
#include "io/job_store.h"
#include "io/member_store.h"
#include "io/program_setup.h"
#include "scheduler/admin_api.h"
#include "scheduler/admin_server.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

const char* kNow = "2027-09-15T12:00:00+08:00";

httplib::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

std::string path(const std::string& store, const std::string& id) {
    return "/api/v1/stores/" + store + "/members/" + id;
}

nlohmann::json json_of(const httplib::Result& r) {
    REQUIRE(r);
    INFO(r->body);
    return nlohmann::json::parse(r->body);
}

}  // namespace

TEST_CASE("members API: GET, PUT and PATCH one member through the import's code") {
    TestRedis server;
    auto redis = server.connect();
    CommonOptions common;
    common.redis_url = server.url();
    common.now = kNow;
    Runtime rt = make_runtime(common);  // the embedded config: toyland and babycare
    rt.config.admin.listen = "127.0.0.1:0";
    TempDir dir;
    write_file(dir.file("admin-token"), "s3cret\n");
    rt.config.admin.token.file = dir.file("admin-token");
    const TemplateSet templates = load_templates(rt.config);

    const SysSeconds now = rt.clock->now();
    ApiKeyStore keys(redis);
    const auto writer = keys.add("pos-sync", false, {"toyland"}, Scope::write, now);
    const auto reader = keys.add("reporting", false, {"toyland"}, Scope::read, now);
    const auto other = keys.add("baby-pos", false, {"babycare"}, Scope::write, now);
    REQUIRE(writer);
    REQUIRE(reader);
    REQUIRE(other);

    AdminApi api(rt.config, templates, rt.redis, *rt.clock);
    ApiKeyChecker checker(rt.redis);
    AdminServer admin(rt.config.admin, read_admin_token(rt.config.admin));
    admin.set_key_checker(std::ref(checker));
    api.add_to(admin);
    admin.start();
    httplib::Client http("127.0.0.1", admin.port());
    http.set_connection_timeout(5);
    const auto w = bearer(writer->token);

    const std::string full = R"({"name": "王芳", "gender": "F", "birthday": "1990-11-03",
        "phone": "13800138001", "tier": "金卡", "card_expires": "2028-01-31",
        "sms_optin": 1, "children": [{"name": "小明", "birthday": "2020-05-01"}]})";

    SECTION("a store being resharded answers a write 503 with Retry-After and writes nothing") {
        // The copy fence of toyland's only shard (io/lua_script.h).
        redis.command({"SET", "hu:{toyland}:frozen", "copy"}).expect_ok("SET fence");
        auto r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(r->get_header_value("Retry-After") == "60");
        CHECK(json_of(r).at("error").get<std::string>().find("toyland is being resharded") !=
              std::string::npos);
        // Reads go on: the layout being copied is whole.
        r = http.Get(path("toyland", "M01").c_str(), w);
        REQUIRE(r);
        CHECK(r->status == 404);
        redis.command({"DEL", "hu:{toyland}:frozen"}).expect_ok("DEL fence");
        r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        CHECK(r->status == 201);
    }

    SECTION("PUT creates (201), GET returns it, PUT again (200) clears what it leaves out") {
        auto r = http.Get(path("toyland", "M01").c_str(), w);
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK(json_of(r).at("error") == "member: no member \"M01\" in store toyland");

        r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == 201);
        r = http.Get(path("toyland", "M01").c_str(), w);
        REQUIRE(r);
        CHECK(r->status == 200);
        auto m = json_of(r);
        CHECK(m.at("store") == "toyland");
        CHECK(m.at("member_id") == "M01");
        CHECK(m.at("name") == "王芳");
        CHECK(m.at("birthday") == "1990-11-03");
        CHECK(m.at("phone") == "+8613800138001");
        CHECK(m.at("sms_optin") == "1");
        CHECK(m.contains("children"));

        // The same body again changes nothing: 200.
        r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);

        r = http.Put(path("toyland", "M01").c_str(), w,
                     R"({"member_id": "M01", "phone": "13800138001"})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        m = json_of(r);
        CHECK(m.at("phone") == "+8613800138001");
        for (const char* gone : {"name", "gender", "birthday", "tier", "card_expires", "children"})
            CHECK_FALSE(m.contains(gone));
        CHECK(m.value("sms_optin", "0") == "0");
        // Planning's index moved too: no longer under the birthday.
        CHECK(MemberStore(redis).in_index("toyland", "bd:11-03").empty());
        CHECK(MemberStore(redis).in_index("toyland", "bd:none").size() == 1);
    }

    SECTION("a bad value, an unknown key, a disagreeing id or store: 400 naming the field") {
        const auto [body, says] = GENERATE(table<std::string, std::string>({
            {R"({"birthday": "1990-13-45"})", "birthday: \"1990-13-45\""},
            {R"({"phone": "1380013"})", "phone: \"1380013\""},
            {R"({"gender": "X"})", "gender: \"X\""},
            {R"({"brithday": "1990-11-03"})", "brithday: not a member field"},
            {R"({"member_id": "M02"})", "member_id: \"M02\" is not the URL's \"M01\""},
            {R"({"store": "babycare"})", "store: \"babycare\" is not the URL's \"toyland\""},
            {R"([1, 2])", "body: expected a JSON object"},
            {R"({"name": )", "body: not valid JSON"},
        }));
        for (const char* method : {"PUT", "PATCH"}) {
            INFO(method << " " << body);
            const auto r =
                std::string(method) == "PUT"
                    ? http.Put(path("toyland", "M01").c_str(), w, body, "application/json")
                    : http.Patch(path("toyland", "M01").c_str(), w, body, "application/json");
            REQUIRE(r);
            CHECK(r->status == 400);
            CHECK_THAT(json_of(r).at("error").get<std::string>(), Catch::StartsWith(says));
        }
        CHECK_FALSE(MemberStore(redis).get("toyland", "M01"));
    }

    SECTION("who may: a read key 403, another store's key 404, a bad id 400, too big 413") {
        auto r = http.Put(path("toyland", "M01").c_str(), bearer(reader->token), full,
                          "application/json");
        REQUIRE(r);
        CHECK(r->status == 403);
        r = http.Get(path("toyland", "M01").c_str(), bearer(reader->token));
        REQUIRE(r);
        CHECK(r->status == 404);  // may read; there is no such member
        r = http.Put(path("toyland", "M01").c_str(), bearer(other->token), full,
                     "application/json");
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK_THAT(json_of(r).at("error").get<std::string>(), Catch::Contains("toyland"));
        r = http.Get(path("toyland", "M01").c_str(), bearer(other->token));
        REQUIRE(r);
        CHECK(r->status == 404);
        r = http.Put(path("toyland", "M%2A1").c_str(), w, full, "application/json");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(json_of(r).at("error").get<std::string>(), Catch::StartsWith("member_id:"));
        r = http.Post(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        CHECK(r->status == 405);
        CHECK(r->get_header_value("Allow") == "DELETE, GET, PATCH, PUT");
        const std::string big = R"({"name": ")" + std::string(70 * 1024, 'a') + R"("})";
        r = http.Put(path("toyland", "M01").c_str(), w, big, "application/json");
        REQUIRE(r);
        CHECK(r->status == 413);
        CHECK_FALSE(MemberStore(redis).get("toyland", "M01"));
    }

    SECTION("consent: an opt-in is in the ledger with source api and the key's name") {
        auto r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 201);
        ConsentStore consent(redis, rt.config);
        const auto ledger = consent.ledger("toyland");
        REQUIRE(ledger.size() == 1);
        const auto& e = ledger.front();
        CHECK(e.source == ConsentSource::api);
        CHECK(e.opt_in);
        CHECK(e.channel == Channel::sms);
        CHECK(e.member == "M01");
        CHECK(e.detail == "PUT member by API key " + writer->key.id + " (pos-sync)");
        CHECK(e.at == now);
        // Withdrawn by a PATCH: an api opt-out of the flag.
        r = http.Patch(path("toyland", "M01").c_str(), w, R"({"sms_optin": 0})",
                       "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        const auto after = consent.ledger("toyland");
        REQUIRE(after.size() == 2);
        CHECK_FALSE(after.back().opt_in);
        CHECK(after.back().source == ConsentSource::api);
    }

    SECTION("an address on the opt-out list stays there after a PUT with sms_optin=1") {
        ConsentStore consent(redis, rt.config);
        ConsentEvent e;
        e.at = now;
        e.store = "toyland";
        e.channel = Channel::sms;
        e.source = ConsentSource::sms_reply;
        e.address = "+8613800138001";
        e.detail = "reply \"T\"";
        consent.record(e);
        REQUIRE(consent.is_opted_out("toyland", Channel::sms, "+8613800138001"));
        const auto r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 201);
        CHECK(json_of(r).at("sms_optin") == "1");  // the shop's record says yes
        CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613800138001"));  // she said no
    }

    SECTION("PATCH changes the fields it names, null clears one; a missing member is 404") {
        auto r = http.Patch(path("toyland", "M01").c_str(), w, R"({"tier": "银卡"})",
                            "application/json");
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK_FALSE(MemberStore(redis).get("toyland", "M01"));

        r = http.Put(path("toyland", "M01").c_str(), w, full, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 201);
        r = http.Patch(path("toyland", "M01").c_str(), w,
                       R"({"tier": "银卡", "card_expires": null})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        const auto m = json_of(r);
        CHECK(m.at("tier") == "银卡");
        CHECK_FALSE(m.contains("card_expires"));
        CHECK(m.at("name") == "王芳");
        CHECK(m.at("birthday") == "1990-11-03");
        CHECK(m.at("sms_optin") == "1");
        CHECK(m.contains("children"));
    }

    SECTION("the admin token may write any store; planning sees the member") {
        const auto r =
            http.Put(path("toyland", "M01").c_str(), bearer("s3cret"), full, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 201);
        zmq::context_t zmq;
        FixedClock clock(now);
        Scheduler scheduler(rt.config, templates, redis, zmq, clock);
        const auto plan =
            scheduler.plan_day(*rt.config.find_store("toyland"), *parse_date("2027-11-03"));
        CHECK(plan.created == 1);
        JobStore jobs(redis, rt.config.scheduler);
        CHECK(jobs.counts("toyland").at("planned") == 1);
    }
}
