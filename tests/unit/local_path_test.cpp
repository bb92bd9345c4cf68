// core/local_path.h: where the login form may send the browser.
#include <catch2/catch.hpp>

#include "core/local_path.h"

using namespace huitou;

TEST_CASE("only a path of this server is a place to go after signing in", "[local_path]") {
    for (const char* local :
         {"/", "/stores/toyland/today", "/stores/toyland/members/T1?x=1", "/a//b", "/a\\b"}) {
        INFO(local);
        CHECK(is_local_path(local));
        CHECK(local_path_or_root(local) == local);
    }
    for (const char* away :
         {"", "//evil.example", "//evil.example/stores", "/\\evil.example", "/\t/evil.example",
          "/\n/evil.example", "/x\r\nSet-Cookie: a=b", "https://evil.example", "http:/evil.example",
          "evil.example", "javascript:alert(1)", " /x", "/\x7f"}) {
        INFO(away);
        CHECK_FALSE(is_local_path(away));
        CHECK(local_path_or_root(away) == "/");
    }
}
