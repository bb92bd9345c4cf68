// The names of huitou's Redis keys (io/redis_keys.h), pinned: the golden list
// was taken from the key functions before they knew of shards, and an
// unsharded store (K = 1) must keep every name byte for byte — its data is
// found by these names and nobody migrates who does not ask
// (docs/architecture.md, "A store over K shards").
#include "io/redis_keys.h"

#include <catch2/catch.hpp>
#include <utility>

using namespace huitou;

namespace {

// Every key function, of shard `t` or of store `s`, and the name it makes
// for toyland unsharded, as it made it before shards: the golden list.
struct Made {
    std::string key;
    std::string golden;
};

std::vector<Made> per_shard_keys(const Shard& t) {
    return {
        {keys::shard_prefix(t), "hu:{toyland}:"},
        {keys::member_prefix(t), "hu:{toyland}:m:"},
        {keys::member(t, "T0001"), "hu:{toyland}:m:T0001"},
        {keys::index(t, "bd:09-15"), "hu:{toyland}:bd:09-15"},
        {keys::index(t, "p4:0000"), "hu:{toyland}:p4:0000"},
        {keys::job_prefix(t), "hu:{toyland}:job:"},
        {keys::job(t, "birthday:T0001:2027-09-15"), "hu:{toyland}:job:birthday:T0001:2027-09-15"},
        {keys::due(t), "hu:{toyland}:due"},
        {keys::inflight(t), "hu:{toyland}:inflight"},
        {keys::counts(t), "hu:{toyland}:counts"},
        {keys::consent_log(t), "hu:{toyland}:consent:log"},
        {keys::opt_outs(t, "sms"), "hu:{toyland}:optout:sms"},
        {keys::welcomed(t), "hu:{toyland}:welcomed"},
        {keys::open_jobs(t, 1'800'000'000), "hu:{toyland}:open:1800000000"},
        {keys::sheets(t, "2027-09-15"), "hu:{toyland}:sheets:2027-09-15"},
        {keys::sheet(t, "2027-09-15", 3), "hu:{toyland}:sheet:2027-09-15:3"},
        {keys::sheet_notes(t, "2027-09-15"), "hu:{toyland}:notes:2027-09-15"},
        {keys::sheet_due(t), "hu:{toyland}:sheetdue"},
        {keys::occasion_days(t, "2027-09-22"), "hu:{toyland}:days:2027-09-22"},
        {keys::approval(t, "2027-09-15"), "hu:{toyland}:approved:2027-09-15"},
        {keys::visit_state(t, "T0001"), "hu:{toyland}:v:T0001"},
        {keys::winback(t, "lapse"), "hu:{toyland}:wb:lapse"},
        {keys::winback(t, "counts"), "hu:{toyland}:wb:counts"},
        {keys::segment_index(t, 5), "hu:{toyland}:seg:5"},
        {keys::holdout(t, Kind::festival), "hu:{toyland}:holdout:festival"},
        {keys::touches(t), "hu:{toyland}:fx:touch"},
        {keys::sent_times_forgotten(t), "hu:{toyland}:fx:forgot"},
        {keys::sent_times(t), "hu:{toyland}:fx:sent"},
        {keys::receipt_waits(t), "hu:{toyland}:rcpt"},
        {keys::event(t, "e-1"), "hu:{toyland}:event:e-1"},
        {keys::webhooks_on(t), "hu:{toyland}:wh:on"},
        {keys::webhook_events(t), "hu:{toyland}:wh:events"},
        {keys::webhook_state(t, "cur", "E1"), "hu:{toyland}:wh:cur:E1"},
        {keys::webhook_state(t, "log", "E1"), "hu:{toyland}:wh:log:E1"},
        // The shard's part of the two names that are both (kPerShardFamilies).
        {keys::shard_segments(t), "hu:{toyland}:seg"},
        {keys::shard_care_day(t, "2027-09-15"), "hu:{toyland}:care:2027-09-15"},
    };
}

std::vector<Made> store_wide_keys(const std::string& s) {
    return {
        {keys::store_prefix(s), "hu:{toyland}:"},
        {keys::announcement(s, "7"), "hu:{toyland}:ann:7"},
        {keys::announcements(s), "hu:{toyland}:anns"},
        {keys::announcement_counter(s), "hu:{toyland}:anns:n"},
        {keys::lease(s), "hu:{toyland}:lease"},
        {keys::jobs_version(s), "hu:{toyland}:jobs:v"},
        {keys::segments(s), "hu:{toyland}:seg"},
        {keys::care_day(s, "2027-09-15"), "hu:{toyland}:care:2027-09-15"},
        {keys::plan_skips(s, "2027-09-15"), "hu:{toyland}:fx:skip:2027-09-15"},
        {keys::pos_last(s), "hu:{toyland}:pos:last"},
        {keys::saved_templates(s), "hu:{toyland}:tpl"},
        {keys::template_versions(s, "birthday.sms"), "hu:{toyland}:tpl:log:birthday.sms"},
    };
}

// The key without its "hu:{tag}:".
std::string_view family_part(std::string_view key) {
    return key.substr(key.find("}:") + 2);
}

}  // namespace

TEST_CASE("every key of an unsharded store (K = 1): today's names, byte for byte", "[redis_keys]") {
    for (const auto& [key, golden] : per_shard_keys(only_shard("toyland")))
        CHECK(key == golden);
    for (const auto& [key, golden] : store_wide_keys("toyland"))
        CHECK(key == golden);
    // New with shards: the record, absent for K = 1.
    CHECK(keys::shard_record("toyland") == "hu:{toyland}:shards");
}

TEST_CASE("a shard's keys carry its tag, the store's keep {S}", "[redis_keys]") {
    // The same families, another tag: only the part between the braces moves.
    const Shard t{"toyland", 3, 2};
    for (const auto& [key, golden] : per_shard_keys(t)) {
        INFO(golden);
        CHECK(key.starts_with("hu:{toyland.3.2}:"));
        CHECK(family_part(key) == family_part(golden));
    }
    CHECK(keys::member(t, "T0001") == "hu:{toyland.3.2}:m:T0001");
    CHECK(keys::sheet(t, "2027-09-15", 0) == "hu:{toyland.3.2}:sheet:2027-09-15:0");
}

TEST_CASE("kPerShardFamilies names every per-shard key and no store-wide one", "[redis_keys]") {
    // What a reshard copies, cleans and fingerprints is this list: a key
    // function left out of it would be a family lost at the switch.
    for (const auto& [key, golden] : per_shard_keys(only_shard("toyland"))) {
        if (key.ends_with("}:")) continue;  // the prefix itself
        INFO(key);
        CHECK(keys::is_per_shard(family_part(key)));
    }
    for (const auto& [key, golden] : store_wide_keys("toyland")) {
        if (key.ends_with("}:")) continue;
        INFO(key);
        // `seg` and `care:<date>` are both: the store's and, at K = 1, shard 0's.
        const bool both = key == keys::segments("toyland") || key.starts_with("hu:{toyland}:care:");
        CHECK(keys::is_per_shard(family_part(key)) == both);
    }
    CHECK_FALSE(keys::is_per_shard("shards"));
    CHECK_FALSE(keys::is_per_shard("jobs:migrate"));
    CHECK(keys::is_per_shard("bd:none"));
    CHECK(keys::is_per_shard("wb:counts"));
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
