// The console's door on the admin server (scheduler/admin_server.h,
// console/console.h): who a console request is (a session cookie, the admin
// token, else nobody), the gate every store page passes (nobody → /login,
// another store's page → the same 404 as a store that does not exist), the
// CSRF token every session write must carry, the security headers, and the
// API paths that never take the cookie.
#include <catch2/catch.hpp>

#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;

TEST_CASE("console door: sessions, the store gate, CSRF and headers", "[console]") {
    ConsoleFixture f("2027-09-15T12:00:00+08:00", false);
    // A console write route of the test's own: what reaches it got past the door.
    f.server->on("POST", "/test/write", [](const HttpRequest& req) {
        return HttpReply::html("written by " + req.identity.id);
    });
    const auto owner = f.session("boss");
    const auto staff = f.session("xiaoli", {"toyland"});

    SECTION("nobody is sent to /login, keeping the page asked for") {
        auto r = f.get("/");
        REQUIRE(r);
        CHECK(r->status == 303);
        CHECK(r->get_header_value("Location") == "/login");
        r = f.get("/stores/toyland");
        REQUIRE(r);
        CHECK(r->status == 303);
        const auto location = r->get_header_value("Location");
        CHECK((location == "/login?next=%2Fstores%2Ftoyland" ||
               location == "/login?next=/stores/toyland"));
        r = f.get("/stores/toyland", "forged-cookie");
        REQUIRE(r);
        CHECK(r->status == 303);
    }
    SECTION("a session reaches its stores; another store is the same 404 as none") {
        auto r = f.get("/", staff);
        REQUIRE(r);
        CHECK(r->status == 303);
        CHECK(r->get_header_value("Location") == "/stores/toyland/today");
        r = f.get("/", owner);
        REQUIRE(r);
        CHECK(r->get_header_value("Location") == "/stores/babycare/today");  // the first by id
        auto other = f.get("/stores/babycare", staff);
        auto none = f.get("/stores/nosuchstore", staff);
        REQUIRE(other);
        REQUIRE(none);
        CHECK(other->status == 404);
        CHECK(none->status == 404);
        CHECK(other->body == none->body);
        CHECK(other->get_header_value("Content-Type") == "text/html; charset=utf-8");
        CHECK(f.get("/stores/babycare", owner)->status == 303);
        CHECK(f.get("/stores?store=babycare", staff)->status == 404);
        CHECK(f.get("/stores?store=toyland", staff)->status == 303);
    }
    SECTION("every console answer carries the security headers") {
        for (const auto& path : {"/", "/stores/toyland", "/no/such/page", "/static/console.css"}) {
            INFO(path);
            const auto r = f.get(path, staff);
            REQUIRE(r);
            CHECK(r->get_header_value("X-Frame-Options") == "DENY");
            CHECK(r->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'") !=
                  std::string::npos);
            CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
        }
        CHECK(f.get("/no/such/page", staff)->status == 404);
        const auto wrong_method = f.post("/stores/toyland", {{"csrf", f.csrf(staff)}}, staff);
        REQUIRE(wrong_method);
        CHECK(wrong_method->status == 405);
        CHECK(wrong_method->get_header_value("Content-Type") == "text/html; charset=utf-8");
        CHECK(wrong_method->get_header_value("X-Frame-Options") == "DENY");
        CHECK(f.get("/static/console.css")->get_header_value("Content-Type") ==
              "text/css; charset=utf-8");
    }
    SECTION("a session's POST without its CSRF token is refused before any route") {
        auto r = f.post("/test/write", {{"store", "toyland"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 403);
        r = f.post("/test/write", {{"csrf", f.csrf(owner)}}, staff);
        REQUIRE(r);
        CHECK(r->status == 403);
        r = f.post("/test/write", {{"csrf", ""}}, staff);
        REQUIRE(r);
        CHECK(r->status == 403);
        r = f.post("/test/write", {{"csrf", f.csrf(staff)}}, staff);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "written by xiaoli");
    }
    SECTION("API paths never take the session cookie") {
        // No admin token here: loopback trusts the caller as the admin on API
        // paths — but a cookie alone on a console path is never the admin.
        auto r = f.get("/stores/toyland");
        REQUIRE(r);
        CHECK(r->status == 303);
    }
}
