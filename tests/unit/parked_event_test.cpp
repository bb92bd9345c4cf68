// core/parked_event.h: an event parked during a reshard, as text and back.
#include <catch2/catch.hpp>

#include "core/parked_event.h"

using namespace huitou;

namespace {

SysSeconds at(long long s) {
    return SysSeconds{std::chrono::seconds{s}};
}

std::string error_of(std::string_view text) {
    std::string error;
    CHECK_FALSE(decode_parked(text, &error));
    return error;
}

}  // namespace

TEST_CASE("a parked visit, consent event and delivery come back as they went") {
    Visit v{"toyland", "M1", at(1821340800), *parse_date("2027-09-19"), "id:POS-1", 8800};
    Visit no_amount = v;
    no_amount.amount_cents.reset();
    no_amount.key = "t:1821340800";
    ConsentEvent c;
    c.at = at(1821340900);
    c.store = "toyland";
    c.channel = Channel::wechat;
    c.source = ConsentSource::wechat_event;
    c.address = "oFAN_7";
    c.detail = "unsubscribe (unfollowed the account)";
    ConsentEvent in = c;
    in.opt_in = true;
    in.member = "M1";
    const ParkedDelivery d{"ktv", "birthday:K1:2027-09-19", "undelivered", at(1821341000),
                           "MK:0001 用户关机"};
    for (const ParkedEvent& e : {ParkedEvent{v}, ParkedEvent{no_amount}, ParkedEvent{c},
                                 ParkedEvent{in}, ParkedEvent{d}}) {
        const auto text = encode_parked(e);
        INFO(text);
        CHECK(text.find('\n') == std::string::npos);
        const auto back = decode_parked(text);
        REQUIRE(back);
        CHECK(*back == e);
    }
    CHECK(kind_of(ParkedEvent{v}) == "visit");
    CHECK(kind_of(ParkedEvent{c}) == "consent");
    CHECK(kind_of(ParkedEvent{d}) == "delivery");
    CHECK(store_of(ParkedEvent{d}) == "ktv");
}

TEST_CASE("a parked entry that is not an event is refused, saying what is wrong") {
    CHECK(error_of("[1]") == "parked event: not a JSON object");
    CHECK(error_of("{\"kind\":\"sms\"}") == "parked event: unknown kind `sms`");
    CHECK(error_of("{\"kind\":\"visit\",\"store\":\"toyland\",\"member\":\"M1\",\"at\":\"x\"}") ==
          "parked event: `at` is missing or not a whole number of seconds");
    CHECK(error_of("{\"kind\":\"visit\",\"store\":\"toyland\",\"member\":\"M1\",\"at\":1,"
                   "\"day\":\"2027-02-30\",\"key\":\"id:1\"}") ==
          "parked event: `day` is not a date: 2027-02-30");
    CHECK(error_of("{\"kind\":\"visit\",\"store\":\"Toy Land\",\"member\":\"M1\",\"at\":1,"
                   "\"day\":\"2027-02-03\",\"key\":\"id:1\"}") ==
          "parked event: a visit without a valid store, member or key");
    CHECK(error_of("{\"kind\":\"consent\",\"fields\":{\"at\":\"1\",\"store\":\"toyland\"}}") ==
          "parked event: the consent fields are not a consent event");
    CHECK(error_of("{\"kind\":\"delivery\",\"store\":\"ktv\",\"job\":\"\",\"status\":\"delivered\","
                   "\"at\":1,\"detail\":\"\"}") ==
          "parked event: a delivery without a valid store, job or status");
}

TEST_CASE("a parked entry is its once id, a space, and the event") {
    const auto e = split_parked_entry("1821340800:12 {\"kind\":\"visit\"}");
    REQUIRE(e);
    CHECK(e->id == "1821340800:12");
    CHECK(e->text == "{\"kind\":\"visit\"}");
    for (const char* bad : {"", "{\"kind\":\"visit\"}", " {}", "1821340800 {}", ":1 {}", "1: {}"}) {
        INFO(bad);
        CHECK_FALSE(split_parked_entry(bad));
    }
}
