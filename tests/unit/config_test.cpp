#include <catch2/catch.hpp>

#include <algorithm>

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
         "t.toml: scheduler.max_attempts: must be between 1 and 100, got 0"},
        {"[sms]\nprovider = \"carrier-pigeon\"\n[stores.a]\nname=\"a\"\n",
         "t.toml: sms.provider: unknown provider"},
        {"[stores.a]\nname=\"a\"\nchannels = [\"fax\"]\n",
         "t.toml: stores.a.channels: expected channel names"},
        {"[admin]\napi_requests_per_second = 0\n[stores.a]\nname=\"a\"\n",
         "t.toml: admin.api_requests_per_second: must be between 1 and 1000000, got 0"},
        {"[admin]\napi_burst = -1\n[stores.a]\nname=\"a\"\n",
         "t.toml: admin.api_burst: must be between 0 and 1000000, got -1"},
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

TEST_CASE("the embedded festivals and the stores' defaults") {
    const Config c = parse_config(default_config_text(), "embedded");
    REQUIRE(c.festivals.size() == 16);
    const auto* mid_autumn = c.find_festival("mid_autumn");
    REQUIRE(mid_autumn);
    CHECK(mid_autumn->name == "中秋节");
    CHECK(format_festival_rule(mid_autumn->rule) == "lunar:08-15");
    CHECK(mid_autumn->template_name == "festival.mid_autumn");
    CHECK(mid_autumn->audience.empty());  // everyone
    CHECK(c.find_festival("double_ninth")->audience ==
          std::vector<Audience>{Audience::age_60_plus});
    CHECK(c.find_festival("mothers_day")->audience ==
          std::vector<Audience>{Audience::women, Audience::with_child});
    CHECK(c.find_festival("national_day")->template_name == "festival");
    for (const char* key :
         {"new_year", "new_years_eve", "spring_festival", "lantern", "womens_day", "qingming",
          "mothers_day", "childrens_day", "dragon_boat", "fathers_day", "qixi", "teachers_day",
          "mid_autumn", "national_day", "double_ninth", "christmas"}) {
        CHECK(c.find_festival(key));
    }
    const auto& toyland = *c.find_store("toyland");
    CHECK(std::find(toyland.festivals.begin(), toyland.festivals.end(), "mid_autumn") !=
          toyland.festivals.end());
    // 清明 is a day of mourning: no store greets on it unless it says so.
    CHECK(std::find(toyland.festivals.begin(), toyland.festivals.end(), "qingming") ==
          toyland.festivals.end());
    CHECK(toyland.card_expiry_days == std::vector<int>{7, 1});
    CHECK(toyland.lead_days == LeadDays{});
    CHECK(c.find_store("babycare")->lead_days.child_birthday == 7);
    CHECK(c.festivals_of(toyland).size() == toyland.festivals.size());
}

TEST_CASE("occasion settings: code defaults, store over store_defaults") {
    const Config bare = parse_config(minimal, "t.toml");
    CHECK(bare.find_store("toyland")->festivals.empty());
    CHECK(bare.find_store("toyland")->card_expiry_days == std::vector<int>{7, 1});
    const Config c = parse_config(R"(
[store_defaults]
festivals = ["mid_autumn", "spring_festival"]
lead_days = { child_birthday = 7 }
card_expiry_days = [1, 30, 7]
[stores.a]
name = "A"
[stores.b]
name = "B"
festivals = []
lead_days = { birthday = 2 }
card_expiry_days = []
)",
                                  "t.toml");
    const auto& a = *c.find_store("a");
    CHECK(a.festivals == std::vector<std::string>{"mid_autumn", "spring_festival"});
    CHECK(a.lead_days == LeadDays{0, 7, 0});
    CHECK(a.card_expiry_days == std::vector<int>{30, 7, 1});  // descending
    const auto& b = *c.find_store("b");
    CHECK(b.festivals.empty());
    CHECK(b.lead_days == LeadDays{2, 7, 0});  // key by key over the defaults
    CHECK(b.card_expiry_days.empty());
}

TEST_CASE("occasion settings are checked strictly") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[stores.a]\nname=\"a\"\nfestivals = [\"mid_autum\"]\n",
         "t.toml: stores.a.festivals: unknown festival \"mid_autum\" (holidays.toml (embedded) "
         "defines: "},
        {"[store_defaults]\nfestivals = [\"easter\"]\n[stores.a]\nname=\"a\"\n",
         "t.toml: store_defaults.festivals: unknown festival \"easter\""},
        {"[stores.a]\nname=\"a\"\nfestivals = [\"qixi\", \"qixi\"]\n",
         "t.toml: stores.a.festivals: names \"qixi\" twice"},
        {"[stores.a]\nname=\"a\"\nfestivals = \"qixi\"\n",
         "t.toml: stores.a.festivals: expected an array"},
        {"[stores.a]\nname=\"a\"\nlead_days = { childbirthday = 7 }\n",
         "t.toml: stores.a.lead_days.childbirthday: unknown key"},
        {"[stores.a]\nname=\"a\"\nlead_days = { birthday = -1 }\n",
         "t.toml: stores.a.lead_days.birthday: must be between 0 and 60"},
        {"[stores.a]\nname=\"a\"\ncard_expiry_days = [7, \"1\"]\n",
         "t.toml: stores.a.card_expiry_days: expected an integer"},
        {"[stores.a]\nname=\"a\"\ncard_expiry_days = [7, 7]\n",
         "t.toml: stores.a.card_expiry_days: names 7 twice"},
        {"[calendar]\nholidays_file = \"/nonexistent/h.toml\"\n[stores.a]\nname=\"a\"\n",
         "t.toml: calendar.holidays_file: cannot read \"/nonexistent/h.toml\""},
        {"[calendar]\nholiday_file = \"x\"\n[stores.a]\nname=\"a\"\n",
         "t.toml: calendar.holiday_file: unknown key"},
    }));
    CHECK_THROWS_WITH(parse_config(text, "t.toml"), Catch::StartsWith(message));
}

TEST_CASE("a configured holidays file replaces the embedded one") {
    const std::string holidays = R"(
[festivals.store_anniversary]
name = "店庆"
rule = "solar:05-20"
[festivals.laba]
name = "腊八节"
rule = "lunar:12-08"
template = "festival.laba"
audience = ["age_60_plus", "women"]
)";
    const ConfigFileReader reader = [&](const std::string& path) -> std::optional<std::string> {
        if (path == "my-holidays.toml") return holidays;
        return std::nullopt;
    };
    const Config c = parse_config(R"(
[calendar]
holidays_file = "my-holidays.toml"
[stores.a]
name = "A"
festivals = ["store_anniversary"]
)",
                                  "t.toml", {}, reader);
    REQUIRE(c.festivals.size() == 2);
    CHECK(c.festivals[0].key == "laba");  // key order
    CHECK(c.find_festival("store_anniversary")->template_name == "festival");
    CHECK(c.find_festival("laba")->audience ==
          std::vector<Audience>{Audience::age_60_plus, Audience::women});
    CHECK_FALSE(c.find_festival("mid_autumn"));
    CHECK_THROWS_WITH(parse_config(R"(
[calendar]
holidays_file = "my-holidays.toml"
[stores.a]
name = "A"
festivals = ["mid_autumn"]
)",
                                   "t.toml", {}, reader),
                      Catch::Contains("unknown festival \"mid_autumn\" (my-holidays.toml defines: "
                                      "laba, store_anniversary)"));
}

TEST_CASE("holidays files are checked strictly, naming the festival") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[festivals.x]\nname = \"X\"\nrule = \"lunar:13-01\"\n",
         "h.toml: festivals.x.rule: festival rule \"lunar:13-01\": month 13 is not 01..12"},
        {"[festivals.x]\nrule = \"solar:01-01\"\n",
         "h.toml: festivals.x.name: every festival needs a name"},
        {"[festivals.x]\nname = \"X\"\n", "h.toml: festivals.x.rule: every festival needs a rule"},
        {"[festivals.Mid-Autumn]\nname = \"X\"\nrule = \"solar:01-01\"\n",
         "h.toml: festivals.Mid-Autumn: a festival key may hold only"},
        {"[festivals.x]\nname = \"X\"\nrule = \"solar:01-01\"\ntemplate = \"birthday\"\n",
         "h.toml: festivals.x.template: expected \"festival\" or \"festival.<name>\""},
        {"[festivals.x]\nname = \"X\"\nrule = \"solar:01-01\"\ntemplate = \"festival.sms\"\n",
         "h.toml: festivals.x.template: expected"},
        {"[festivals.x]\nname = \"X\"\nrule = \"solar:01-01\"\naudience = \"kids\"\n",
         "h.toml: festivals.x.audience: unknown audience \"kids\""},
        {"[festivals.x]\nname = \"X\"\nrule = \"solar:01-01\"\naudience = []\n",
         "h.toml: festivals.x.audience: expected all, with_child"},
        {"[festivals.x]\nname = \"X\"\nrule = \"solar:01-01\"\nwhen = \"now\"\n",
         "h.toml: festivals.x.when: unknown key"},
        {"[festival.x]\nname = \"X\"\n", "h.toml: festivals: define at least one festival"},
        {"[festivals]\n", "h.toml: festivals: define at least one festival"},
    }));
    CHECK_THROWS_WITH(parse_holidays(text, "h.toml"), Catch::StartsWith(message));
}

TEST_CASE("every integer key is range-checked, never narrowed, and named when wrong") {
    // A value one past the top of each key's range (and 3000000000, which a
    // cast to int made negative) is refused with the key's full name.
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[scheduler]\nmax_in_flight = 3000000000\n",
         "t.toml: scheduler.max_in_flight: must be between 1 and 1000000, got 3000000000"},
        {"[scheduler]\nack_timeout_seconds = 86401\n", "t.toml: scheduler.ack_timeout_seconds: "},
        {"[scheduler]\nonce_wait_seconds = 3601\n", "t.toml: scheduler.once_wait_seconds: "},
        {"[scheduler]\nretry_delay_seconds = 86401\n", "t.toml: scheduler.retry_delay_seconds: "},
        {"[scheduler]\ndispatch_batch = 10001\n", "t.toml: scheduler.dispatch_batch: "},
        {"[scheduler]\nplan_batch = 4294967296\n", "t.toml: scheduler.plan_batch: "},
        {"[scheduler]\nmax_attempts = 101\n", "t.toml: scheduler.max_attempts: "},
        {"[scheduler]\njob_retention_days = 9223372036854775807\n",
         "t.toml: scheduler.job_retention_days: "},
        {"[scheduler]\nlease_seconds = 3601\n", "t.toml: scheduler.lease_seconds: "},
        {"[stores.b]\nname = \"b\"\nsms_max_parts = 11\n", "t.toml: stores.b.sms_max_parts: "},
        {"[store_defaults]\nsms_max_parts = 0\n", "t.toml: store_defaults.sms_max_parts: "},
        {"[stores.b]\nname = \"b\"\nlead_days = { festival = 61 }\n",
         "t.toml: stores.b.lead_days.festival: "},
        {"[stores.b]\nname = \"b\"\ncard_expiry_days = [4294967303]\n",
         "t.toml: stores.b.card_expiry_days: must be between 0 and 366"},
        {"[store_defaults.winback]\nfollowup_days = [4294967306]\n",
         "t.toml: store_defaults.winback.followup_days: must be between 2 and 3650"},
        {"[store_defaults.winback]\nmin_visits = 4294967300\n",
         "t.toml: store_defaults.winback.min_visits: "},
        {"[store_defaults.winback]\nmax_absence_days = 36501\n",
         "t.toml: store_defaults.winback.max_absence_days: "},
        {"[store_defaults.policy]\nspread_minutes = 1441\n",
         "t.toml: store_defaults.policy.spread_minutes: "},
        {"[store_defaults.policy]\nmax_per_day = 4294967297\n",
         "t.toml: store_defaults.policy.max_per_day: "},
        {"[store_defaults.policy.cooldown_days]\nwinback = 4294967299\n",
         "t.toml: store_defaults.policy.cooldown_days.winback: "},
        {"[sms]\nrate_per_second = 4294967297\n", "t.toml: sms.rate_per_second: "},
        {"[sms]\nrate_burst = 100001\n", "t.toml: sms.rate_burst: "},
        {"[sms]\nrate_max_wait_ms = 3600001\n", "t.toml: sms.rate_max_wait_ms: "},
        {"[wechat]\nrate_guard_ms = 1001\n", "t.toml: wechat.rate_guard_ms: "},
        {"[sms]\nrecipient_per_minute = 4294967297\n", "t.toml: sms.recipient_per_minute: "},
        {"[sms]\nrecipient_per_hour = 1000001\n", "t.toml: sms.recipient_per_hour: "},
        {"[sms]\nrecipient_per_day = 1000001\n", "t.toml: sms.recipient_per_day: "},
        {"[sms]\nhttp_timeout_ms = 600001\n", "t.toml: sms.http_timeout_ms: "},
        {"[wechat]\naccount_pause_seconds = 604801\n", "t.toml: wechat.account_pause_seconds: "},
        {"[sms]\nbackoff_base_seconds = 86401\n", "t.toml: sms.backoff_base_seconds: "},
        {"[sms]\nbackoff_cap_seconds = 604801\n", "t.toml: sms.backoff_cap_seconds: "},
        {"[sms.kannel]\ndlr_mask = 4294967297\n", "t.toml: sms.kannel.dlr_mask: "},
        {"[redis]\nwait_replicas = 17\n",
         "t.toml: redis.wait_replicas: must be between 0 and 16, got 17"},
        {"[redis]\nwait_timeout_ms = 4001\n",
         "t.toml: redis.wait_timeout_ms: must be between 1 and 4000, got 4001"},
        {"[scheduler]\nmax_in_flight = 2.5\n",
         "t.toml: scheduler.max_in_flight: expected an integer"},
        {"[stores.b]\nname = \"b\"\ncard_expiry_days = [7.0]\n",
         "t.toml: stores.b.card_expiry_days: expected an integer"},
    }));
    CAPTURE(text);
    CHECK_THROWS_WITH(parse_config("[stores.a]\nname = \"a\"\n" + text, "t.toml"),
                      Catch::StartsWith(message));
}

TEST_CASE("redis.wait_replicas: no WAIT by default; replicas and a timeout when asked") {
    const Config plain = parse_config("[stores.a]\nname = \"a\"\n", "t.toml");
    CHECK(plain.replica_wait.replicas == 0);
    CHECK(plain.replica_wait.timeout == std::chrono::milliseconds(1000));
    const Config c = parse_config(
        "[redis]\nwait_replicas = 1\nwait_timeout_ms = 250\n[stores.a]\nname = \"a\"\n", "t.toml");
    CHECK(c.replica_wait.replicas == 1);
    CHECK(c.replica_wait.timeout == std::chrono::milliseconds(250));
}

TEST_CASE("an out-of-range --set is refused the same way") {
    CHECK_THROWS_WITH(parse_config("[stores.a]\nname = \"a\"\n", "t.toml",
                                   {parse_override("scheduler.max_in_flight=3000000000")}),
                      Catch::StartsWith("t.toml: scheduler.max_in_flight: must be between 1 and "
                                        "1000000, got 3000000000"));
}

TEST_CASE("[console]: session times and secure cookies, with range checks") {
    const Config dflt = parse_config(minimal, "t.toml");
    CHECK(dflt.console.session.idle == 30min);
    CHECK(dflt.console.session.lifetime == 12h);
    CHECK_FALSE(dflt.console.secure_cookies);
    const Config c = parse_config(std::string(minimal) +
                                      "[console]\nsession_idle_minutes = 10\n"
                                      "session_max_hours = 8\nsecure_cookies = true\n",
                                  "t.toml");
    CHECK(c.console.session.idle == 10min);
    CHECK(c.console.session.lifetime == 8h);
    CHECK(c.console.secure_cookies);
    CHECK_THROWS_WITH(
        parse_config(std::string(minimal) + "[console]\nsession_idle_minutes = 0\n", "t.toml"),
        Catch::StartsWith(
            "t.toml: console.session_idle_minutes: must be between 1 and 1440, got 0"));
    CHECK_THROWS_WITH(
        parse_config(std::string(minimal) + "[console]\nsecure_cookies = \"yes\"\n", "t.toml"),
        Catch::StartsWith("t.toml: console.secure_cookies: expected true or false"));
    CHECK_THROWS_WITH(
        parse_config(std::string(minimal) + "[console]\nsession_minutes = 5\n", "t.toml"),
        Catch::StartsWith("t.toml: console.session_minutes: unknown key"));
}

TEST_CASE("scheduler.job_storage: sheets by default, hashes when asked, nothing else") {
    CHECK(parse_config(minimal, "t.toml").scheduler.job_storage == JobStorage::sheets);
    CHECK(parse_config(std::string(minimal) + "[scheduler]\njob_storage = \"sheets\"\n", "t.toml")
              .scheduler.job_storage == JobStorage::sheets);
    CHECK(parse_config(std::string(minimal) + "[scheduler]\njob_storage = \"hashes\"\n", "t.toml")
              .scheduler.job_storage == JobStorage::hashes);
    CHECK(parse_config(minimal, "t.toml", {parse_override("scheduler.job_storage=sheets")})
              .scheduler.job_storage == JobStorage::sheets);
    CHECK_THROWS_WITH(
        parse_config(std::string(minimal) + "[scheduler]\njob_storage = \"records\"\n", "t.toml"),
        "t.toml: scheduler.job_storage: expected \"hashes\" or \"sheets\", got \"records\"");
    CHECK_THROWS_WITH(
        parse_config(std::string(minimal) + "[scheduler]\njob_storage = 2\n", "t.toml"),
        Catch::StartsWith("t.toml: scheduler.job_storage: expected a string"));
}

TEST_CASE("stores.<id>.shards: 1 by default, 1..64, a store's own") {
    const Config dflt = parse_config(minimal, "t.toml");
    CHECK(dflt.find_store("toyland")->shards == 1);
    const Config c = parse_config(R"(
[stores.a]
name = "A"
shards = 3
[stores.b]
name = "B"
shards = 64
[stores.c]
name = "C"
)",
                                  "t.toml");
    CHECK(c.find_store("a")->shards == 3);
    CHECK(c.find_store("b")->shards == 64);
    CHECK(c.find_store("c")->shards == 1);
    CHECK(parse_config(minimal, "t.toml", {parse_override("stores.toyland.shards=5")})
              .find_store("toyland")
              ->shards == 5);

    SECTION("anything else is refused, naming the store and the key") {
        const auto [value, message] = GENERATE(table<std::string, std::string>({
            {"0", "t.toml: stores.toyland.shards: must be between 1 and 64, got 0"},
            {"65", "t.toml: stores.toyland.shards: must be between 1 and 64, got 65"},
            {"-3", "t.toml: stores.toyland.shards: must be between 1 and 64, got -3"},
            {"4294967299",
             "t.toml: stores.toyland.shards: must be between 1 and 64, got 4294967299"},
            {"\"3\"", "t.toml: stores.toyland.shards: expected an integer"},
            {"3.0", "t.toml: stores.toyland.shards: expected an integer"},
            {"true", "t.toml: stores.toyland.shards: expected an integer"},
        }));
        CAPTURE(value);
        CHECK_THROWS_WITH(parse_config(std::string(minimal) + "shards = " + value + "\n", "t.toml"),
                          message);
    }
    SECTION("a typo is still an unknown key") {
        CHECK_THROWS_WITH(parse_config(std::string(minimal) + "shard = 3\n", "t.toml"),
                          "t.toml: stores.toyland.shard: unknown key");
    }
    SECTION("not in [store_defaults]: each store's K is its own") {
        CHECK_THROWS_WITH(
            parse_config(std::string("[store_defaults]\nshards = 2\n") + minimal, "t.toml"),
            "t.toml: store_defaults.shards: set per store ([stores.<id>] shards), not for every "
            "store");
    }
}
