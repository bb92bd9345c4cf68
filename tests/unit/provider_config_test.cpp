#include <catch2/catch.hpp>

#include "core/config.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("store SMS settings: defaults and overrides") {
    const Config c = parse_config(R"(
[store_defaults]
sms_unsubscribe = "拒收请回复R"
[stores.toyland]
name = "童乐玩具"
[stores.spa]
name = "玉足坊"
sms_signature = "玉足坊养生"
sms_max_parts = 2
sms_from = "1069001"
)",
                                  "t.toml");
    const auto& toy = *c.find_store("toyland");
    CHECK(toy.sms_signature == "童乐玩具");
    CHECK(toy.sms_unsubscribe == "拒收请回复R");
    CHECK(toy.sms_max_parts == 3);
    const auto& spa = *c.find_store("spa");
    CHECK(spa.sms_signature == "玉足坊养生");
    CHECK(spa.sms_max_parts == 2);
    CHECK(spa.sms_from == "1069001");
}

TEST_CASE("provider tables") {
    const Config c = parse_config(R"(
[stores.toyland]
name = "童乐玩具"
[sms]
provider = "tencent"
rate_per_second = 200
rate_burst = 20
recipient_per_day = 3
backoff_base_seconds = 10
[sms.tencent]
sdk_app_id = "1400006666"
secret_id = "AKID"
secret_key_env = "TENCENT_SECRET"
banned_words = ["酒吧"]
[sms.tencent.templates.birthday]
id = "449739"
params = ["honorific", "store"]
[wechat]
provider = "wechat"
[wechat.official]
app_id = "wx01"
app_secret_file = "/etc/huitou/wechat.secret"
[wechat.official.templates.card_expiry]
id = "TPL"
fields = { thing1 = "store" }
)",
                                  "t.toml");
    CHECK(c.sms.provider == "tencent");
    CHECK(c.sms.rate.per_second == 200);
    CHECK(c.sms.rate.burst == 20);
    CHECK(c.sms.rate.recipient_per_day == 3);
    CHECK(c.sms.backoff.base == 10s);
    CHECK(c.sms.tencent.secret_key.env == "TENCENT_SECRET");
    CHECK(c.sms.tencent.templates.at("birthday").params ==
          std::vector<std::string>{"honorific", "store"});
    CHECK(c.sms.banned_words() == std::vector<std::string>{"酒吧"});
    CHECK(c.sms.account() == "tencent:1400006666");
    CHECK(c.wechat.wechat.app_secret.file == "/etc/huitou/wechat.secret");
    CHECK(c.wechat.wechat.templates.at("card_expiry").fields.at("thing1") == "store");
}

TEST_CASE("Tencent's banned words are the default list") {
    const Config c = parse_config("[stores.a]\nname = \"a\"\n[sms]\nprovider = \"tencent\"\n", "t");
    CHECK(c.sms.banned_words() == tencent_default_banned_words());
    CHECK(parse_config("[stores.a]\nname = \"a\"\n", "t").sms.banned_words().empty());
}

TEST_CASE("provider config errors name the key") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[sms.kannel]\npassword = \"hunter2\"\n",
         "t.toml: sms.kannel.password: secrets are not read from the config"},
        {"[sms.aliyun]\naccess_key_secret_file = \"a\"\naccess_key_secret_env = \"B\"\n",
         "t.toml: sms.aliyun.access_key_secret_file: give"},
        {"[sms.tencent.templates.birthdya]\nid = \"1\"\n",
         "t.toml: sms.tencent.templates.birthdya: unknown kind"},
        {"[sms.tencent.templates.birthday]\nparams = []\n",
         "t.toml: sms.tencent.templates.birthday.id: the provider's template id is required"},
        {"[sms]\nrate_per_second = -1\n",
         "t.toml: sms.rate_per_second: must be between 0 and 100000, got -1"},
        {"[wechat]\nprovider = \"kannel\"\n", "t.toml: wechat.provider: unknown provider"},
        {"[sms.kannel]\ndlr_mask = 64\n", "t.toml: sms.kannel.dlr_mask"},
        {"[sms]\nbackoff_base_seconds = 100\nbackoff_cap_seconds = 10\n",
         "t.toml: sms.backoff_cap_seconds: must be at least"},
        {"[stores.b]\nname = \"b\"\nsms_signature = \"【b】\"\n",
         "t.toml: stores.b.sms_signature: the bare name"},
        {"[sms.aliyun]\nreceipts = \"pull\"\n",
         "t.toml: sms.aliyun.receipts: expected \"off\", \"push\" or \"poll\", got \"pull\""},
        {"[sms.tencent]\nreceipts = true\n", "t.toml: sms.tencent.receipts: expected a string"},
        {"[sms.receipts]\nlisten = \"13081\"\n", "t.toml: sms.receipts.listen: expected host:port"},
        {"[sms.receipts]\ncallback_secret = \"x\"\n",
         "t.toml: sms.receipts.callback_secret: secrets are not read from the config"},
        {"[sms.receipts]\npoll_per_second = 0\n",
         "t.toml: sms.receipts.poll_per_second: must be between 1 and 1000, got 0"},
        {"[sms.receipts]\npoll_intervall_seconds = 5\n",
         "t.toml: sms.receipts.poll_intervall_seconds: unknown key"},
    }));
    CHECK_THROWS_WITH(parse_config("[stores.a]\nname = \"a\"\n" + text, "t.toml"),
                      Catch::StartsWith(message));
}

TEST_CASE("the null provider is for benchmarks only: refused unless the table says bench") {
    const Config c = parse_config(
        "[sms]\nprovider = \"null\"\nbench = true\n[wechat]\nprovider = \"null\"\nbench = "
        "true\n[stores.a]\nname = \"a\"\n",
        "t.toml");
    CHECK(c.sms.provider == "null");
    CHECK(c.wechat.provider == "null");
    for (const char* channel : {"sms", "wechat"}) {
        const std::string text =
            std::string("[") + channel + "]\nprovider = \"null\"\n[stores.a]\nname = \"a\"\n";
        CHECK_THROWS_WITH(parse_config(text, "t.toml"),
                          Catch::Contains(std::string(channel) + ".provider") &&
                              Catch::Contains("benchmarks only"));
        CHECK_THROWS_WITH(parse_config(std::string("[") + channel +
                                           "]\nprovider = \"null\"\nbench = false\n"
                                           "[stores.a]\nname = \"a\"\n",
                                       "t.toml"),
                          Catch::Contains("benchmarks only"));
    }
}

TEST_CASE("receipts: off by default, push or poll per provider, one [sms.receipts] block") {
    const auto dflt =
        parse_config("[stores.a]\nname = \"a\"\n[sms]\nprovider = \"aliyun\"\n", "t.toml");
    CHECK(dflt.sms.aliyun.receipts == ReceiptMode::off);
    CHECK(dflt.sms.tencent.receipts == ReceiptMode::off);
    CHECK(dflt.sms.receipt_mode() == ReceiptMode::off);
    CHECK(dflt.sms.receipts.listen == "127.0.0.1:13081");
    CHECK(dflt.sms.receipts.poll_interval == std::chrono::seconds(60));
    CHECK(dflt.sms.receipts.poll_per_second == 5);
    const auto c = parse_config(R"([stores.a]
name = "a"
[sms]
provider = "tencent"
[sms.aliyun]
receipts = "poll"
[sms.tencent]
receipts = "push"
[sms.receipts]
listen = "0.0.0.0:9000"
callback_secret_file = "/etc/huitou/receipts.key"
poll_interval_seconds = 30
poll_per_second = 2
poll_batch = 50
)",
                                "t.toml");
    CHECK(c.sms.aliyun.receipts == ReceiptMode::poll);
    CHECK(c.sms.receipt_mode() == ReceiptMode::push);  // the configured provider's
    CHECK(c.sms.receipts.listen == "0.0.0.0:9000");
    CHECK(c.sms.receipts.callback_secret.file == "/etc/huitou/receipts.key");
    CHECK(c.sms.receipts.poll_interval == std::chrono::seconds(30));
    CHECK(c.sms.receipts.poll_per_second == 2);
    CHECK(c.sms.receipts.poll_batch == 50);
    CHECK(to_string(ReceiptMode::poll) == "poll");
    // Kannel has its own listener: no receipts mode of these.
    CHECK(parse_config("[stores.a]\nname = \"a\"\n[sms]\nprovider = \"kannel\"\n", "t.toml")
              .sms.receipt_mode() == ReceiptMode::off);
}
