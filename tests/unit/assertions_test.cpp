// The build the tests run on (./test.sh: sanitized, RelWithDebInfo) must
// keep assert() on: the build type's -DNDEBUG once compiled every assert out
// of it, so a programming error the asserts exist to catch passed every test.
#include <catch2/catch.hpp>

#include <cassert>

TEST_CASE("the sanitized test build checks assertions") {
#if defined(HUITOU_SANITIZED_BUILD) && defined(NDEBUG)
    FAIL("NDEBUG is defined in the sanitized build: every assert is compiled out");
#endif
    [[maybe_unused]] int checked = 0;
    assert(++checked == 1);  // runs only when assertions are on
#if defined(HUITOU_SANITIZED_BUILD)
    CHECK(checked == 1);
#endif
}
