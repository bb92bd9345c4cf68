#include <catch2/catch.hpp>

#include "core/wire.h"

using namespace huitou;

namespace {
JobMessage sample_job() {
    return JobMessage{"toyland",
                      "birthday:M001:2027-09-15",
                      "M001",
                      Kind::birthday,
                      Channel::sms,
                      "+8613800138000",
                      "王女士，生日快乐！",
                      {{"honorific", "王女士"}},
                      2,
                      *parse_instant("2027-09-16T00:00:00+08:00")};
}
std::vector<std::string_view> views(const Frames& f) {
    return {f.begin(), f.end()};
}
}  // namespace

TEST_CASE("jobs and results survive encoding") {
    const auto job = sample_job();
    const auto frames = encode(job);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0] == "huitou.job/1");
    const auto back = decode_job(views(frames));
    REQUIRE(back.message);
    CHECK(*back.message == job);

    const ResultMessage result{"toyland",
                               job.job_id,
                               Outcome::retry,
                               "outbox",
                               "ref-1",
                               "throttled",
                               *parse_instant("2027-09-15T10:05:00+08:00"),
                               *parse_instant("2027-09-15T10:00:00+08:00"),
                               "sms@host:1"};
    const auto decoded = decode_result(views(encode(result)));
    REQUIRE(decoded.message);
    CHECK(*decoded.message == result);
}

TEST_CASE("malformed messages are rejected with a reason, never trusted") {
    const std::string body = encode(sample_job())[1];
    auto replace = [&](const std::string& from, const std::string& to) {
        std::string b = body;
        const auto at = b.find(from);
        REQUIRE(at != std::string::npos);
        b.replace(at, from.size(), to);
        return b;
    };
    const auto [frames, fragment] = GENERATE_COPY(table<std::vector<std::string>, std::string>({
        {{"huitou.job/1"}, "expected 2 frames, got 1"},
        {{"huitou.job/1", body, "extra"}, "expected 2 frames, got 3"},
        {{"huitou.job/9", body}, "unexpected message tag"},
        {{"huitou.result/1", body}, "unexpected message tag"},
        {{"huitou.job/1", "{not json"}, "not valid JSON"},
        {{"huitou.job/1", "[1,2,3]"}, "not a JSON object"},
        {{"huitou.job/1", std::string(70000, ' ')}, "over the limit"},
        {{"huitou.job/1", replace("\"kind\":\"birthday\"", "\"kind\":\"spam\"")},
         "unknown \"kind\""},
        {{"huitou.job/1", replace("\"channel\":\"sms\"", "\"channel\":7")},
         "\"channel\" is not a string"},
        {{"huitou.job/1", replace("\"attempt\":2", "\"attempt\":0")}, "\"attempt\" out of range"},
        {{"huitou.job/1", replace("\"attempt\":2", "\"attempt\":\"2\"")},
         "\"attempt\" is not an integer"},
        {{"huitou.job/1", replace("\"store\":\"toyland\",", "")}, "missing \"store\""},
        {{"huitou.job/1", replace("\"job_id\":\"birthday:M001:2027-09-15\"", "\"job_id\":\"\"")},
         "\"job_id\" is empty"},
        {{"huitou.job/1", replace("\"text\":\"", "\"text\":\"\\udc00")}, "not valid JSON"},
        {{"huitou.job/1", replace("\"text\":\"", "\"text\":\"\xFF")}, "not valid JSON"},
    }));
    const auto decoded = decode_job(std::vector<std::string_view>(frames.begin(), frames.end()));
    CHECK_FALSE(decoded.message);
    CHECK_THAT(decoded.error, Catch::Contains(fragment));
}

TEST_CASE("a result with an unknown outcome is rejected") {
    const std::string body = R"({"store":"toyland","job_id":"j","outcome":"maybe","at":1})";
    const std::vector<std::string_view> frames{"huitou.result/1", body};
    CHECK_THAT(decode_result(frames).error, Catch::Contains("unknown \"outcome\""));
}

TEST_CASE(
    "a declined job is \"declined\" on the wire — an older worker's \"refused\" reads the same") {
    const ResultMessage result{"toyland",
                               "birthday:M001:2027-09-15",
                               Outcome::declined,
                               "",
                               "",
                               "stale",
                               std::nullopt,
                               *parse_instant("2027-09-15T10:00:00+08:00"),
                               "sms@host:1"};
    const auto frames = encode(result);
    CHECK_THAT(frames[1], Catch::Contains(R"("outcome":"declined")"));
    CHECK(decode_result(views(frames)).message == result);

    const std::string old_body = R"({"store":"toyland","job_id":"j","outcome":"refused","at":1})";
    const auto old = decode_result({"huitou.result/1", old_body});
    REQUIRE(old.message);
    CHECK(old.message->outcome == Outcome::declined);
    CHECK(parse_outcome("declined") == Outcome::declined);
}

TEST_CASE("a result says whether the worker recorded it — older messages read as not recorded") {
    ResultMessage result{"toyland",
                         "birthday:M001:2027-09-15",
                         Outcome::sent,
                         "null",
                         "",
                         "",
                         std::nullopt,
                         *parse_instant("2027-09-15T10:00:00+08:00"),
                         "sms@host:1"};
    CHECK(encode(result)[1].find("recorded") == std::string::npos);
    result.recorded = true;
    const auto decoded = decode_result(views(encode(result)));
    REQUIRE(decoded.message);
    CHECK(decoded.message->recorded);
    CHECK(*decoded.message == result);

    const std::string old_body = R"({"store":"toyland","job_id":"j","outcome":"sent","at":1})";
    const auto old = decode_result({"huitou.result/1", old_body});
    REQUIRE(old.message);
    CHECK_FALSE(old.message->recorded);

    const std::string bad =
        R"({"store":"toyland","job_id":"j","outcome":"sent","at":1,"recorded":"yes"})";
    CHECK_THAT(decode_result({"huitou.result/1", bad}).error,
               Catch::Contains("\"recorded\" is not true or false"));
}
