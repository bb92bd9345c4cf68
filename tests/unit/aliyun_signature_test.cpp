// Aliyun RPC (V2) signing against the examples Aliyun publishes.
#include "workers/aliyun_signature.h"

#include <catch2/catch.hpp>

#include <string>
#include <tuple>

using huitou::AliyunParams;

TEST_CASE("POP percent-encoding", "[aliyun]") {
    const auto [input, expected] = GENERATE(table<std::string, std::string>({
        {"abcXYZ019", "abcXYZ019"},
        {"-_.~", "-_.~"},  // RFC 3986 unreserved: kept, including '~' (%7E -> ~)
        {" ", "%20"},      // space is %20, never '+'
        {"*", "%2A"},      // '*' is encoded, unlike java.net.URLEncoder
        {"+", "%2B"},
        {"/", "%2F"},
        {":", "%3A"},
        {"=&", "%3D%26"},
        {"{\"a\":1}", "%7B%22a%22%3A1%7D"},
        {"阿里", "%E9%98%BF%E9%87%8C"},  // UTF-8 bytes, upper-case hex
    }));
    CAPTURE(input);
    CHECK(huitou::pop_percent_encode(input) == expected);
}

TEST_CASE("Aliyun SMS signing example (testId / testSecret)", "[aliyun]") {
    // Source: Aliyun SMS documentation, request signing ("HTTP协议及签名",
    // help.aliyun.com/document_detail/101343.htm; also on
    // developer.aliyun.com/ask/278546): SendSms with AccessKeyId testId,
    // AccessKeySecret testSecret, SignatureNonce
    // 45e25e9b-0a6f-4070-8c85-2956eda1b466, Timestamp 2017-07-12T02:42:19Z.
    // The copies read show these parameters (today's page masks the number as
    // 1530000****); the expected signature zJDF+Lrzhj/ThnlvIToysFRq6t4= (URL
    // form zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D) is the one that example printed,
    // as open-source SDK tests copying it assert — its line was not in the
    // excerpts read. The canonical query below is the documented intermediate.
    const AliyunParams params = {
        {"SignatureMethod", "HMAC-SHA1"},
        {"SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"},
        {"AccessKeyId", "testId"},
        {"SignatureVersion", "1.0"},
        {"Timestamp", "2017-07-12T02:42:19Z"},
        {"Format", "XML"},
        {"Action", "SendSms"},
        {"Version", "2017-05-25"},
        {"RegionId", "cn-hangzhou"},
        {"PhoneNumbers", "15300000001"},
        {"SignName", "阿里云短信测试专用"},
        {"TemplateParam", "{\"customer\":\"test\"}"},
        {"TemplateCode", "SMS_71390007"},
        {"OutId", "123"},
    };
    const std::string canonical =
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001"
        "&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%"
        "A8"
        "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466"
        "&SignatureVersion=1.0&TemplateCode=SMS_71390007"
        "&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z"
        "&Version=2017-05-25";

    SECTION("canonical query: sorted, POP-encoded") {
        CHECK(huitou::aliyun_canonical_query(params) == canonical);
    }
    SECTION("string to sign encodes the canonical query a second time") {
        const std::string to_sign = huitou::aliyun_string_to_sign("GET", canonical);
        CHECK(to_sign.rfind("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26", 0) == 0);
        CHECK(to_sign.find("SignName%3D%25E9%2598%25BF") != std::string::npos);
        CHECK(to_sign.find("Timestamp%3D2017-07-12T02%253A42%253A19Z") != std::string::npos);
    }
    SECTION("signature equals the documented value") {
        CHECK(huitou::aliyun_rpc_signature("GET", params, "testSecret") ==
              "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }
    SECTION("a Signature entry already present is not signed") {
        AliyunParams with_signature = params;
        with_signature["Signature"] = "stale";
        CHECK(huitou::aliyun_rpc_signature("GET", with_signature, "testSecret") ==
              "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }
    SECTION("signed query carries the encoded signature first") {
        CHECK(huitou::aliyun_signed_query("GET", params, "testSecret") ==
              "Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&" + canonical);
    }
    SECTION("any change to a parameter or the secret changes the signature") {
        AliyunParams changed = params;
        changed["PhoneNumbers"] = "15300000002";
        CHECK(huitou::aliyun_rpc_signature("GET", changed, "testSecret") !=
              "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        CHECK(huitou::aliyun_rpc_signature("GET", params, "testsecret") !=
              "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }
}

TEST_CASE("Aliyun POP signing example (DescribeRegions, testid / testsecret)", "[aliyun]") {
    // Source: Aliyun ECS API documentation, "签名机制" example, reproduced on
    // developer.aliyun.com/ask/210168 ("API 签名机制(示例)"): DescribeRegions,
    // AccessKeyId testid, secret testsecret (HMAC key "testsecret&"),
    // SignatureNonce 3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf, TimeStamp
    // 2016-02-23T12:46:24Z; documented signature CT9X0VtwR86fNWSnsc6v8YGOjuE=.
    // (That old example spells the parameter "TimeStamp".)
    const AliyunParams params = {
        {"TimeStamp", "2016-02-23T12:46:24Z"},
        {"Format", "XML"},
        {"AccessKeyId", "testid"},
        {"Action", "DescribeRegions"},
        {"SignatureMethod", "HMAC-SHA1"},
        {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
        {"Version", "2014-05-26"},
        {"SignatureVersion", "1.0"},
    };
    CHECK(huitou::aliyun_string_to_sign("GET", huitou::aliyun_canonical_query(params)) ==
          "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML"
          "%26SignatureMethod%3DHMAC-SHA1"
          "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
          "%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26");
    CHECK(huitou::aliyun_rpc_signature("GET", params, "testsecret") ==
          "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
}
