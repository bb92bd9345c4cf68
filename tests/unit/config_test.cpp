#include <catch2/catch.hpp>

#include "core/config.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {
constexpr const char* minimal = R"(
[stores.toyland]
name = "童乐玩具"
)";
}

TEST_CASE("the embedded default config loads") {
    const Config c = parse_config(default_config_text(), "embedded");
    REQUIRE(c.find_store("toyland"));
    CHECK(c.find_store("toyland")->name == "童乐玩具");
    CHECK(c.find_store("toyland")->zone_name == "Asia/Shanghai");
    CHECK(c.find_store("sg-online")->zone_name == "Asia/Singapore");
    CHECK(c.find_store("jade-spa")->channels == std::vector<Channel>{Channel::sms});
    CHECK(c.find_store("babycare")->send_time == 9h + 30min);
    CHECK(c.sms.provider == "outbox");
}

TEST_CASE("store defaults apply unless a store says otherwise") {
    const Config c = parse_config(R"(
[store_defaults]
timezone = "Asia/Urumqi"
send_time = "09:00"
[stores.a]
name = "A"
[stores.b]
name = "B"
send_time = "11:15"
)",
                                  "t.toml");
    CHECK(c.find_store("a")->zone_name == "Asia/Urumqi");
    CHECK(c.find_store("a")->send_time == 9h);
    CHECK(c.find_store("b")->send_time == 11h + 15min);
    CHECK(c.find_store("b")->zone != nullptr);
}

TEST_CASE("config errors name the file and the key") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[stores.toyland]\nname = \"x\"\ntimezone = \"Asia/Shangai\"\n",
         "t.toml: stores.toyland.timezone: unknown time zone \"Asia/Shangai\""},
        {"[stores.toyland]\nname = \"x\"\nsend_tme = \"10:00\"\n",
         "t.toml: stores.toyland.send_tme: unknown key"},
        {"[stores.toyland]\nname = \"x\"\nsend_time = \"25:00\"\n",
         "t.toml: stores.toyland.send_time: expected a time of day"},
        {"[stores.toyland]\n", "t.toml: stores.toyland.name: every store needs a name"},
        {"[stores.Toy_Land]\nname = \"x\"\n", "t.toml: stores.Toy_Land: a store id may hold only"},
        {"[redis]\nurl = 5\n[stores.a]\nname=\"a\"\n", "t.toml: redis.url: expected a string"},
        {"[scheduler]\nmax_attempts = 0\n[stores.a]\nname=\"a\"\n",
         "t.toml: scheduler.max_attempts: must be positive"},
        {"[sms]\nprovider = \"carrier-pigeon\"\n[stores.a]\nname=\"a\"\n",
         "t.toml: sms.provider: unknown provider"},
        {"[stores.a]\nname=\"a\"\nchannels = [\"fax\"]\n",
         "t.toml: stores.a.channels: expected channel names"},
        {"", "t.toml: stores: configure at least one store"},
        {"[stores.a\nname=\"a\"\n", "t.toml:1:"},
    }));
    CHECK_THROWS_WITH(parse_config(text, "t.toml"), Catch::StartsWith(message));
}

TEST_CASE("config overrides (--set) are applied before checking") {
    SECTION("strings, numbers and arrays") {
        const Config c = parse_config(minimal, "t.toml",
                                      {parse_override("endpoints.sms=tcp://127.0.0.1:9999"),
                                       parse_override("scheduler.max_attempts=7"),
                                       parse_override("stores.toyland.channels=[\"sms\"]")});
        CHECK(c.endpoints.sms == "tcp://127.0.0.1:9999");
        CHECK(c.scheduler.max_attempts == 7);
        CHECK(c.find_store("toyland")->channels == std::vector<Channel>{Channel::sms});
    }
    SECTION("an override is held to the same rules") {
        CHECK_THROWS_WITH(
            parse_config(minimal, "t.toml", {parse_override("scheduler.max_atempts=3")}),
            Catch::Contains("scheduler.max_atempts: unknown key"));
        CHECK_THROWS_WITH(parse_override("no-equals-sign"),
                          Catch::Contains("expected key.path=value"));
    }
}
