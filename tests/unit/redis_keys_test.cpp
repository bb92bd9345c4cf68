// The names of huitou's Redis keys (io/redis_keys.h), pinned: the golden list
// was taken from the key functions before they knew of shards, and an
// unsharded store (K = 1) must keep every name byte for byte — its data is
// found by these names and nobody migrates who does not ask
// (docs/architecture.md, "A store over K shards").
#include "io/redis_keys.h"

#include <catch2/catch.hpp>
#include <utility>

using namespace huitou;

TEST_CASE("every key of a store, K = 1: today's names", "[redis_keys]") {
    const std::string s = "toyland";
    const std::vector<std::pair<std::string, std::string>> golden{
        {keys::store_prefix(s), "hu:{toyland}:"},
        {keys::member_prefix(s), "hu:{toyland}:m:"},
        {keys::member(s, "T0001"), "hu:{toyland}:m:T0001"},
        {keys::index(s, "bd:09-15"), "hu:{toyland}:bd:09-15"},
        {keys::index(s, "p4:0000"), "hu:{toyland}:p4:0000"},
        {keys::job_prefix(s), "hu:{toyland}:job:"},
        {keys::job(s, "birthday:T0001:2027-09-15"), "hu:{toyland}:job:birthday:T0001:2027-09-15"},
        {keys::announcement(s, "7"), "hu:{toyland}:ann:7"},
        {keys::announcements(s), "hu:{toyland}:anns"},
        {keys::announcement_counter(s), "hu:{toyland}:anns:n"},
        {keys::due(s), "hu:{toyland}:due"},
        {keys::inflight(s), "hu:{toyland}:inflight"},
        {keys::counts(s), "hu:{toyland}:counts"},
        {keys::lease(s), "hu:{toyland}:lease"},
        {keys::consent_log(s), "hu:{toyland}:consent:log"},
        {keys::opt_outs(s, "sms"), "hu:{toyland}:optout:sms"},
        {keys::welcomed(s), "hu:{toyland}:welcomed"},
        {keys::open_jobs(s, 1'800'000'000), "hu:{toyland}:open:1800000000"},
        {keys::jobs_version(s), "hu:{toyland}:jobs:v"},
        {keys::sheets(s, "2027-09-15"), "hu:{toyland}:sheets:2027-09-15"},
        {keys::sheet(s, "2027-09-15", 3), "hu:{toyland}:sheet:2027-09-15:3"},
        {keys::sheet_notes(s, "2027-09-15"), "hu:{toyland}:notes:2027-09-15"},
        {keys::sheet_due(s), "hu:{toyland}:sheetdue"},
        {keys::occasion_days(s, "2027-09-22"), "hu:{toyland}:days:2027-09-22"},
        {keys::approval(s, "2027-09-15"), "hu:{toyland}:approved:2027-09-15"},
        {keys::visit_state(s, "T0001"), "hu:{toyland}:v:T0001"},
        {keys::winback(s, "lapse"), "hu:{toyland}:wb:lapse"},
        {keys::winback(s, "counts"), "hu:{toyland}:wb:counts"},
        {keys::segments(s), "hu:{toyland}:seg"},
        {keys::segment_index(s, 5), "hu:{toyland}:seg:5"},
        {keys::care_day(s, "2027-09-15"), "hu:{toyland}:care:2027-09-15"},
        {keys::holdout(s, Kind::festival), "hu:{toyland}:holdout:festival"},
        {keys::touches(s), "hu:{toyland}:fx:touch"},
        {keys::sent_times_forgotten(s), "hu:{toyland}:fx:forgot"},
        {keys::sent_times(s), "hu:{toyland}:fx:sent"},
        {keys::plan_skips(s, "2027-09-15"), "hu:{toyland}:fx:skip:2027-09-15"},
        {keys::pos_last(s), "hu:{toyland}:pos:last"},
        {keys::receipt_waits(s), "hu:{toyland}:rcpt"},
        {keys::event(s, "e-1"), "hu:{toyland}:event:e-1"},
        {keys::webhooks_on(s), "hu:{toyland}:wh:on"},
        {keys::webhook_events(s), "hu:{toyland}:wh:events"},
        {keys::webhook_state(s, "cur", "E1"), "hu:{toyland}:wh:cur:E1"},
        {keys::webhook_state(s, "log", "E1"), "hu:{toyland}:wh:log:E1"},
        {keys::saved_templates(s), "hu:{toyland}:tpl"},
        {keys::template_versions(s, "birthday.sms"), "hu:{toyland}:tpl:log:birthday.sms"},
    };
    for (const auto& [made, name] : golden)
        CHECK(made == name);
}

TEST_CASE("keys of no store", "[redis_keys]") {
    CHECK(keys::receipt_serial("tc-1", "S9") == "hu:rcpt:{tc-1}:sid:S9");
    CHECK(keys::api_key("k1") == "hu:{apikeys}:k:k1");
    CHECK(keys::api_key_ids() == "hu:{apikeys}:ids");
    CHECK(keys::api_key_names() == "hu:{apikeys}:names");
    CHECK(keys::account("wang") == "hu:{accounts}:u:wang");
    CHECK(keys::account_logins() == "hu:{accounts}:logins");
    CHECK(keys::account_failures("wang") == "hu:{accounts}:f:wang");
    CHECK(keys::session("ab12") == "hu:{accounts}:s:ab12");
    CHECK(keys::account_sessions("wang") == "hu:{accounts}:ls:wang");
    CHECK(keys::idempotency("admin", "ab12") == "hu:idem:{admin}:ab12");
    CHECK(keys::webhook_endpoint("E1") == "hu:{webhooks}:e:E1");
    CHECK(keys::webhook_endpoint_ids() == "hu:{webhooks}:ids");
    CHECK(keys::glob_literal("a*b?[c]\\d") == "a\\*b\\?\\[c\\]\\\\d");
}
