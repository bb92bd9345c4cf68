// Webhook delivery decisions: the body, retries on an injected time, order
// per member, the endpoint's URL rule.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/webhook_endpoint.h"
#include "core/webhook_plan.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

WebhookEvent event(std::string id, std::string member) {
    return {std::move(id), "message.sent", std::move(member), at("2027-09-15T10:00:00+08:00"),
            "{}"};
}

}  // namespace

TEST_CASE("webhook body: the event with instants in the store's zone") {
    WebhookEvent e{
        "1789999999000-0", "member.came_back", "T0001", at("2027-09-15T02:00:00Z"),
        R"({"visited_at":"1820973600","visit_date":"2027-09-15","amount_cents":"12800"})"};
    const auto body = nlohmann::json::parse(webhook_body("toyland", e, find_zone("Asia/Shanghai")));
    CHECK(body["id"] == "toyland:1789999999000-0");
    CHECK(body["type"] == "member.came_back");
    CHECK(body["store"] == "toyland");
    CHECK(body["member_id"] == "T0001");
    CHECK(body["at"] == "2027-09-15T10:00:00+08:00");
    CHECK(body["data"]["visited_at"] == "2027-09-15T10:00:00+08:00");
    CHECK(body["data"]["visit_date"] == "2027-09-15");
    CHECK(body["data"]["amount_cents"] == "12800");

    SECTION("no member is null; data that is not an object is kept as raw") {
        e.member = "";
        e.data = "not json";
        const auto b = nlohmann::json::parse(webhook_body("toyland", e, find_zone("UTC")));
        CHECK(b["member_id"].is_null());
        CHECK(b["data"]["raw"] == "not json");
    }
}

TEST_CASE("webhook retries: backoff for a day, then failed") {
    const SysSeconds happened = at("2027-09-15T10:00:00Z");
    SECTION("a 2xx is delivered") {
        CHECK(after_webhook_attempt(true, 1, happened, happened + 5s, 0.5).outcome ==
              WebhookNext::Outcome::delivered);
    }
    SECTION("the first retry comes 5-10 s later, growing to an hour") {
        auto n = after_webhook_attempt(false, 1, happened, happened, 0.0);
        CHECK(n.outcome == WebhookNext::Outcome::retry);
        CHECK(n.retry_at == happened + 5s);
        CHECK(after_webhook_attempt(false, 1, happened, happened, 0.999).retry_at ==
              happened + 10s);
        CHECK(after_webhook_attempt(false, 3, happened, happened, 0.999).retry_at ==
              happened + 40s);
        // Capped at an hour: between half of it and all of it.
        CHECK(after_webhook_attempt(false, 20, happened, happened, 0.0).retry_at ==
              happened + 1800s);
        CHECK(after_webhook_attempt(false, 20, happened, happened, 0.999).retry_at <=
              happened + 3600s);
    }
    SECTION("a day of failures: about 40 attempts, the last at the 24-hour mark, then failed") {
        SysSeconds now = happened;
        int attempt = 1;
        for (;; ++attempt) {
            const auto n = after_webhook_attempt(false, attempt, happened, now, 0.5);
            if (n.outcome == WebhookNext::Outcome::failed) break;
            REQUIRE(n.retry_at > now);
            REQUIRE(n.retry_at <= happened + 24h);
            now = n.retry_at;
        }
        CHECK(now == happened + 24h);
        CHECK(attempt > 30);
        CHECK(attempt < 50);
    }
    SECTION("an event that comes to its turn after a day still gets one attempt") {
        // The caller makes the attempt; only its failure gives up.
        CHECK(after_webhook_attempt(true, 1, happened, happened + 30h, 0.5).outcome ==
              WebhookNext::Outcome::delivered);
        CHECK(after_webhook_attempt(false, 1, happened, happened + 30h, 0.5).outcome ==
              WebhookNext::Outcome::failed);
    }
}

TEST_CASE("webhook order: one head a member, the rest queue behind it") {
    SECTION("new members' first events are heads; a member's second waits") {
        const auto placed = place_webhook_events(
            {event("1-0", "A"), event("2-0", "B"), event("3-0", "A"), event("4-0", "")}, {});
        CHECK(placed.heads == std::vector<std::string>{"1-0", "2-0", "4-0"});
        CHECK(placed.queues.at("A") == std::vector<std::string>{"1-0", "3-0"});
        CHECK(placed.queues.at("B") == std::vector<std::string>{"2-0"});
        CHECK_FALSE(placed.queues.contains(""));
    }
    SECTION("a member already waiting gets no new head; a pending replay is not added twice") {
        const auto placed =
            place_webhook_events({event("5-0", "A"), event("1-0", "A")}, {{"A", "1-0 3-0"}});
        CHECK(placed.heads.empty());
        CHECK(placed.queues.at("A") == std::vector<std::string>{"1-0", "3-0", "5-0"});
    }
    SECTION("when the head is done the next one is the head") {
        auto pop = pop_webhook_head("1-0 3-0 5-0", "1-0");
        CHECK(pop.queue == "3-0 5-0");
        CHECK(pop.next == "3-0");
        pop = pop_webhook_head("5-0", "5-0");
        CHECK(pop.queue.empty());
        CHECK_FALSE(pop.next);
        // Not the head (a replayed copy delivered meanwhile): removed, no new head.
        pop = pop_webhook_head("3-0 5-0", "5-0");
        CHECK(pop.queue == "3-0");
        CHECK_FALSE(pop.next);
    }
    SECTION("a member's events go out one after another, in stream order") {
        std::map<std::string, std::string> queues;
        const auto placed =
            place_webhook_events({event("1-0", "A"), event("2-0", "A"), event("3-0", "A")}, queues);
        std::vector<std::string> sent;
        std::optional<std::string> head = placed.heads.front();
        std::string queue = join_webhook_queue(placed.queues.at("A"));
        while (head) {
            sent.push_back(*head);
            const auto pop = pop_webhook_head(queue, *head);
            queue = pop.queue;
            head = pop.next;
        }
        CHECK(sent == std::vector<std::string>{"1-0", "2-0", "3-0"});
    }
}

TEST_CASE("webhook event lists") {
    std::string error;
    CHECK(parse_webhook_events("", &error)->size() == 6);
    CHECK(*parse_webhook_events("consent.changed,message.sent,message.sent", &error) ==
          std::vector<std::string>{"message.sent", "consent.changed"});
    CHECK_FALSE(parse_webhook_events("message.sent,message.bounced", &error));
    CHECK(error.starts_with("events: \"message.bounced\" is not an event; one of message.sent"));
}

TEST_CASE("webhook URLs: https anywhere, http only to loopback or private addresses") {
    using Row = std::tuple<const char*, bool, bool>;  // url, accepted, warned
    const auto [url, accepted, warned] = GENERATE(table<const char*, bool, bool>({
        Row{"https://crm.example.com/hooks/huitou", true, false},
        Row{"https://[2001:db8::1]:8443/h", true, false},
        Row{"http://127.0.0.1:9000/h", true, true},
        Row{"http://localhost/h", true, true},
        Row{"http://10.1.2.3/h", true, true},
        Row{"http://172.20.0.5:80/h", true, true},
        Row{"http://192.168.1.10/h", true, true},
        Row{"http://[::1]:9000/h", true, true},
        Row{"http://172.32.0.1/h", false, false},
        Row{"http://crm.example.com/h", false, false},
        Row{"http://8.8.8.8/h", false, false},
        Row{"ftp://example.com/h", false, false},
        Row{"https://user:pw@example.com/h", false, false},
        Row{"https:///h", false, false},
        Row{"https://exa mple.com/", false, false},
    }));
    std::string warning;
    const auto why = check_webhook_url(url, &warning);
    INFO(url << ": " << why);
    CHECK(why.empty() == accepted);
    CHECK(!warning.empty() == warned);
    if (!accepted) CHECK(why.starts_with("url: "));
}

TEST_CASE("webhook ids and secrets") {
    const std::string five(5, '\x01'), thirty_two(32, '\x02');
    const auto id = format_webhook_id(five);
    CHECK(id.size() == 11);
    CHECK(is_webhook_id(id));
    CHECK_FALSE(is_webhook_id("we_ABCDEFGH"));
    CHECK(format_webhook_secret(thirty_two).starts_with("whsec_"));
    CHECK(format_webhook_secret(thirty_two).size() == 6 + 52);

    WebhookEndpoint e;
    e.stores = {"toyland"};
    e.events = {"message.sent"};
    CHECK(e.covers("toyland"));
    CHECK_FALSE(e.covers("ktv"));
    CHECK(e.wants("message.sent"));
    CHECK_FALSE(e.wants("consent.changed"));
    e.all_stores = true;
    CHECK(e.covers("ktv"));
}
