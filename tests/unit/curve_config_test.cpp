// The [curve] table and the workers' admin_listen key: what loads, what is refused.
#include <catch2/catch.hpp>

#include "core/config.h"

using namespace huitou;

namespace {
const std::string key40(40, 'A');
const std::string store = "[stores.a]\nname = \"a\"\n";
}  // namespace

TEST_CASE("CURVE is off unless the scheduler's public key is configured") {
    CHECK_FALSE(parse_config(store, "t.toml").curve.enabled());
    const Config c = parse_config("[curve]\nserver_public_key = \"" + key40 +
                                      "\"\nserver_secret_key_file = \"/etc/huitou/s.key\"\n"
                                      "client_public_key = \"" +
                                      key40 +
                                      "\"\nclient_secret_key_env = \"HUITOU_CURVE\"\n"
                                      "allowed_clients = [\"" +
                                      key40 + "\"]\n" + store,
                                  "t.toml");
    CHECK(c.curve.enabled());
    CHECK(c.curve.server_secret_key.file == "/etc/huitou/s.key");
    CHECK(c.curve.client_secret_key.env == "HUITOU_CURVE");
    CHECK(c.curve.allowed_clients == std::vector<std::string>{key40});
}

TEST_CASE("CURVE and admin_listen mistakes are refused with the key named") {
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {"[curve]\nserver_public_key = \"short\"\n",
         "t.toml: curve.server_public_key: expected a Z85 key"},
        {"[curve]\nserver_secret_key = \"" + key40 + "\"\n",
         "t.toml: curve.server_secret_key: secrets are not read from the config"},
        {"[curve]\nallowed_clients = [\"short\"]\n",
         "t.toml: curve.allowed_clients: expected Z85 public keys"},
        {"[curve]\nserver_publik_key = \"x\"\n", "t.toml: curve.server_publik_key: unknown key"},
        {"[sms]\nadmin_listen = \"nowhere\"\n", "t.toml: sms.admin_listen: expected host:port"},
    }));
    CHECK_THROWS_WITH(parse_config(text + store, "t.toml"), Catch::StartsWith(message));
}

TEST_CASE("a worker's admin listener is off by default") {
    const Config c =
        parse_config("[wechat]\nadmin_listen = \"127.0.0.1:9472\"\n" + store, "t.toml");
    CHECK(c.sms.admin_listen.empty());
    CHECK(c.wechat.admin_listen == "127.0.0.1:9472");
}
