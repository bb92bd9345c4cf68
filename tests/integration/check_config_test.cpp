// `huitou check-config` refuses an SMS template that could go out too long
// or that holds a word its provider refuses, naming the template.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/process.h"

using namespace huitou::test;

TEST_CASE("check-config names the SMS template it refuses") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("templates/zh-CN"));
    write_file(
        dir.file("templates/zh-CN/birthday.mustache"),
        "{{honorific}}，玉足坊美容会所祝您生日快乐！生日当月到店出示会员码，有份小礼物等您来取。");
    write_file(dir.file("huitou.toml"), "[templates]\ndir = \"" + dir.file("templates") +
                                            "\"\n[stores.spa]\nname = \"玉足坊\"\nsms_max_parts = "
                                            "1\n[sms]\nprovider = \"tencent\"\n");
    const auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "check-config"});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("zh-CN/birthday.mustache (store spa, birthday by SMS)") &&
                          Catch::Contains("2 SMS parts") && Catch::Contains("\"美容\"") &&
                          Catch::Contains("\"会所\""));
    // Within limits and through a provider without the list, the same text passes.
    write_file(dir.file("ok.toml"), "[templates]\ndir = \"" + dir.file("templates") +
                                        "\"\n[stores.spa]\nname = \"玉足坊\"\n");
    const auto ok = run({bin("huitou"), "--config", dir.file("ok.toml"), "check-config"});
    CHECK(ok.status == 0);
    CHECK_THAT(ok.out, Catch::Contains("OK"));
}
