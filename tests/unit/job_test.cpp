#include <catch2/catch.hpp>

#include "core/job.h"

using namespace huitou;

TEST_CASE("job ids are the occasion's stable key") {
    const Date day = *parse_date("2027-09-15");
    CHECK(make_job_id(Kind::birthday, "M001", day) == "birthday:M001:2027-09-15");
    CHECK(make_job_id(Kind::child_birthday, "M001", day, "c2") ==
          "child_birthday:M001:2027-09-15:c2");
}

TEST_CASE("a job survives the trip through its Redis fields") {
    Job job;
    job.store = "toyland";
    job.id = "birthday:M001:2027-09-15";
    job.kind = Kind::birthday;
    job.member_id = "M001";
    job.occasion_date = *parse_date("2027-09-15");
    job.channel = Channel::wechat;
    job.to = "oTOY_0001";
    job.text = "王女士，生日快乐！";
    job.params = {{"honorific", "王女士"}, {"store", "童乐玩具"}};
    job.due_at = *parse_instant("2027-09-15T10:00:00+08:00");
    job.expires_at = *parse_instant("2027-09-16T00:00:00+08:00");
    job.attempts = 2;
    job.error = "timeout";
    job.created_at = *parse_instant("2027-09-15T00:00:05+08:00");
    const auto back = job_from_fields("toyland", job.id, to_fields(job));
    REQUIRE(back);
    CHECK(*back == job);

    SECTION("a service notice stays one; a job stored before the flag is marketing") {
        job.marketing = false;
        CHECK(to_fields(job).at("marketing") == "0");
        CHECK_FALSE(job_from_fields("toyland", job.id, to_fields(job))->marketing);
        auto fields = to_fields(job);
        fields.erase("marketing");
        CHECK(job_from_fields("toyland", job.id, fields)->marketing);
    }
    SECTION("a hash missing a required field is not a job") {
        auto fields = to_fields(job);
        fields.erase("due_at");
        CHECK_FALSE(job_from_fields("toyland", job.id, fields));
        fields = to_fields(job);
        fields["state"] = "teleported";
        CHECK_FALSE(job_from_fields("toyland", job.id, fields));
    }
}

TEST_CASE("names of kinds, channels and states round-trip") {
    for (const auto s :
         {JobState::planned, JobState::dispatched, JobState::sent, JobState::delivered,
          JobState::failed, JobState::expired, JobState::cancelled, JobState::unknown}) {
        CHECK(parse_job_state(to_string(s)) == s);
    }
    CHECK_FALSE(is_terminal(JobState::planned));
    CHECK_FALSE(is_terminal(JobState::dispatched));
    CHECK(is_terminal(JobState::unknown));
    CHECK(parse_kind("winback") == Kind::winback);
    CHECK(parse_channel("fax") == std::nullopt);
}
