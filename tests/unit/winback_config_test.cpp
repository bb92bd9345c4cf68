#include <catch2/catch.hpp>

#include "core/config.h"

using namespace huitou;

TEST_CASE("win-back settings: defaults, store defaults, per store") {
    const Config c = parse_config(R"(
[endpoints]
visits = "ipc:///tmp/visits.ipc"
[admin]
listen = "0.0.0.0:8080"
token_file = "/etc/huitou/admin-token"
[store_defaults.winback]
factor = 2
floor_days = 5
followup_days = [7, 14, 14]
[stores.ktv]
name = "欢唱KTV"
[stores.ktv.winback]
min_visits = 3
tier_cycle_days = { "金卡" = 10, "普卡" = 20 }
[stores.toys]
name = "童乐玩具"
[stores.toys.winback]
enabled = false
)",
                                  "t.toml");
    const auto& ktv = c.find_store("ktv")->winback;
    CHECK(ktv.enabled);
    CHECK(ktv.factor == 2.0);
    CHECK(ktv.floor_days == 5);
    CHECK(ktv.min_visits == 3);
    CHECK(ktv.followup_days == std::vector<int>{7, 14, 14});
    CHECK(ktv.max_messages() == 4);
    CHECK(ktv.tier_cycle_days.at("金卡") == 10);
    const auto& toys = c.find_store("toys")->winback;
    CHECK_FALSE(toys.enabled);
    CHECK(toys.factor == 2.0);
    CHECK(toys.tier_cycle_days.empty());
    CHECK(c.endpoints.visits == "ipc:///tmp/visits.ipc");
    CHECK(c.admin.listen == "0.0.0.0:8080");
    CHECK(c.admin.token.file == "/etc/huitou/admin-token");

    const Config d = parse_config("[stores.a]\nname = \"A\"\n", "d.toml");
    const auto& w = d.find_store("a")->winback;
    CHECK(w.factor == 1.5);
    CHECK(w.floor_days == 7);
    CHECK(w.min_visits == 4);
    CHECK(w.followup_days == std::vector<int>{10, 20});
    CHECK(d.endpoints.visits == "tcp://127.0.0.1:7304");
    CHECK(d.admin.listen == "127.0.0.1:7380");
}

TEST_CASE("the embedded config's win-back settings load") {
    const Config c = parse_config(default_config_text(), "embedded");
    CHECK(c.find_store("toyland")->winback.enabled);
}

TEST_CASE("win-back config errors name the key") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[stores.a.winback]\nfactr = 1.5\n", "stores.a.winback.factr: unknown key"},
        {"[stores.a.winback]\nfactor = 0.5\n", "stores.a.winback.factor: must be between 1.0"},
        {"[stores.a.winback]\nfactor = \"1.5\"\n", "stores.a.winback.factor: expected a number"},
        {"[stores.a.winback]\nfollowup_days = [20, 10]\n", "gaps must grow"},
        {"[stores.a.winback]\nfollowup_days = [1]\n",
         "followup_days: must be between 2 and 3650, got 1"},
        {"[stores.a.winback]\nmin_visits = 1\n", "min_visits: must be between 2"},
        {"[stores.a.winback]\nhistory = 3\n", "history: must be at least min_visits"},
        {"[stores.a.winback]\ntier_cycle_days = { \"金卡\" = 0 }\n",
         "stores.a.winback.tier_cycle_days.金卡: must be between 1"},
        {"[store_defaults.winback]\nchurn_days = 0\n", "store_defaults.winback.churn_days"},
        {"[admin]\nlisten = \"localhost\"\n", "admin.listen: expected host:port"},
        {"[admin]\nlisten = \"127.0.0.1:99999\"\n", "admin.listen: expected host:port"},
        {"[admin]\ntoken = 5\n", "admin.token: expected a string"},
        {"[admin]\ntoken = \"s3cret\"\n",
         "admin.token: the admin token is not read from the config: use admin.token_file, "
         "admin.token_env or the environment variable HUITOU_ADMIN_TOKEN"},
        {"[admin]\ntoken_file = \"/a\"\ntoken_env = \"B\"\n", "admin.token_file: give"},
    }));
    CAPTURE(text);
    try {
        parse_config("[stores.a]\nname = \"A\"\n" + text, "t.toml");
        FAIL("no error for " << text);
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains(message));
    }
}
