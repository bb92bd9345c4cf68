// API keys end to end: made, listed and revoked with the `huitou` binary on
// a real Redis; then presented to a real admin server over HTTP, on the
// effect report (GET /api/v1/stores/<S>/report) and on a write route made
// for the test: which store a key sees (404 for the others, word for word
// the answer for a store that does not exist), what a read key may not do
// (403), what is not a key at all (401), the operator's routes (403), a
// revoked key (401 at once), Redis away (503). The key itself is never
// stored or listed.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/api_key.h"
#include "io/api_key_store.h"
#include "io/program_setup.h"
#include "io/redis_keys.h"
#include "scheduler/admin_api.h"
#include "scheduler/admin_server.h"
#include "scheduler/store_access.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

const char* kNow = "2027-09-15T12:00:00+08:00";
const char* kReport = "/report?from=2027-09-01&to=2027-09-30";

std::string report(const std::string& store) {
    return "/api/v1/stores/" + store + kReport;
}

httplib::Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

std::string error_of(const httplib::Result& r) {
    REQUIRE(r);
    INFO(r->body);
    return nlohmann::json::parse(r->body).at("error").get<std::string>();
}

// Every string Redis holds, in every key of every type this code writes.
std::string everything_in(RedisConnection& redis) {
    std::string all;
    for (const auto& key : redis.command({"KEYS", "*"}).elements) {
        all += key.str + "\n";
        const auto type = redis.command({"TYPE", key.str}).str;
        RedisReply values;
        if (type == "hash") values = redis.command({"HGETALL", key.str});
        if (type == "set") values = redis.command({"SMEMBERS", key.str});
        if (type == "string") values.elements.push_back(redis.command({"GET", key.str}));
        for (const auto& v : values.elements)
            all += v.str + "\n";
    }
    return all;
}

}  // namespace

TEST_CASE("API keys: huitou apikey makes, lists and revokes them — /api/v1 checks them") {
    TestRedis server(/*append_only=*/true);  // keeps the keys across the restart below
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       std::string("HUITOU_NOW=") + kNow, "HUITOU_LOG_LEVEL=warn"};
    auto huitou = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {bin("huitou"), "apikey"});
        return run(args, env);
    };
    auto redis = server.connect();

    // The embedded config: stores toyland and babycare.
    const auto read_key = huitou({"add", "pos-sync", "--store", "toyland", "--scope", "read"});
    INFO(read_key.err);
    REQUIRE(read_key.status == 0);
    REQUIRE(read_key.out.ends_with("\n"));
    const std::string token = read_key.out.substr(0, read_key.out.size() - 1);
    REQUIRE(api_key_id(token));
    const std::string id = *api_key_id(token);
    CHECK_THAT(read_key.err, Catch::Contains("shown only this once"));
    CHECK_THAT(read_key.err, Catch::Contains(id));
    CHECK(read_key.err.find(token) == std::string::npos);

    const auto write_key = huitou({"add", "crm", "--all", "--scope", "write"});
    REQUIRE(write_key.status == 0);
    const std::string writer = write_key.out.substr(0, write_key.out.size() - 1);
    REQUIRE(api_key_id(writer));
    CHECK(writer != token);

    SECTION("bad input: exit 2, naming the option") {
        const auto [args, says] = GENERATE(table<std::vector<std::string>, std::string>({
            {{"add", "POS", "--store", "toyland", "--scope", "read"}, "name \"POS\""},
            {{"add", "x", "--store", "nowhere", "--scope", "read"}, "--store nowhere"},
            {{"add", "x", "--scope", "read"}, "--store or --all"},
            {{"add", "x", "--store", "toyland", "--scope", "admin"}, "--scope"},
            {{"add", "x", "--store", "toyland"}, "--scope"},
            {{"add", "x", "--all", "--store", "toyland", "--scope", "read"}, "--all"},
            {{"add", "pos-sync", "--store", "babycare", "--scope", "read"}, "live key"},
        }));
        const auto r = huitou(args);
        INFO(r.out + r.err);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains(says));
        CHECK(r.out.empty());
        CHECK(ApiKeyStore(redis).list().size() == 2);
    }

    SECTION("listed without the key; Redis holds its SHA-256, never the key") {
        const auto text = huitou({"list"});
        REQUIRE(text.status == 0);
        CHECK_THAT(text.out, Catch::Contains(id + "  pos-sync  read  toyland"));
        CHECK_THAT(text.out, Catch::Contains("crm  write  *"));
        const auto json = huitou({"list", "--json"});
        REQUIRE(json.status == 0);
        const auto keys = nlohmann::json::parse(json.out).at("keys");
        REQUIRE(keys.size() == 2);
        // Both made in the same second (the clock is fixed): by id then.
        const bool first = keys[0].at("name") == "pos-sync";
        const auto& pos = keys[first ? 0 : 1];
        CHECK(pos.at("id") == id);
        CHECK(pos.at("name") == "pos-sync");
        CHECK(pos.at("scope") == "read");
        CHECK(pos.at("stores") == nlohmann::json::array({"toyland"}));
        CHECK(pos.at("created_at") == "2027-09-15T04:00:00+00:00");
        CHECK(pos.at("revoked_at").is_null());
        CHECK(keys[first ? 1 : 0].at("name") == "crm");
        CHECK(keys[first ? 1 : 0].at("stores") == "*");

        const std::string secret = token.substr(12);
        const auto stored = everything_in(redis);
        for (const auto& shown : {text.out, json.out, stored}) {
            CHECK(shown.find(secret) == std::string::npos);
            CHECK(shown.find(writer.substr(12)) == std::string::npos);
        }
        CHECK(text.out.find(api_key_digest(token)) == std::string::npos);
        CHECK(json.out.find(api_key_digest(token)) == std::string::npos);
        CHECK(redis.command({"HGET", keys::api_key(id), "hash"}).str == api_key_digest(token));
        CHECK(redis.command({"HGET", keys::api_key_names(), "pos-sync"}).str == id);
    }

    // The admin server as the scheduler wires it, with the admin token.
    CommonOptions common;
    common.redis_url = server.url();
    common.now = kNow;
    Runtime rt = make_runtime(common);
    rt.config.admin.listen = "127.0.0.1:0";
    TempDir dir;
    write_file(dir.file("admin-token"), "s3cret\n");
    rt.config.admin.token.file = dir.file("admin-token");
    const TemplateSet templates = load_templates(rt.config);
    AdminApi api(rt.config, templates, rt.redis, *rt.clock);
    ApiKeyChecker checker(rt.redis);
    AdminServer admin(rt.config.admin, read_admin_token(rt.config.admin));
    admin.set_key_checker(std::ref(checker));
    api.add_to(admin);
    // A write route as every /api/v1 store route will be: refuse() first.
    const Config& config = rt.config;
    admin.on("POST", "/api/v1/stores/([^/]+)/touch", [&config](const HttpRequest& req) {
        if (auto refusal = refuse(req, config, req.path_params.at(0))) return *refusal;
        return HttpReply{200, nlohmann::json{{"by", req.identity.name}}.dump()};
    });
    admin.start();
    httplib::Client http("127.0.0.1", admin.port());
    http.set_connection_timeout(5);

    SECTION("a read key of toyland reads toyland; every other store is 404, as if absent") {
        auto r = http.Get(report("toyland").c_str(), bearer(token));
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == 200);
        CHECK(nlohmann::json::parse(r->body).at("store") == "toyland");
        r = http.Get((report("toyland") + "&format=csv").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 200);

        r = http.Get(report("babycare").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 404);
        const auto hidden = error_of(r);
        r = http.Get(report("babycarf").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 404);
        const auto absent = error_of(r);
        CHECK(hidden == "store: \"babycare\" is not a configured store");
        CHECK(absent == "store: \"babycarf\" is not a configured store");
        // A bad date on another store is still 404: the store is checked first.
        r = http.Get("/api/v1/stores/babycare/report?from=x", bearer(token));
        REQUIRE(r);
        CHECK(r->status == 404);
    }

    SECTION("writing needs the write scope: 403 for a read key, 404 before 403") {
        auto r = http.Post("/api/v1/stores/toyland/touch", bearer(token), "", "application/json");
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK_THAT(error_of(r), Catch::StartsWith("scope: API key " + id + " (pos-sync)"));
        r = http.Post("/api/v1/stores/babycare/touch", bearer(token), "", "application/json");
        REQUIRE(r);
        CHECK(r->status == 404);
        r = http.Post("/api/v1/stores/babycare/touch", bearer(writer), "", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(nlohmann::json::parse(r->body).at("by") == "crm");
        r = http.Post("/api/v1/stores/toyland/touch", bearer("s3cret"), "", "application/json");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(nlohmann::json::parse(r->body).at("by") == "admin");
        // A known path with another method is still a 405 for a key.
        r = http.Get("/api/v1/stores/toyland/touch", bearer(token));
        REQUIRE(r);
        CHECK(r->status == 405);
    }

    SECTION("the admin token reads every store, as before") {
        for (const char* store : {"toyland", "babycare"}) {
            const auto r = http.Get(report(store).c_str(), bearer("s3cret"));
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        const auto r = http.Get(report("nowhere").c_str(), bearer("s3cret"));
        REQUIRE(r);
        CHECK(r->status == 404);
    }

    SECTION("no key, a garbled one, a wrong secret, another scheme: 401 with WWW-Authenticate") {
        std::string wrong = token;
        wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
        std::string unknown = token;
        unknown[3] = unknown[3] == 'a' ? 'b' : 'a';  // another id, the same secret
        const std::vector<httplib::Headers> attempts{
            {},
            bearer(""),
            bearer("hk_"),
            bearer("hk_" + id + "_short"),
            bearer(wrong),
            bearer(unknown),
            bearer(token.substr(3)),
            {{"Authorization", "Basic " + token}},
            {{"Authorization", token}},
            {{"X-Api-Key", token}},
        };
        for (const auto& headers : attempts) {
            INFO((headers.empty() ? "" : headers.begin()->second));
            const auto r = http.Get(report("toyland").c_str(), headers);
            REQUIRE(r);
            CHECK(r->status == 401);
            CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
            CHECK_FALSE(error_of(r).empty());
        }
    }

    SECTION("the operator's routes are the admin token's: a key gets 403 there") {
        for (const char* path : {"/api/stats", "/api/jobs", "/api/preview?date=2027-09-15"}) {
            INFO(path);
            auto r = http.Get(path, bearer(writer));
            REQUIRE(r);
            CHECK(r->status == 403);
            CHECK_THAT(error_of(r), Catch::Contains("/api/v1/ only"));
            r = http.Get(path, bearer("s3cret"));
            REQUIRE(r);
            CHECK(r->status == 200);
        }
        // A wrong key there is a 401, as anywhere.
        const auto r = http.Get("/api/stats", bearer(writer + "x"));
        REQUIRE(r);
        CHECK(r->status == 401);
        // /healthz needs nothing.
        CHECK(http.Get("/healthz", bearer(writer))->status == 200);
    }

    SECTION("a revoked key is refused on the next request; revoking by name or id") {
        REQUIRE(http.Get(report("toyland").c_str(), bearer(token))->status == 200);
        const auto revoked = huitou({"revoke", "pos-sync"});
        INFO(revoked.err);
        REQUIRE(revoked.status == 0);
        CHECK_THAT(revoked.out, Catch::Contains("revoked " + id));
        auto r = http.Get(report("toyland").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(redis.command({"HEXISTS", keys::api_key(id), "hash"}).integer == 0);

        const auto again = huitou({"revoke", id});
        CHECK(again.status == 0);
        CHECK_THAT(again.out, Catch::Contains("was revoked at"));
        CHECK(huitou({"revoke", "nobody"}).status == 3);
        CHECK(huitou({"revoke", "pos-sync"}).status == 3);  // its name is free again

        const auto writer_id = *api_key_id(writer);
        REQUIRE(huitou({"revoke", writer_id}).status == 0);
        CHECK(http.Get(report("toyland").c_str(), bearer(writer))->status == 401);

        const auto list = nlohmann::json::parse(huitou({"list", "--json"}).out).at("keys");
        CHECK(list.at(0).at("revoked_at") == "2027-09-15T04:00:00+00:00");
        CHECK(list.at(1).at("revoked_at") == "2027-09-15T04:00:00+00:00");

        // The name is free for a new key, which works; the old one stays out.
        const auto renewed = huitou({"add", "pos-sync", "--store", "toyland", "--scope", "read"});
        REQUIRE(renewed.status == 0);
        const auto fresh = renewed.out.substr(0, renewed.out.size() - 1);
        CHECK(http.Get(report("toyland").c_str(), bearer(fresh))->status == 200);
        CHECK(http.Get(report("toyland").c_str(), bearer(token))->status == 401);
        CHECK(nlohmann::json::parse(huitou({"list", "--json"}).out).at("keys").size() == 3);
    }

    SECTION("Redis away: a key cannot be checked, 503, and the server lives on") {
        server.stop();
        auto r = http.Get(report("toyland").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(error_of(r) == "storage unavailable, try again");
        server.start();
        r = http.Get(report("toyland").c_str(), bearer(token));
        REQUIRE(r);
        CHECK(r->status == 200);
    }
}

TEST_CASE("without an admin token, loopback callers are the admin, and keys are still keys") {
    TestRedis server;
    auto redis = server.connect();
    const Config config = parse_config(
        "[admin]\nlisten = \"127.0.0.1:0\"\n[stores.toyland]\nname = \"童乐玩具\"\n"
        "[stores.babycare]\nname = \"贝贝母婴\"\n",
        "t.toml");
    FixedClock clock(*parse_instant(kNow));
    const auto added = ApiKeyStore(redis).add("pos", false, {"toyland"}, Scope::read, clock.now());
    REQUIRE(added);
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    AdminApi api(config, templates, server.endpoint(), clock);
    ApiKeyChecker checker(server.endpoint());
    AdminServer admin(config.admin, "");
    admin.set_key_checker(std::ref(checker));
    api.add_to(admin);
    admin.start();
    httplib::Client http("127.0.0.1", admin.port());

    CHECK(http.Get(report("babycare").c_str())->status == 200);  // no header: the admin
    CHECK(http.Get("/api/stats")->status == 200);
    CHECK(http.Get(report("toyland").c_str(), bearer(added->token))->status == 200);
    CHECK(http.Get(report("babycare").c_str(), bearer(added->token))->status == 404);
    CHECK(http.Get(report("toyland").c_str(), bearer(added->token + "x"))->status == 401);
    CHECK(http.Get("/api/stats", bearer(added->token))->status == 403);
    REQUIRE(ApiKeyStore(redis).revoke("pos", clock.now()).outcome == ApiKeyStore::Revoked::now);
    CHECK(http.Get(report("toyland").c_str(), bearer(added->token))->status == 401);
}
