// Consent: which events may be recorded, what lifts a refusal, the ledger's
// fields, and the explanation `huitou consent` prints.
#include <catch2/catch.hpp>

#include "core/consent.h"

using namespace huitou;

namespace {

ConsentEvent event(Channel c, bool opt_in, ConsentSource source) {
    ConsentEvent e;
    e.at = *parse_instant("2027-09-15T12:00:00+08:00");
    e.store = "toyland";
    e.channel = c;
    e.opt_in = opt_in;
    e.source = source;
    e.member = "M001";
    e.address = c == Channel::sms ? "+8613800138000" : "oTOY_0001";
    return e;
}

Member member() {
    Member m;
    m.store = "toyland";
    m.id = "M001";
    m.phone = "+8613800138000";
    m.wechat_openid = "oTOY_0001";
    m.sms_optin = true;
    m.wechat_optin = true;
    m.wechat_subscribed = true;
    return m;
}

}  // namespace

TEST_CASE("an opt-in must be explicit — an opt-out may come from anywhere", "[consent]") {
    CHECK_FALSE(check_consent_event(event(Channel::sms, true, ConsentSource::counter)));
    CHECK_FALSE(check_consent_event(event(Channel::sms, true, ConsentSource::api)));
    CHECK(check_consent_event(event(Channel::sms, true, ConsentSource::sms_reply)));
    CHECK(check_consent_event(event(Channel::sms, true, ConsentSource::provider)));
    CHECK_FALSE(check_consent_event(event(Channel::wechat, true, ConsentSource::wechat_event)));
    CHECK(check_consent_event(event(Channel::sms, true, ConsentSource::wechat_event)));
    for (const auto s : {ConsentSource::counter, ConsentSource::sms_reply,
                         ConsentSource::wechat_event, ConsentSource::api, ConsentSource::provider})
        CHECK_FALSE(check_consent_event(event(Channel::sms, false, s)));
    auto nobody = event(Channel::sms, false, ConsentSource::sms_reply);
    nobody.member.clear();
    nobody.address.clear();
    CHECK(check_consent_event(nobody));
    auto import = event(Channel::sms, true, ConsentSource::import);
    CHECK(check_consent_event(import));  // an import names its members
    import.members = {"M001", "M002"};
    CHECK_FALSE(check_consent_event(import));
}

TEST_CASE("precedence: an import never lifts a member's own refusal", "[consent]") {
    CHECK(is_opt_out(event(Channel::sms, false, ConsentSource::sms_reply)));
    CHECK(is_opt_out(event(Channel::sms, false, ConsentSource::counter)));
    CHECK_FALSE(is_opt_out(event(Channel::sms, false, ConsentSource::import)));
    CHECK(lifts_opt_out(event(Channel::sms, true, ConsentSource::counter)));
    CHECK_FALSE(lifts_opt_out(event(Channel::sms, true, ConsentSource::import)));

    const Member m = member();  // the shop's flags say yes (an import after the refusal)
    const std::vector<ConsentEvent> events{event(Channel::sms, false, ConsentSource::sms_reply)};
    const auto* zone = date::locate_zone("Asia/Shanghai");
    const auto sms = explain_consent(m, Channel::sms, /*opted_out=*/true, false, events, zone);
    CHECK_FALSE(sms.marketing);
    CHECK_FALSE(sms.notices);
    CHECK_THAT(sms.why, Catch::Contains("opted out of sms") && Catch::Contains("sms_reply") &&
                            Catch::Contains("2027-09-15 12:00"));
    const auto wechat = explain_consent(m, Channel::wechat, false, false, events, zone);
    CHECK(wechat.marketing);  // a refusal is per channel
}

TEST_CASE("a member write's flag change is the shop's record, not the member's word", "[consent]") {
    // The member replied T; then the POS wrote her with sms_optin 1 through
    // the API. The write's event is kept (and says so), but the refusal is
    // still the one that explains why nothing is sent.
    auto write = event(Channel::sms, true, ConsentSource::api);
    write.shop_record = true;
    write.detail = "PUT member by API key 3f7kq2ab (pos-sync)";
    CHECK_FALSE(lifts_opt_out(write));
    auto unticked = write;
    unticked.opt_in = false;
    CHECK_FALSE(is_opt_out(unticked));
    CHECK(lifts_opt_out(event(Channel::sms, true, ConsentSource::api)));  // a consent event

    const auto fields = to_fields(write);
    CHECK(fields.at("record") == "shop");
    CHECK(consent_event_from_fields("", fields) == write);
    CHECK_FALSE(to_fields(event(Channel::sms, true, ConsentSource::api)).contains("record"));

    const std::vector<ConsentEvent> events{event(Channel::sms, false, ConsentSource::sms_reply),
                                           write};
    const auto* zone = date::locate_zone("Asia/Shanghai");
    const auto sms =
        explain_consent(member(), Channel::sms, /*opted_out=*/true, false, events, zone);
    CHECK_THAT(sms.why, Catch::Contains("opted out of sms") && Catch::Contains("sms_reply"));
    const auto agreed = explain_consent(member(), Channel::sms, false, false, {write}, zone);
    CHECK_THAT(agreed.why, Catch::Contains("(shop record)"));
}

TEST_CASE("no consent: service notices only — not subscribed: WeChat notices only", "[consent]") {
    const auto* zone = date::locate_zone("Asia/Shanghai");
    Member m = member();
    m.sms_optin = false;
    auto sms = explain_consent(m, Channel::sms, false, false, {}, zone);
    CHECK_FALSE(sms.marketing);
    CHECK(sms.notices);
    sms = explain_consent(m, Channel::sms, false, /*notices_need_optin=*/true, {}, zone);
    CHECK_FALSE(sms.notices);
    m.wechat_subscribed = false;
    const auto wechat = explain_consent(m, Channel::wechat, false, false, {}, zone);
    CHECK_FALSE(wechat.marketing);
    CHECK(wechat.notices);
    m.phone.clear();
    CHECK_THAT(explain_consent(m, Channel::sms, false, false, {}, zone).why,
               Catch::Contains("no phone"));
}

TEST_CASE("ledger entries round-trip, and name whom they concern", "[consent]") {
    auto e = event(Channel::wechat, false, ConsentSource::wechat_event);
    e.detail = "unsubscribe";
    const auto back = consent_event_from_fields("1-0", to_fields(e));
    REQUIRE(back);
    CHECK(back->id == "1-0");
    auto same = *back;
    same.id.clear();
    CHECK(same == e);
    FieldMap junk = to_fields(e);
    junk["event"] = "maybe";
    CHECK_FALSE(consent_event_from_fields("2-0", junk));
    junk = to_fields(e);
    junk["source"] = "provider_error";  // older ledgers
    CHECK(consent_event_from_fields("3-0", junk)->source == ConsentSource::provider);

    const Member m = member();
    CHECK(concerns(e, m));
    auto by_address = e;
    by_address.member.clear();
    CHECK(concerns(by_address, m));
    by_address.address = "oOTHER";
    CHECK_FALSE(concerns(by_address, m));
    auto import = event(Channel::sms, true, ConsentSource::import);
    import.member.clear();
    import.address.clear();
    import.members = {"M000", "M001"};
    CHECK(concerns(import, m));
}
