// When the SMS worker asks a provider for receipts: the schedule from the
// send, giving up after 72 hours, what to do with a job, Tencent's paging.
#include <catch2/catch.hpp>

#include "core/civil_time.h"
#include "core/receipt_poll.h"

using namespace huitou;
using namespace std::chrono_literals;

TEST_CASE("a message is asked about 1, 3, 10, 30, 60 minutes after sending, then every 2 h") {
    const SysSeconds sent = *parse_instant("2027-09-15T10:00:00+08:00");
    CHECK(first_receipt_query(sent) == sent + 60s);
    using Row = std::pair<std::chrono::seconds, std::chrono::seconds>;  // now - sent → next - sent
    const auto [at, next] = GENERATE(table<std::chrono::seconds, std::chrono::seconds>({
        Row{0s, 60s}, Row{59s, 60s}, Row{60s, 180s},  // asked at 1 min: next at 3
        Row{180s, 600s}, Row{600s, 1800s}, Row{1800s, 3600s}, Row{3600s, 3600s + 7200s},
        Row{3600s + 7199s, 3600s + 7200s}, Row{3600s + 7200s, 3600s + 14400s},
        Row{71h, 72h},  // the last ask is at the end, and the end gives up
    }));
    INFO(at.count());
    const auto got = next_receipt_query(sent, sent + at);
    REQUIRE(got);
    CHECK(*got - sent == next);
    // Strictly later, so a round never asks the same job twice.
    CHECK(*got > sent + at);
}

TEST_CASE("after 72 hours huitou stops asking") {
    const SysSeconds sent = *parse_instant("2027-09-15T10:00:00+08:00");
    CHECK(next_receipt_query(sent, sent + 72h - 1s));
    CHECK_FALSE(next_receipt_query(sent, sent + 72h));
    CHECK_FALSE(next_receipt_query(sent, sent + 100h));
}

TEST_CASE("what the poller does with a job of the index") {
    CHECK(receipt_step("sent", "") == ReceiptStep::ask);
    CHECK(receipt_step("sent", "accepted") == ReceiptStep::ask);  // not final
    CHECK(receipt_step("unknown", "") == ReceiptStep::ask);       // a receipt proves it went
    CHECK(receipt_step("dispatched", "") == ReceiptStep::wait);   // not recorded yet
    CHECK(receipt_step("planned", "") == ReceiptStep::wait);
    CHECK(receipt_step("sent", "undelivered") == ReceiptStep::drop);  // the answer is in
    CHECK(receipt_step("sent", "delivered") == ReceiptStep::drop);
    CHECK(receipt_step("delivered", "") == ReceiptStep::drop);
    CHECK(receipt_step("failed", "") == ReceiptStep::drop);
    CHECK(receipt_step("cancelled", "") == ReceiptStep::drop);
}

TEST_CASE("Aliyun's SendStatus, and Tencent's pull paging and the call gap") {
    CHECK(aliyun_send_status(1) == QueriedStatus::waiting);
    CHECK(aliyun_send_status(2) == QueriedStatus::failed);
    CHECK(aliyun_send_status(3) == QueriedStatus::delivered);
    CHECK_FALSE(aliyun_send_status(0));
    CHECK_FALSE(aliyun_send_status(4));
    const SysSeconds now = *parse_instant("2027-09-15T10:00:00+08:00");
    CHECK(next_pull(100, 100, now, 60s) == now);  // a full page: more are waiting
    CHECK(next_pull(99, 100, now, 60s) == now + 60s);
    CHECK(next_pull(0, 100, now, 60s) == now + 60s);
    CHECK(query_gap(5) == 200ms);
    CHECK(query_gap(1) == 1000ms);
    CHECK(query_gap(1000) == 1ms);
}
