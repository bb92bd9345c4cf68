// The member pages (console/member_page.h): finding a member by name, member
// number and the phone's last four digits through the search indexes; the
// member's page (archive, visit cycle in words, visits, messages, consent);
// consent recorded at the counter, which cancels today's planned message as
// the other doors do; and the indexes following member writes and erasure.
// On the demo, imported and planned at 2027-09-15 12:00 +08:00 (中秋节).
#include <catch2/catch.hpp>

#include <filesystem>

#include "io/consent_store.h"
#include "io/job_listing.h"
#include "io/job_store.h"
#include "io/member_eraser.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "scheduler/admin_api.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;

namespace {

bool has(const std::string& body, const std::string& text) {
    return body.find(text) != std::string::npos;
}

// The page as the test saw it, under the build folder, to be read by people.
void keep_page(const std::string& name, const std::string& body) {
    const auto dir =
        std::filesystem::path(bin("huitou")).parent_path().parent_path() / "console-pages";
    std::filesystem::create_directories(dir);
    write_file((dir / (name + ".html")).string(), body);
}

std::string search(ConsoleFixture& f, const std::string& q, const std::string& token) {
    const auto r = f.get("/stores/toyland/members?q=" + url_encode(q), token);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    return r->body;
}

std::string link_to(const std::string& id) {
    return "<a href=\"/stores/toyland/members/" + id + "\">";
}

// The member's jobs as the listing finds them (hashes and records).
std::vector<Job> jobs_of(ConsoleFixture& f, const std::string& member) {
    RedisConnection redis(f.rt.redis);
    const auto& store = *f.rt.config.find_store("toyland");
    return JobListing(redis).find(store, JobFilter{std::nullopt, member, ""},
                                  local_date(f.rt.clock->now(), store.zone),
                                  f.rt.config.scheduler.job_retention);
}

Job job_of(ConsoleFixture& f, const std::string& id) {
    for (const auto& j : jobs_of(f, parse_job_id(id)->member_id))
        if (j.id == id) return j;
    FAIL("no job " << id);
    return {};
}

}  // namespace

TEST_CASE("member search: by name, member number and the phone's last four digits", "[console]") {
    ConsoleFixture f;
    const auto staff = f.session("xiaoli", {"toyland"});

    SECTION("the form, without a query") {
        const auto r = f.get("/stores/toyland/members", staff);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(has(r->body, "id=\"member-search\""));
        CHECK(has(r->body, "id=\"q\""));
        CHECK(has(r->body, "id=\"search-submit\""));
        CHECK_FALSE(has(r->body, "id=\"results\""));
        keep_page("members-empty", r->body);
    }
    SECTION("by name: the whole name, its beginning, the given name") {
        auto body = search(f, "王芳", staff);
        keep_page("members-search-name", body);
        CHECK(has(body, "<ul id=\"results\""));
        CHECK(has(body, link_to("T0001")));
        CHECK(has(body, "138****8001"));  // masked
        CHECK_FALSE(has(body, "13800138001"));
        CHECK_FALSE(has(body, "138 0013 8001"));
        CHECK(has(body, "金卡"));
        CHECK_FALSE(has(body, link_to("T0002")));
        body = search(f, "欧阳", staff);  // a compound surname
        CHECK(has(body, link_to("T0003")));
        body = search(f, "娜娜", staff);  // the given name
        CHECK(has(body, link_to("T0003")));
        // One character is too little: the page asks for two.
        body = search(f, "王", staff);
        CHECK(has(body, "id=\"too-short\""));
        CHECK_FALSE(has(body, link_to("T0001")));
        CHECK_FALSE(has(search(f, "王芳", staff), "id=\"too-short\""));
        body = search(f, " 周 晓 ", staff);  // spaces do not count
        CHECK(has(body, link_to("T0009")));
        CHECK_FALSE(has(body, link_to("T0003")));
    }
    SECTION("by member number, exactly") {
        const auto body = search(f, "T0002", staff);
        CHECK(has(body, link_to("T0002")));
        CHECK(has(body, "李强"));
        CHECK(has(body, "139****8002"));
        CHECK_FALSE(has(body, link_to("T0001")));
        CHECK(has(search(f, "T000", staff), "id=\"no-results\""));
    }
    SECTION("by the last four digits of the phone") {
        auto body = search(f, "8009", staff);
        CHECK(has(body, link_to("T0009")));
        CHECK(has(body, "138****8009"));
        CHECK_FALSE(has(body, link_to("T0001")));
        body = search(f, "８００２", staff);  // full-width digits, as some phones type
        CHECK(has(body, link_to("T0002")));
    }
    SECTION("another store's members are not found; nothing found is said") {
        auto body = search(f, "孙丽", staff);  // babycare's
        CHECK(has(body, "id=\"no-results\""));
        CHECK_FALSE(has(body, "B0001"));
        body = search(f, "9001", staff);
        CHECK_FALSE(has(body, "B0001"));
        keep_page("members-search-none", body);
    }
    SECTION("a query too long is a clear error, the form kept") {
        const auto r = f.get("/stores/toyland/members?q=" + std::string(65, 'x'), staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(has(r->body, "id=\"search-error\""));
        CHECK(has(r->body, "搜索内容太长"));
        CHECK(has(r->body, "id=\"member-search\""));
    }
    SECTION("another store's search is the same 404 as none") {
        const auto other = f.get("/stores/babycare/members?q=孙", staff);
        const auto none = f.get("/stores/nosuch/members?q=孙", staff);
        REQUIRE(other);
        REQUIRE(none);
        CHECK(other->status == 404);
        CHECK(other->body == none->body);
    }
}

TEST_CASE("member page: archive, visit cycle, visits, messages and consent", "[console]") {
    // Planned as job hashes, or as records of day sheets: at noon, in the
    // lunch break, none is due, so on sheets every message is a record.
    const std::string storage = GENERATE(as<std::string>{}, "hashes", "sheets");
    INFO("scheduler.job_storage = " << storage);
    ConsoleFixture f("2027-09-15T12:00:00+08:00", true, storage);
    const auto visits = f.huitou({"import-visits", source("demo/visits.csv")});
    REQUIRE(visits.status == 0);
    const auto staff = f.session("xiaoli", {"toyland"});

    SECTION("a lunar birthday with its solar day, the child, the full phone") {
        const auto r = f.get("/stores/toyland/members/T0009", staff);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        keep_page("member-T0009", r->body);
        CHECK(has(r->body, "周晓梅"));
        CHECK(has(r->body, "周女士"));
        CHECK(has(r->body, "农历1989年八月十五"));
        CHECK(has(r->body, "38岁"));
        // Lunar 2027-08-15 is 2027-09-15, the page's today.
        CHECK(has(r->body, "下次生日（公历）：2027年9月15日（就是今天）"));
        CHECK(has(r->body, "周小宝"));
        CHECK(has(r->body, "2020年9月15日，7岁"));
        CHECK(has(r->body, "<dd id=\"phone\">138 0013 8009</dd>"));  // whole, here only
        // Messages: today's greeting, with its state and text.
        CHECK(has(r->body, "data-job=\"birthday:T0009:2027-09-15\""));
        CHECK(has(r->body, "还没有到店记录"));
        // Consent per channel, with the forms the counter uses.
        CHECK(has(r->body, "<form class=\"consent inline\" data-channel=\"sms\""));
        CHECK(has(r->body, "<form class=\"consent inline\" data-channel=\"wechat\""));
        CHECK(has(r->body, "class=\"optin"));
        CHECK(has(r->body, "class=\"optout"));
        CHECK(has(r->body, "name=\"csrf\" value=\"" + f.csrf(staff) + "\""));
        CHECK(has(r->body, "已同意，问候和通知都可以发"));
        CHECK(has(r->body, "来自会员资料导入"));  // the import's ledger entry
    }
    SECTION("the visit cycle in words, the visits newest first with the amount") {
        const auto r = f.get("/stores/toyland/members/T0007", staff);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        keep_page("member-T0007", r->body);
        // Every 14 days, last on 2027-08-16: 30 days ago, past 14 × 1.5.
        CHECK(has(r->body, "大约每14天来一次，上次30天前，已逾期"));
        const auto newest = r->body.find("2027-08-16 15:45");
        const auto oldest = r->body.find("2027-06-21 15:10");
        CHECK(newest != std::string::npos);
        CHECK(oldest != std::string::npos);
        CHECK(newest < oldest);
        CHECK(has(r->body, "66.00 元"));
        CHECK(has(r->body, "刘洋"));
        CHECK(has(r->body, "1987年6月1日，40岁"));
    }
    SECTION("a card that lapses, a member without a name") {
        auto r = f.get("/stores/toyland/members/T0006", staff);
        REQUIRE(r);
        CHECK(has(r->body, "2027年9月22日到期（还有7天）"));
        CHECK(has(r->body, "大约每10天来一次，上次3天前，未逾期"));
        r = f.get("/stores/toyland/members/T0005", staff);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(has(r->body, "（未填写姓名）"));
    }
    SECTION("her tags, as the import normalized them (demo/members.csv)") {
        const auto r = f.get("/stores/toyland/members/T0001", staff);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        CHECK(has(r->body,
                  "<dd id=\"tags\"><span class=\"tag\">乐高</span> <span "
                  "class=\"tag\">绘本</span> </dd>"));
        const auto none = f.get("/stores/toyland/members/T0002", staff);
        REQUIRE(none);
        CHECK(has(none->body, "<dd id=\"tags\">未填写</dd>"));
    }
    SECTION("points about to lapse, and today's reminder of them") {
        const auto r = f.get("/stores/toyland/members/T0004", staff);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        CHECK(has(r->body, "<dd id=\"points\">1200，2027年9月22日到期（还有7天）</dd>"));
        CHECK(has(r->body, "data-job=\"points:T0004:2027-09-22:7\""));
    }
    SECTION("the messages: every job of the member once, as huitou jobs --member lists them") {
        RedisConnection redis(f.rt.redis);
        // A message held back for the effect report, one already sent (on
        // sheets: a claimed record `d` whose hash holds the job).
        const auto& store = *f.rt.config.find_store("toyland");
        const Date day = *parse_date("2027-09-15");
        Job held;
        held.store = "toyland";
        held.kind = Kind::card_expiry;
        held.member_id = "T0001";
        held.occasion_date = *parse_date("2027-09-22");
        held.id = make_job_id(held.kind, "T0001", held.occasion_date, "7");
        held.marketing = false;
        held.state = JobState::held;
        held.due_at = start_of_day(day, store.zone) + std::chrono::hours(15);
        held.expires_at = start_of_day(*parse_date("2027-09-16"), store.zone);
        Job sent = held;
        sent.kind = Kind::winback;
        sent.occasion_date = *parse_date("2027-08-01");
        sent.id = make_job_id(sent.kind, "T0001", sent.occasion_date, "1");
        sent.state = JobState::sent;
        sent.marketing = true;
        sent.text = "王女士，好久不见";
        sent.to = "+8613800138001";
        if (storage == "sheets") {
            SheetStore sheets(redis);
            const DaySheets n = sheets.day_sheets("toyland", day, 0);
            REQUIRE(sheets.plan("toyland", day, start_of_day(day, store.zone), n, {held}) == 1);
            // Claimed: the record `d`, the job in its hash.
            sent.kind = Kind::festival;
            sent.occasion_date = day;
            sent.id = make_job_id(sent.kind, "T0001", day, "national_day");
            REQUIRE(sheets.plan("toyland", day, start_of_day(day, store.zone), n, {sent}) == 1);
            const auto sheet =
                keys::sheet(only_shard("toyland"), "2027-09-15", sheet_of("T0001", n.counts[0]));
            const auto field = *record_field(sent.id, day);
            auto value = redis.command({"HGET", sheet, field}).str;
            value[0] = 'd';
            redis.command({"HSET", sheet, field, value});
            // Long on layout 2: her hashes are read by key, not found by a SCAN.
            redis.command({"SET", "hu:{toyland}:jobs:v2day", "2027-01-01"});
        } else {
            JobStore(redis, f.rt.config.scheduler).create({held});
        }
        std::vector<std::string> hset{"HSET", keys::job(only_shard("toyland"), sent.id)};
        for (const auto& [k, v] : to_fields(sent)) {
            hset.push_back(k);
            hset.push_back(v);
        }
        redis.command(hset);

        const auto r = f.get("/stores/toyland/members/T0001", staff);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        keep_page("member-T0001-" + storage, r->body);
        const auto cli = f.huitou({"jobs", "--member", "T0001", "--json"});
        REQUIRE(cli.status == 0);
        const auto listed = nlohmann::json::parse(cli.out);
        REQUIRE(listed.size() >= 3);
        for (const auto& j : listed) {
            INFO(j.dump());
            const auto item = "data-job=\"" + j.at("id").get<std::string>() + "\"";
            const auto at = r->body.find(item);
            REQUIRE(at != std::string::npos);
            CHECK(r->body.find(item, at + 1) == std::string::npos);  // once
            const auto state = " data-state=\"" + j.at("state").get<std::string>() + "\"";
            CHECK(r->body.compare(at + item.size(), state.size(), state) == 0);
        }
        const auto items = [&r] {
            std::size_t n = 0;
            for (auto at = r->body.find("data-job="); at != std::string::npos;
                 at = r->body.find("data-job=", at + 1))
                ++n;
            return n;
        }();
        CHECK(items == listed.size());
        CHECK(has(r->body, "data-job=\"" + held.id + "\" data-state=\"held\""));
        CHECK(has(r->body, "data-job=\"" + sent.id + "\" data-state=\"sent\""));
        CHECK(has(r->body, "王女士，好久不见"));
        // The day's greeting: on sheets a record, its words not written yet.
        const auto birthday = job_of(f, "birthday:T0001:2027-09-15");
        CHECK(birthday.text.empty() == (storage == "sheets"));
    }
    SECTION("another store's member is the same 404 as a member that does not exist") {
        const auto other = f.get("/stores/babycare/members/B0001", staff);
        const auto unknown = f.get("/stores/toyland/members/T9999", staff);
        const auto bad_id = f.get("/stores/toyland/members/%3Cscript%3E", staff);
        const auto wrong_store = f.get("/stores/toyland/members/B0001", staff);
        REQUIRE(other);
        REQUIRE(unknown);
        REQUIRE(bad_id);
        REQUIRE(wrong_store);
        CHECK(other->status == 404);
        CHECK(unknown->status == 404);
        CHECK(bad_id->status == 404);
        CHECK(wrong_store->status == 404);
        CHECK(other->body == unknown->body);
        CHECK(other->body == bad_id->body);
        CHECK(other->body == wrong_store->body);
        // The owner sees babycare's member.
        const auto owner = f.session("boss");
        CHECK(f.get("/stores/babycare/members/B0001", owner)->status == 200);
        // Nobody is sent to log in.
        CHECK(f.get("/stores/toyland/members/T0001")->status == 303);
    }
}

TEST_CASE("consent at the counter: an opt-out cancels today's message and an opt-in is recorded",
          "[console]") {
    const std::string storage = GENERATE(as<std::string>{}, "hashes", "sheets");
    INFO("scheduler.job_storage = " << storage);
    ConsoleFixture f("2027-09-15T12:00:00+08:00", true, storage);
    AdminApi api(f.rt.config, f.templates, f.rt.redis, *f.rt.clock);
    api.add_to(*f.server);
    const auto staff = f.session("xiaoli", {"toyland"});
    const std::string job_id = "birthday:T0002:2027-09-15";

    SECTION("a store being resharded: the opt-out is not taken, and the page says so") {
        RedisConnection redis(f.rt.redis);
        // The copy fence of toyland's only shard (io/lua_script.h).
        redis.command({"SET", "hu:{toyland}:frozen", "copy"}).expect_ok("SET fence");
        const auto before = snapshot(redis);
        const auto r =
            f.post("/stores/toyland/members/T0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(r->get_header_value("Retry-After") == "60");
        CHECK(has(r->body, "正在迁移"));
        CHECK(snapshot(redis) == before);
        redis.command({"DEL", "hu:{toyland}:frozen"}).expect_ok("DEL fence");
        const auto again =
            f.post("/stores/toyland/members/T0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(again);
        CHECK(again->status == 303);
        CHECK(job_of(f, job_id).state == JobState::cancelled);
    }

    SECTION("an opt-out") {
        const auto before = job_of(f, job_id);
        REQUIRE((before.state == JobState::planned || before.state == JobState::dispatched));
        auto preview = f.get("/api/preview?date=2027-09-15&store=toyland");
        REQUIRE(preview);
        REQUIRE(preview->status == 200);
        auto planned_for = [](const std::string& body, const std::string& member) {
            const auto j = nlohmann::json::parse(body);
            for (const auto& m : j["stores"][0]["messages"])
                if (m["member_id"] == member && m["state"] != "cancelled") return true;
            return false;
        };
        REQUIRE(planned_for(preview->body, "T0002"));

        const auto r =
            f.post("/stores/toyland/members/T0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        REQUIRE(r->status == 303);
        CHECK(r->get_header_value("Location") ==
              "/stores/toyland/members/T0002?done=opt_out&channel=sms&cancelled=1#consent");

        const auto after = job_of(f, job_id);
        CHECK(after.state == JobState::cancelled);
        CHECK(after.error == "opted_out");

        RedisConnection redis(f.rt.redis);
        ConsentStore consent(redis, f.rt.config);
        const auto m = MemberStore(redis).get("toyland", "T0002");
        REQUIRE(m);
        CHECK_FALSE(m->sms_optin);
        CHECK(consent.is_opted_out("toyland", Channel::sms, "+8613900138002"));
        const auto events = consent.events_about(*m);
        REQUIRE_FALSE(events.empty());
        const auto& e = events.back();
        CHECK(e.source == ConsentSource::counter);
        CHECK_FALSE(e.opt_in);
        CHECK(e.channel == Channel::sms);
        CHECK(e.detail == "staff xiaoli at the counter");
        CHECK(e.at == f.rt.clock->now());

        preview = f.get("/api/preview?date=2027-09-15&store=toyland");
        REQUIRE(preview);
        CHECK_FALSE(planned_for(preview->body, "T0002"));

        const auto page = f.get(r->get_header_value("Location"), staff);
        REQUIRE(page);
        keep_page("member-T0002-opted-out", page->body);
        CHECK(has(page->body, "已记录：短信退订。今天计划发给这位会员的 1 条消息已取消。"));
        CHECK(has(page->body, "会员本人已退订"));
        CHECK(has(page->body, "来自柜台"));
        CHECK(has(page->body, "staff xiaoli at the counter"));
        CHECK(has(page->body, "data-state=\"cancelled\""));
        CHECK(has(page->body, "原因：已退订"));
    }
    SECTION("an opt-in") {
        const auto r =
            f.post("/stores/toyland/members/T0004/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_in"}}, staff);
        REQUIRE(r);
        REQUIRE(r->status == 303);
        RedisConnection redis(f.rt.redis);
        const auto m = MemberStore(redis).get("toyland", "T0004");
        REQUIRE(m);
        CHECK(m->sms_optin);
        const auto events = ConsentStore(redis, f.rt.config).events_about(*m);
        REQUIRE_FALSE(events.empty());
        CHECK(events.back().opt_in);
        CHECK(events.back().source == ConsentSource::counter);
        CHECK(events.back().detail == "staff xiaoli at the counter");
        const auto page = f.get(r->get_header_value("Location"), staff);
        REQUIRE(page);
        CHECK(has(page->body, "已记录：短信同意接收。"));
        CHECK(has(page->body, "已同意，问候和通知都可以发"));
        // Her welcome (core/welcome.h): at 12:00 the windows are closed for
        // lunch, so it goes at 13:30; the page says when, and that she has one.
        CHECK(has(r->get_header_value("Location"), "&welcome="));
        keep_page("member-T0004-welcomed", page->body);
        CHECK(has(page->body, "入会欢迎短信将于 2027-09-15 13:30 发出"));
        CHECK(has(page->body, "入会欢迎已安排（2027-09-15 12:00）"));
        const auto welcome = job_of(f, "welcome:T0004:2027-09-15:sms");
        CHECK(welcome.state == JobState::planned);
        CHECK(welcome.due_at == *parse_instant("2027-09-15T13:30:00+08:00"));
        // Again: recorded, no second welcome.
        const auto again =
            f.post("/stores/toyland/members/T0004/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_in"}}, staff);
        REQUIRE(again);
        CHECK_FALSE(has(again->get_header_value("Location"), "welcome="));
    }
    SECTION("bad input is refused, naming the field; nothing is recorded") {
        RedisConnection redis(f.rt.redis);
        const auto before = snapshot(redis);
        auto r =
            f.post("/stores/toyland/members/T0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "fax"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(has(r->body, "channel"));
        CHECK(has(r->body, "fax"));
        r = f.post("/stores/toyland/members/T0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "delete"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(has(r->body, "action"));
        r = f.post("/stores/toyland/members/T0004/consent",  // no WeChat
                   {{"csrf", f.csrf(staff)}, {"channel", "wechat"}, {"action", "opt_in"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(has(r->body, "没有关联微信"));
        r = f.post("/stores/toyland/members/T0002/consent",
                   {{"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 403);  // no CSRF token
        r = f.post("/stores/babycare/members/B0002/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 404);
        r = f.post("/stores/toyland/members/T9999/consent",
                   {{"csrf", f.csrf(staff)}, {"channel", "sms"}, {"action", "opt_out"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK(snapshot(redis) == before);
    }
}

TEST_CASE("the search indexes follow member writes and erasure and reindex builds them",
          "[console]") {
    ConsoleFixture f("2027-09-15T12:00:00+08:00", false);
    const auto staff = f.session("xiaoli", {"toyland"});
    TempDir dir;
    const std::string header = "member_id,store,name,gender,phone,sms_optin\n";
    auto import = [&](const std::string& row) {
        write_file(dir.file("m.csv"), header + row + "\n");
        const auto r = f.huitou({"import", dir.file("m.csv")});
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
    };
    RedisConnection redis(f.rt.redis);
    auto indexed = [&](const std::string& suffix) {
        return redis.command({"HEXISTS", keys::index(only_shard("toyland"), suffix), "T0100"})
                   .integer == 1;
    };

    import("T0100,toyland,马小云,M,13800139999,1");
    CHECK(has(search(f, "马小", staff), link_to("T0100")));
    CHECK(has(search(f, "小云", staff), link_to("T0100")));
    CHECK(has(search(f, "9999", staff), link_to("T0100")));
    CHECK(indexed("nm:马小云"));

    import("T0100,toyland,牛小云,M,13800139999,1");  // renamed
    CHECK_FALSE(indexed("nm:马小云"));
    CHECK_FALSE(indexed("nm:马小"));
    CHECK(indexed("nm:牛小"));
    CHECK(indexed("nm:小云"));
    CHECK_FALSE(has(search(f, "马小", staff), link_to("T0100")));
    CHECK(has(search(f, "牛小", staff), link_to("T0100")));
    CHECK(has(search(f, "小云", staff), link_to("T0100")));

    import("T0100,toyland,牛小云,M,13800137777,1");  // a new phone
    CHECK_FALSE(indexed("p4:9999"));
    CHECK(indexed("p4:7777"));
    CHECK_FALSE(has(search(f, "9999", staff), link_to("T0100")));
    CHECK(has(search(f, "7777", staff), link_to("T0100")));

    SECTION("erasure takes the member out of every index") {
        REQUIRE(MemberEraser(redis, f.rt.config).erase("toyland", "T0100", f.rt.clock->now()));
        for (const auto* suffix : {"nm:牛小", "nm:牛小云", "nm:小云", "p4:7777"}) {
            INFO(suffix);
            CHECK_FALSE(indexed(suffix));
        }
        CHECK(has(search(f, "7777", staff), "id=\"no-results\""));
        CHECK(has(search(f, "牛小云", staff), "id=\"no-results\""));
    }
    SECTION("members written before the indexes are found after `huitou members reindex`") {
        // As an older version left them: no search index at all.
        std::vector<std::string> stale;
        std::string cursor = "0";
        do {
            const auto reply =
                redis.command({"SCAN", cursor, "MATCH", "hu:{toyland}:*", "COUNT", "1000"});
            cursor = reply.elements[0].str;
            for (const auto& key : reply.elements[1].elements)
                if (key.str.starts_with("hu:{toyland}:nm:") ||
                    key.str.starts_with("hu:{toyland}:p4:"))
                    stale.push_back(key.str);
        } while (cursor != "0");
        REQUIRE_FALSE(stale.empty());
        for (const auto& key : stale)
            redis.command({"DEL", key});
        CHECK(has(search(f, "王芳", staff), "id=\"no-results\""));
        CHECK(has(search(f, "7777", staff), "id=\"no-results\""));

        const auto r = f.huitou({"members", "reindex", "--store", "toyland"});
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        CHECK(has(r.out, "toyland: 11 members indexed"));
        CHECK(has(search(f, "王芳", staff), link_to("T0001")));
        CHECK(has(search(f, "7777", staff), link_to("T0100")));
        CHECK(indexed("nm:小云"));
        // Again: nothing changes.
        const auto before = snapshot(redis);
        REQUIRE(f.huitou({"members", "reindex", "--store", "toyland"}).status == 0);
        CHECK(snapshot(redis) == before);
        const auto bad = f.huitou({"members", "reindex", "--store", "nosuch"});
        CHECK(bad.status == 2);
        CHECK(has(bad.err, "--store nosuch"));
    }
}
