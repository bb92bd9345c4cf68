// Each HTTP listener holds its port alone: a second one started on the same
// address (another copy of the program) fails at start-up with an error that
// names the key and the address, instead of silently sharing the port and
// its requests (httplib 0.11's default SO_REUSEPORT; io/http_listener.h).
#include <catch2/catch.hpp>

#include <httplib.h>

#include "core/metrics.h"
#include "io/http_listener.h"
#include "scheduler/admin_server.h"
#include "tests/support/test_redis.h"
#include "workers/kannel_listener.h"
#include "workers/worker_admin.h"

using namespace huitou;
using namespace huitou::test;

TEST_CASE("a second listener on a taken port fails, naming the address") {
    TestRedis server;
    const std::string taken_message = "the address is in use";

    SECTION("the admin server") {
        AdminConfig config;
        config.listen = "127.0.0.1:0";
        AdminServer first(config, "t0k3n");
        first.start();
        REQUIRE(first.port() > 0);
        config.listen = "127.0.0.1:" + std::to_string(first.port());
        AdminServer second(config, "t0k3n");
        try {
            second.start();
            FAIL("the second admin server started on " + config.listen);
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("admin.listen: cannot listen on " +
                                                   config.listen + ": " + taken_message));
        }
        // The first still answers, alone.
        httplib::Client http("127.0.0.1", first.port());
        const auto r = http.Get("/healthz");
        REQUIRE(r);
        CHECK(r->status == 200);
    }

    SECTION("the Kannel listener") {
        const Config config = parse_config("[stores.a]\nname = \"A\"\n", "t.toml");
        FixedClock clock{*parse_instant("2027-09-15T10:00:00+08:00")};
        KannelListener first(config, server.endpoint(), clock, "127.0.0.1:0",
                             "k-secret-0123456789");
        const std::string listen = "127.0.0.1:" + std::to_string(first.port());
        try {
            KannelListener second(config, server.endpoint(), clock, listen, "k-secret-0123456789");
            FAIL("the second Kannel listener started on " + listen);
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("sms.kannel.listen: cannot listen on " + listen +
                                                   ": " + taken_message));
        }
    }

    SECTION("a worker's monitoring listener") {
        MetricsRegistry registry;
        WorkerAdmin first("127.0.0.1:0", "sms.admin_listen", registry, server.endpoint(),
                          [] { return true; });
        const std::string listen = "127.0.0.1:" + std::to_string(first.port());
        try {
            WorkerAdmin second(listen, "sms.admin_listen", registry, server.endpoint(),
                               [] { return true; });
            FAIL("the second monitoring listener started on " + listen);
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith("sms.admin_listen: cannot listen on " + listen +
                                                   ": " + taken_message));
        }
    }
}

TEST_CASE("loopback hosts") {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) {
        INFO(host);
        CHECK(is_loopback_host(host));
    }
    for (const char* host :
         {"0.0.0.0", "::", "[::]", "192.168.1.10", "10.0.0.1", "example.com", "128.0.0.1", ""}) {
        INFO(host);
        CHECK_FALSE(is_loopback_host(host));
    }
}
