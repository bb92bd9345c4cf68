// The pure parts of the inbound API: a batch's envelope and answer, an
// event's checks, the Idempotency-Key rules, and the per-key rate limit.
#include <catch2/catch.hpp>

#include "core/api_rate_limit.h"
#include "core/batch_body.h"
#include "core/config.h"
#include "core/event_body.h"
#include "core/idempotency.h"

using namespace huitou;

namespace {

MemberRowParser parser() {
    return MemberRowParser([](std::string_view s) { return s == "toyland" || s == "babycare"; });
}

const Config& config() {
    static const Config c = parse_config(default_config_text(), "embedded");
    return c;
}

SysSeconds now() {
    return SysSeconds(std::chrono::seconds(1820980800));  // 2027-09-15T12:00:00+08:00
}

EventCheck event(const std::string& body) {
    return read_event(nlohmann::json::parse(body), "toyland", config(), parser(), now(),
                      "API key k1 (pos)");
}

}  // namespace

TEST_CASE("read_batch_body: the list, its options, its limits") {
    auto b = read_batch_body(R"({"members": [{"id": "A"}, {"id": "B"}], "mode": "merge"})",
                             "members", {"mode"});
    CHECK(b.status == 0);
    CHECK(b.items.size() == 2);
    CHECK(b.options.at("mode") == "merge");

    const auto [body, status, error] = GENERATE(table<std::string, int, std::string>({
        {"[1]", 400, "body: expected a JSON object"},
        {"{", 400, "body: not valid JSON"},
        {R"({"mode": "merge"})", 400, "members: required"},
        {R"({"members": {}})", 400, "members: expected an array"},
        {R"({"members": []})", 400, "members: empty"},
        {R"({"members": [{}], "mdoe": 1})", 400, "mdoe: not a field of a batch"},
    }));
    b = read_batch_body(body, "members", {"mode"});
    CHECK(b.status == status);
    CHECK_THAT(b.error, Catch::StartsWith(error));
    CHECK(b.items.empty());
}

TEST_CASE("read_batch_body: more than 1,000 items is a 413") {
    nlohmann::json j{{"events", nlohmann::json::array()}};
    for (std::size_t i = 0; i < kMaxBatchItems; ++i)
        j["events"].push_back(nlohmann::json::object());
    CHECK(read_batch_body(j.dump(), "events", {}).status == 0);
    j["events"].push_back(nlohmann::json::object());
    const auto b = read_batch_body(j.dump(), "events", {});
    CHECK(b.status == 413);
    CHECK(b.error == "events: 1001 items; at most 1000 in one batch");
}

TEST_CASE("batch_answer: one result per item and the counts") {
    std::vector<BatchResult> r(3);
    r[0] = {0, "A", 201, "created"};
    r[1] = {1, "B", 400, "", "birthday: \"1990-13-45\" is not a real date"};
    r[2] = {2, "C", 200, "unchanged"};
    const auto a = batch_answer(r, {"created", "updated", "unchanged"});
    CHECK(a.at("created") == 1);
    CHECK(a.at("updated") == 0);
    CHECK(a.at("unchanged") == 1);
    CHECK(a.at("failed") == 1);
    REQUIRE(a.at("results").size() == 3);
    CHECK(a["results"][1] ==
          nlohmann::json{{"index", 1},
                         {"id", "B"},
                         {"status", 400},
                         {"error", "birthday: \"1990-13-45\" is not a real date"}});
    CHECK(a["results"][0].at("outcome") == "created");
    CHECK_FALSE(a["results"][0].contains("error"));
}

TEST_CASE("read_event: a visit is the visit of /api/visits, the event id its visit id") {
    const auto e = event(R"({"event_id": "POS1-9", "type": "visit", "member_id": "M01",
                             "at": "2027-09-15T10:00:00+08:00", "amount": "128.50"})");
    REQUIRE(e.event);
    CHECK(e.event->type == EventType::visit);
    CHECK(e.event->visit.key == "id:POS1-9");
    CHECK(e.event->visit.amount_cents == 12850);
    CHECK(e.event->visit.member_id == "M01");
    CHECK(e.event->at == now() - std::chrono::hours(2));
    const auto plain = event(R"({"event_id": "e2", "type": "visit", "member_id": "M01"})");
    REQUIRE(plain.event);
    CHECK(plain.event->at == now());  // no "at": now
}

TEST_CASE("read_event: a card renewal is a merge of card_expires, a consent event is api's") {
    const auto c = event(R"({"event_id": "r1", "type": "card_renewal", "member_id": "M01",
                             "card_expires": "2028-09-30"})");
    REQUIRE(c.event);
    CHECK(c.event->card.set.at("card_expires") == "2028-09-30");
    CHECK(c.event->card.set.size() == 1);  // a merge: nothing else changes
    CHECK(c.event->card.clear.empty());

    const auto o = event(R"({"event_id": "c1", "type": "consent", "member_id": "M01",
                             "channel": "wechat", "event": "opt_in", "evidence": "form 12"})");
    REQUIRE(o.event);
    CHECK(o.event->consent.channel == Channel::wechat);
    CHECK(o.event->consent.opt_in);
    CHECK(o.event->consent.source == ConsentSource::api);
    CHECK(o.event->consent.member == "M01");
    CHECK(o.event->consent.detail == "event c1 by API key k1 (pos): form 12");
}

TEST_CASE("read_event: errors name the field") {
    const auto [body, error] = GENERATE(table<std::string, std::string>({
        {R"({"type": "visit", "member_id": "M01"})", "event_id: required"},
        {R"({"event_id": "a b", "type": "visit", "member_id": "M01"})", "event_id: \"a b\""},
        {R"({"event_id": "e", "type": "purchase", "member_id": "M01"})",
         "type: \"purchase\" is not visit, card_renewal or consent"},
        {R"({"event_id": "e", "type": "visit"})", "member_id: required"},
        {R"({"event_id": "e", "type": "visit", "member_id": "M*1"})", "member_id: \"M*1\""},
        {R"({"event_id": "e", "type": "visit", "member_id": "M01", "at": "2027-13-01"})", "at: "},
        {R"({"event_id": "e", "type": "visit", "member_id": "M01", "amount": "12.345"})",
         "amount: "},
        {R"({"event_id": "e", "type": "visit", "member_id": "M01", "card_expires": "2028-01-01"})",
         "card_expires: not a field of a visit event"},
        {R"({"event_id": "e", "type": "card_renewal", "member_id": "M01"})",
         "card_expires: required"},
        {R"({"event_id": "e", "type": "card_renewal", "member_id": "M01",
             "card_expires": "2028-02-30"})",
         "card_expires: "},
        {R"({"event_id": "e", "type": "consent", "member_id": "M01", "channel": "fax",
             "event": "opt_in", "evidence": "x"})",
         "channel: \"fax\" is not sms or wechat"},
        {R"({"event_id": "e", "type": "consent", "member_id": "M01", "channel": "sms",
             "event": "maybe", "evidence": "x"})",
         "event: \"maybe\" is not opt_in or opt_out"},
        {R"({"event_id": "e", "type": "consent", "member_id": "M01", "channel": "sms",
             "event": "opt_out"})",
         "evidence: required"},
        {R"({"event_id": "e", "type": "visit", "member_id": "M01", "store": "babycare"})",
         "store: \"babycare\" is not the URL's \"toyland\""},
    }));
    const auto e = event(body);
    CHECK_FALSE(e.event);
    CHECK_THAT(e.error, Catch::StartsWith(error));
}

TEST_CASE("Idempotency-Key: the key, the fingerprint, the verdicts") {
    CHECK_FALSE(check_idempotency_key("order-2027-0001"));
    CHECK(check_idempotency_key(std::string(255, 'k')) == std::nullopt);
    CHECK(check_idempotency_key(std::string(256, 'k')));
    CHECK(check_idempotency_key(""));
    CHECK(check_idempotency_key("caf\xc3\xa9"));  // not ASCII
    CHECK(check_idempotency_key("a\tb"));

    const auto fp = request_fingerprint("POST", "/api/v1/stores/toyland/events", "{}");
    CHECK(fp.size() == 64);
    CHECK(fp != request_fingerprint("PUT", "/api/v1/stores/toyland/events", "{}"));
    CHECK(fp != request_fingerprint("POST", "/api/v1/stores/babycare/events", "{}"));
    CHECK(fp != request_fingerprint("POST", "/api/v1/stores/toyland/events", "{ }"));

    CHECK(decide(std::nullopt, fp) == IdempotencyVerdict::run);
    const IdempotencyRecord pending{fp};
    CHECK(decide(decode_idempotency_record(encode(pending)), fp) == IdempotencyVerdict::in_flight);
    const IdempotencyRecord done{fp, false, 201, "application/json", R"({"a":1})"};
    const auto back = decode_idempotency_record(encode(done));
    REQUIRE(back);
    CHECK(back->status == 201);
    CHECK(back->body == R"({"a":1})");
    CHECK(decide(back, fp) == IdempotencyVerdict::replay);
    CHECK(decide(back, std::string(64, '0')) == IdempotencyVerdict::mismatch);
    CHECK_FALSE(decode_idempotency_record("not json"));

    CHECK(is_kept(200));
    CHECK(is_kept(404));
    CHECK(is_kept(422));
    CHECK_FALSE(is_kept(409));
    CHECK_FALSE(is_kept(429));
    CHECK_FALSE(is_kept(503));
}

TEST_CASE("ApiRateLimit: a burst from idle, then the rate, per key") {
    ApiRateLimit limit(10, 2);  // 10 a second, 2 more at once
    const GcraTime t0(std::chrono::seconds(1000));
    for (int i = 0; i < 3; ++i)
        CHECK_FALSE(limit.admit("k1", t0));
    const auto wait = limit.admit("k1", t0);
    REQUIRE(wait);
    CHECK(*wait == std::chrono::milliseconds(100));
    CHECK_FALSE(limit.admit("k2", t0));  // another key has its own
    CHECK_FALSE(limit.admit("k1", t0 + *wait));
    CHECK(limit.admit("k1", t0 + *wait));
    // A second later a key is idle again: the burst is back.
    for (int i = 0; i < 3; ++i)
        CHECK_FALSE(limit.admit("k1", t0 + std::chrono::seconds(2)));
}
