#include <catch2/catch.hpp>

#include "core/visit_wire.h"

using namespace huitou;

namespace {
std::vector<std::string_view> views(const Frames& f) {
    return {f.begin(), f.end()};
}
}  // namespace

TEST_CASE("a visit message survives encoding") {
    const VisitInput v{"toyland", "T0001", "2027-09-15T19:30:00+08:00", "128.50", "POS1-000123"};
    const auto frames = encode_visit(v);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0] == "huitou.visit/1");
    const auto back = decode_visit(views(frames));
    REQUIRE(back.message);
    CHECK(back.message->store == v.store);
    CHECK(back.message->member_id == v.member_id);
    CHECK(back.message->visited_at == v.visited_at);
    CHECK(back.message->amount == v.amount);
    CHECK(back.message->visit_id == v.visit_id);
}

TEST_CASE("the body alone, as the HTTP POST carries it") {
    const auto d = decode_visit_body(
        R"({"store":"toyland","member_id":"T0001","amount":128.5,"cashier":"小王"})");
    REQUIRE(d.message);
    CHECK(d.message->amount == "128.5");   // a number is read as its text
    CHECK(d.message->visited_at.empty());  // absent: now
}

TEST_CASE("malformed visit messages come back as errors, never as visits") {
    using F = std::vector<std::string>;
    const auto [frames, error] = GENERATE(table<F, std::string>({
        {{"huitou.visit/1"}, "expected 2 frames, got 1"},
        {{"huitou.visit/1", "{}", "x"}, "expected 2 frames, got 3"},
        {{"huitou.job/1", "{}"}, "unexpected message tag"},
        {{"huitou.visit/1", "{broken"}, "body is not valid JSON"},
        {{"huitou.visit/1", "[1,2]"}, "body is not a JSON object"},
        {{"huitou.visit/1", R"({"member_id":"T1"})"}, "missing \"store\""},
        {{"huitou.visit/1", R"({"store":"toyland"})"}, "missing \"member_id\""},
        {{"huitou.visit/1", R"({"store":"toyland","member_id":7})"},
         "\"member_id\" is not a string"},
        {{"huitou.visit/1", R"({"store":"","member_id":"T1"})"}, "\"store\" is empty"},
        {{"huitou.visit/1", R"({"store":"toyland","member_id":"T1","visited_at":5})"},
         "\"visited_at\" is not a string"},
        {{"huitou.visit/1", R"({"store":"toyland","member_id":"T1","amount":[1]})"},
         "\"amount\" is not a string"},
        {{"huitou.visit/1", R"({"store":"toyland","member_id":")" + std::string(65, 'x') + "\"}"},
         "\"member_id\" is too long"},
        {{"huitou.visit/1", "{\"store\":\"toyland\",\"member_id\":\"T\xff\"}"},
         "body is not valid JSON"},
        {{"huitou.visit/1", std::string(max_body_bytes + 1, ' ')}, "over the limit"},
    }));
    const auto d = decode_visit(std::vector<std::string_view>(frames.begin(), frames.end()));
    CHECK_FALSE(d.message);
    CHECK_THAT(d.error, Catch::Contains(error));
}
