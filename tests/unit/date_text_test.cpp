#include <catch2/catch.hpp>

#include "core/date_text.h"

using namespace huitou;

TEST_CASE("the ways shops write a date read as YYYY-MM-DD") {
    const auto [text, expected] = GENERATE(table<std::string, std::string>({
        {"1990/8/15", "1990-08-15"},
        {"1990.8.15", "1990-08-15"},
        {"1990-8-15", "1990-08-15"},
        {"1990-08-15", "1990-08-15"},
        {"19900815", "1990-08-15"},
        {"1990/08/05", "1990-08-05"},
        {"1990年8月15日", "1990-08-15"},
        {"1990年8月15", "1990-08-15"},
        {"lunar:1990/8/15", "lunar:1990-08-15"},
        // Not a real date, but a date's shape: the strict parser says why.
        {"1990/2/30", "1990-02-30"},
    }));
    CAPTURE(text);
    CHECK(canonical_date_text(text) == expected);
}

TEST_CASE("anything else is left to the strict parsers") {
    const auto text = GENERATE(as<std::string>{}, "15/8/1990", "8/15/1990", "1990/8-15",
                               "1990/123/1", "199008150", "1990815", "--08-15", "", "lunar:--08-15",
                               "1990/8/15 ", "abcd/8/15", "lunar:1990-leap04-10",
                               // Far too many digits: refused, not an int overflow (found
                               // by the CSV fuzzer).
                               "1990/8/99999999999999999999", "99999999999999999999/8/15");
    CAPTURE(text);
    CHECK_FALSE(canonical_date_text(text));
}
