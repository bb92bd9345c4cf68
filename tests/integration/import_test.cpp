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
    // A date that does not exist: T4 is imported without it.
    CHECK_THAT(r.err, Catch::Contains("line 9: warning: birthday \"1990-02-30\" is not a real "
                                      "date; left out"));
    CHECK_THAT(r.out, Catch::Contains("imported 5 of 5 rows: 4 new, 0 updated, 1 unchanged; 0 "
                                      "rejected; 1 with fields left out"));
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

TEST_CASE_METHOD(Import, "a stray quote in one row of 50 costs that row alone, named") {
    std::string csv = header;
    for (int i = 1; i <= 50; ++i) {
        const std::string id = "Q" + std::to_string(i);
        const std::string phone = std::to_string(13800138000 + i);
        // The second member, on line 3, opens a quote and never closes it.
        csv += i == 2 ? id + ",\"Wang Fang,1990-08-15," + phone + ",1,\r\n"
                      : id + ",Li " + std::to_string(i) + ",1990-08-15," + phone + ",1,\r\n";
    }
    const auto r = import("stray.csv", csv);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("line 3: a quoted field opened on this line"));
    CHECK_THAT(r.out, Catch::Contains("imported 49 of 50 rows: 49 new, 0 updated, 0 unchanged; "
                                      "1 rejected"));
    CHECK_THAT(member("Q1"), Catch::Contains("Li 1"));
    CHECK(member("Q2").find("Wang") == std::string::npos);
    CHECK_THAT(member("Q3"), Catch::Contains("Li 3") && Catch::Contains("+8613800138003"));
    CHECK_THAT(member("Q50"), Catch::Contains("Li 50"));
}

TEST_CASE_METHOD(Import, "a GBK visit file is read as GB18030, as a member file is") {
    REQUIRE(import("m.csv", header + "G1,王芳,1990/8/15,13800138000,1,\r\n").status == 0);
    write_file(dir.file("visits.csv"), to_gbk("会员号,到店时间,金额,备注\r\n"
                                              "G1,2027-09-01 19:30,128,老顾客\r\n"
                                              "G1,2027-09-10,66.5,王芳\r\n"));
    auto with_now = env;
    with_now.push_back("HUITOU_NOW=2027-09-15T12:00:00+08:00");
    const auto r = run(
        {bin("huitou"), "import-visits", "--store", "toyland", dir.file("visits.csv")}, with_now);
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("is not UTF-8") && Catch::Contains("GBK (GB18030)") &&
                          Catch::Contains("note: ignoring columns 备注"));
    CHECK_THAT(r.out, Catch::Contains("imported 2 of 2 rows"));
    CHECK_THAT(run({bin("huitou"), "visits", "toyland", "G1"}, with_now).out,
               Catch::Contains("last visit   2027-09-10"));
}

TEST_CASE_METHOD(Import,
                 "a bad optional field is left out with a warning — the member is imported") {
    REQUIRE(import("first.csv",
                   "member_id,name,gender,birthday,phone,wechat_openid,tier,sms_optin\r\n"
                   "W1,王芳,F,1990-08-15,13800138000,oTOY_wangfang,金卡,1\r\n")
                .status == 0);
    const auto r = import("typos.csv",
                          "member_id,name,gender,birthday,phone,wechat_openid,tier,sms_optin\r\n"
                          "W1,王芳芳,X,1990-08-15,1380013,oTOY_,金卡,maybe\r\n"
                          "W2,李娜,女,1985/3/2,,oTOY_,,1\r\n"
                          "bad id,张伟,M,1990-01-01,13800138009,,,1\r\n");
    CHECK(r.status == 3);
    CHECK_THAT(r.err,
               Catch::Contains("line 2: warning: gender \"X\" is not F/M (女/男); left out"));
    CHECK_THAT(r.err, Catch::Contains("line 2: warning: phone \"1380013\""));
    CHECK_THAT(r.err, Catch::Contains("line 2: warning: wechat_openid \"oTOY_\" is not an openid"));
    CHECK_THAT(r.err, Catch::Contains("line 2: warning: sms_optin \"maybe\""));
    CHECK_THAT(r.err, Catch::Contains("line 3: warning: wechat_openid"));
    CHECK_THAT(r.err, Catch::Contains("line 4: member_id \"bad id\""));
    CHECK_THAT(r.out, Catch::Contains("imported 2 of 3 rows: 1 new, 1 updated, 0 unchanged; 1 "
                                      "rejected; 2 with fields left out"));
    // W1: the new name; the stored gender, phone, openid and consent stay.
    const auto w1 = member("W1");
    CHECK_THAT(w1, Catch::Contains("王芳芳") && Catch::Contains("+8613800138000") &&
                       Catch::Contains("oTOY_wangfang"));
    // W2: imported with her birthday, without the bad openid.
    CHECK_THAT(member("W2"), Catch::Contains("1985-03-02"));
    CHECK(member("W2").find("oTOY_") == std::string::npos);
}

TEST_CASE_METHOD(Import, "JSON Lines keys that are no member field are named once each") {
    const auto r = import("m.jsonl", R"({"member_id":"J1","name":"王芳","brithday":"1990-08-15"})"
                                     "\n"
                                     R"({"member_id":"J2","brithday":"1991-01-01","coupons":5})"
                                     "\n");
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::Contains("note: ignoring key \"brithday\" (first on line 1)") &&
                          Catch::Contains("note: ignoring key \"coupons\" (first on line 2)"));
    CHECK(r.err.find("brithday", r.err.find("brithday") + 1) == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("imported 2 of 2 rows"));
}
