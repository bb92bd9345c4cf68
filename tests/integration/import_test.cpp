// `huitou import` on the files shops really have: Excel's BOM and CRLF, a
// GBK file from a Chinese Windows, broken and duplicate rows, loose dates and
// phones, and a file in no encoding at all.
#include <catch2/catch.hpp>

#include <iconv.h>

#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;

namespace {

// `utf8` in GBK, by glibc's iconv: an oracle independent of the ICU code
// under test.
std::string to_gbk(const std::string& utf8) {
    iconv_t cd = iconv_open("GBK", "UTF-8");
    REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
    std::string in = utf8, out(utf8.size() * 2 + 8, '\0');
    char* src = in.data();
    char* dst = out.data();
    std::size_t src_left = in.size(), dst_left = out.size();
    const auto n = iconv(cd, &src, &src_left, &dst, &dst_left);
    iconv_close(cd);
    REQUIRE(n != static_cast<std::size_t>(-1));
    out.resize(out.size() - dst_left);
    return out;
}

struct Import {
    TestRedis server;
    TempDir dir;
    std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_LOG_LEVEL=warn"};

    RunResult import(const std::string& name, const std::string& content) {
        write_file(dir.file(name), content);
        return run({bin("huitou"), "import", "--store", "toyland", dir.file(name)}, env);
    }
    std::string member(const std::string& id) {
        return run({bin("huitou"), "member", "toyland", id}, env).out;
    }
};

const std::string header = "member_id,name,birthday,phone,sms_optin,note\r\n";

}  // namespace

TEST_CASE_METHOD(Import, "a BOM and CRLF file with quoted, empty, duplicate and loose rows") {
    const auto r =
        import("excel.csv", "\xEF\xBB\xBF" + header +
                                "T1,王芳,1990/8/15,+86 138-0013-8000,1,\"Futian, Shenzhen\"\r\n"
                                "\r\n"
                                ",,,,,\r\n"
                                "T2,\"𠮷田 😀\",19900815,138 0013 8001,1,\"two\r\nlines\"\r\n"
                                "T3,李强,1990.8.15,008613800138002,1,\r\n"
                                "T3,李强,1990.8.15,008613800138002,1,\r\n"
                                "T4,张伟,1990-02-30,13800138004,1,\r\n");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("line 9: birthday \"1990-02-30\" is not a real date"));
    CHECK_THAT(r.out,
               Catch::Contains("imported 4 of 5 rows: 3 new, 0 updated, 1 unchanged; 1 rejected"));
    CHECK_THAT(member("T1"), Catch::Contains("1990-08-15") && Catch::Contains("+8613800138000"));
    CHECK_THAT(member("T2"), Catch::Contains("𠮷田 😀") && Catch::Contains("+8613800138001"));
    CHECK_THAT(member("T3"), Catch::Contains("1990-08-15") && Catch::Contains("+8613800138002"));
}

TEST_CASE_METHOD(Import, "a GBK file is read as GB18030, with a note") {
    const auto r =
        import("gbk.csv", to_gbk(header + "G1,王芳,1990/8/15,13800138000,是,\r\n"
                                          "G2,欧阳娜娜,1985/1/2,13800138001,是,会员\r\n"));
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("is not UTF-8 (line 2, byte offset 49)") &&
                          Catch::Contains("GBK (GB18030)"));
    CHECK_THAT(r.out, Catch::Contains("imported 2 of 2 rows"));
    CHECK_THAT(member("G1"), Catch::Contains("王芳"));
    CHECK_THAT(member("G2"), Catch::Contains("欧阳娜娜"));
}

TEST_CASE_METHOD(Import, "a file in neither UTF-8 nor GBK is refused where it goes wrong") {
    auto r = import("bad.csv", header + "B1,ok,,13800138000,1,\r\nB2,\x80\xFF,,13800138001,1,\r\n");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("line 3, byte offset 72: not UTF-8, and not GBK"));
    CHECK(member("B1").find("13800138000") == std::string::npos);  // nothing half-imported

    r = import("utf16.csv", std::string("\xFF\xFEm\0", 4));
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("UTF-16"));
}
