// Delivery receipts as Aliyun and Tencent push them: the reference that
// names store and job, the bodies read and refused, the outcome mapped.
#include <catch2/catch.hpp>

#include "core/civil_time.h"
#include "core/sms_receipt.h"

using namespace huitou;

TEST_CASE("receipt references name the store and the job, and nothing else parses as one") {
    CHECK(receipt_ref("toyland", "birthday:M1:2027-09-15") == "toyland/birthday:M1:2027-09-15");
    CHECK(parse_receipt_ref("toyland/birthday:M1:2027-09-15") ==
          ReceiptRef{"toyland", "birthday:M1:2027-09-15"});
    // The first '/' splits: a store id never holds one.
    CHECK(parse_receipt_ref("a/b/c") == ReceiptRef{"a", "b/c"});
    for (const char* bad : {"", "birthday:M1:2027-09-15", "/job", "toyland/", "Toy Land/job",
                            "67890**", "toolongtoolongtoolongtoolongtoolong/job"}) {
        INFO(bad);
        CHECK_FALSE(parse_receipt_ref(bad));
    }
}

TEST_CASE("Aliyun's SmsReport array as its documentation shows it") {
    // help.aliyun.com/zh/sms/developer-reference/smsreport-2, with our OutId.
    const auto batch = parse_aliyun_reports(R"([
  {"phone_number":"13800138000","send_time":"2017-01-01 00:00:00",
   "report_time":"2017-01-01 00:00:05","success":true,"err_code":"DELIVERED",
   "err_msg":"用户接收成功","sms_size":"1","biz_id":"12345^0",
   "out_id":"toyland/birthday:M1:2027-09-15"},
  {"phone_number":"13900139000","send_time":"2017-01-01 00:00:00",
   "report_time":"2017-01-01 00:01:00","success":false,"err_code":"MK:0001",
   "err_msg":"用户关机","sms_size":"1","biz_id":"12346^0","out_id":""}])");
    REQUIRE(batch.error.empty());
    REQUIRE(batch.receipts.size() == 2);
    const auto& ok = batch.receipts[0];
    CHECK(ok.ref == "toyland/birthday:M1:2027-09-15");
    CHECK(ok.provider_ref == "12345^0");
    CHECK(ok.delivered);
    CHECK(delivery_status(ok) == "delivered");
    CHECK(ok.detail == "DELIVERED 用户接收成功");
    CHECK(ok.at == parse_instant("2017-01-01T00:00:05+08:00"));
    const auto& failed = batch.receipts[1];
    CHECK_FALSE(failed.delivered);
    CHECK(delivery_status(failed) == "undelivered");
    CHECK(failed.detail == "MK:0001 用户关机");  // the carrier's code is kept
    CHECK(failed.ref.empty());                   // no job: the recorder ignores it
}

TEST_CASE("a pushed body that is not the documented array is refused whole, naming where") {
    using Row = std::pair<const char*, const char*>;
    const auto [body, error] = GENERATE(table<const char*, const char*>({
        Row{"not json", "body: not JSON"},
        Row{R"({"success":true})", "body: expected a JSON array of reports"},
        Row{R"([{"success":true,"out_id":"a/b"}, 7])", "[1]: expected an object"},
        Row{R"([{"success":"true","out_id":"a/b"}])", "[0].success: expected true or false"},
        Row{R"([{"out_id":"a/b"}])", "[0].success: expected true or false"},
        Row{R"([{"success":true}])", "[0].out_id: missing"},
        Row{R"([{"success":true,"out_id":"a/b"},{"success":false,"out_id":5}])",
            "[1].out_id: expected a string"},
        Row{R"([{"success":true,"out_id":"a/b","err_code":404}])",
            "[0].err_code: expected a string"},
    }));
    INFO(body);
    const auto batch = parse_aliyun_reports(body);
    CHECK(batch.error == error);
    CHECK(batch.receipts.empty());  // nothing half read
}

TEST_CASE("Tencent's status callback array as its documentation shows it") {
    // cloud.tencent.com/document/product/382/5807 (短信下发状态通知).
    const auto batch = parse_tencent_reports(R"([
  {"user_receive_time":"2015-10-17 08:03:04","nationcode":"86","mobile":"13800138000",
   "report_status":"SUCCESS","errmsg":"DELIVRD","description":"用户短信送达成功",
   "sid":"2019:1045710669157053657849499619"},
  {"user_receive_time":"2015-10-17 08:04:00","nationcode":"86","mobile":"13900139000",
   "report_status":"FAIL","errmsg":"MK:0001","description":"用户关机","sid":"2019:2"}])");
    REQUIRE(batch.error.empty());
    REQUIRE(batch.receipts.size() == 2);
    CHECK(batch.receipts[0].ref == "2019:1045710669157053657849499619");
    CHECK(batch.receipts[0].delivered);
    CHECK(batch.receipts[0].at == parse_instant("2015-10-17T08:03:04+08:00"));
    CHECK_FALSE(batch.receipts[1].delivered);
    CHECK(batch.receipts[1].detail == "MK:0001 用户关机");

    CHECK(parse_tencent_reports(R"([{"report_status":"SUCCESS"}])").error == "[0].sid: missing");
    CHECK(parse_tencent_reports(R"([{"sid":"1","report_status":"OK"}])").error ==
          "[0].report_status: expected \"SUCCESS\" or \"FAIL\"");
    CHECK(parse_tencent_reports(R"([{"sid":1,"report_status":"FAIL"}])").error ==
          "[0].sid: expected a string");
    CHECK(parse_tencent_reports("[]").receipts.empty());
}

TEST_CASE("report times are Beijing's wall clock — anything else is no time") {
    CHECK(parse_beijing_time("2027-09-15 10:00:00") == parse_instant("2027-09-15T02:00:00Z"));
    CHECK_FALSE(parse_beijing_time(""));
    CHECK_FALSE(parse_beijing_time("2027-09-15"));
    CHECK_FALSE(parse_beijing_time("2027-09-15 10:00:00 extra"));
    CHECK_FALSE(parse_beijing_time("yesterday"));
}
