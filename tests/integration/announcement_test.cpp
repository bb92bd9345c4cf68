// Announcements on a real Redis and real sockets, with a fixed clock moved
// day by day (a store on day sheets, the default layout; an announcement's
// jobs stay hashes there): created ahead, previewed with the reason for
// every member, planned on their date to the members whose tags match —
// once each — through consent, opt-outs and the day's cap (a birthday keeps
// the slot); one cancelled before its date sends nothing, one cancelled on
// its date after planning has its planned messages cancelled; the results
// and the effect report count the kind.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include "core/wire.h"
#include "io/announcement_store.h"
#include "io/consent_store.h"
#include "io/member_store.h"
#include "io/zmq_frames.h"
#include "scheduler/day_preview.h"
#include "scheduler/effect_report.h"
#include "scheduler/message_results.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kConfig = R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[store_defaults.policy]
spread_minutes = 0
[stores.bookshop]
name = "博古书店"
channels = ["sms"]
festivals = []
[stores.bookshop.winback]
enabled = false
)";

MemberRecord member(const std::string& id, FieldMap fields) {
    if (!fields.contains("sms_optin")) fields.emplace("sms_optin", "1");
    return MemberRecord{"bookshop", id, std::move(fields), {}};
}

Date day_of(const char* text) {
    return *parse_date(text);
}

}  // namespace

TEST_CASE("an announcement goes once to the members whose tags match, through the policy",
          "[announcement]") {
    spdlog::set_level(spdlog::level::warn);
    TestRedis server;
    const Config config = parse_config(kConfig, "announce.toml");
    const StoreConfig& store = *config.find_store("bookshop");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    FixedClock clock{*parse_instant("2027-09-10T09:00:00+08:00")};
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    JobStore jobs(redis, config.scheduler);
    AnnouncementStore announcements(redis);

    MemberStore members(redis);
    members.upsert({
        member("B1", {{"name", "王芳"},
                      {"gender", "F"},
                      {"phone", "+8613800000001"},
                      {"tags", "历史小说;乐高"}}),
        member("B2",
               {{"name", "李娜"}, {"gender", "F"}, {"phone", "+8613800000002"}, {"tags", "绘本"}}),
        member("B3", {{"name", "张伟"},
                      {"gender", "M"},
                      {"phone", "+8613800000003"},
                      {"tags", "历史小说"},
                      {"sms_optin", "0"}}),
        // Her birthday is the announcement's day: the greeting keeps the day's one slot.
        member("B4", {{"name", "刘洋"},
                      {"gender", "M"},
                      {"phone", "+8613800000004"},
                      {"birthday", "1990-09-15"},
                      {"tags", "历史小说"}}),
        member(
            "B5",
            {{"name", "陈静"}, {"gender", "F"}, {"phone", "+8613800000005"}, {"tags", "历史小说"}}),
        member("B6", {{"name", "赵敏"}, {"gender", "F"}, {"phone", "+8613800000006"}}),
    });
    {
        ConsentEvent e;
        e.at = clock.now();
        e.store = "bookshop";
        e.channel = Channel::sms;
        e.source = ConsentSource::sms_reply;
        e.address = "+8613800000005";
        e.detail = "T";
        ConsentStore(redis, config).record(e);
    }

    const Date today = local_date(clock.now(), store.zone);
    auto create = [&](const char* tags, const char* date, const char* id) {
        AnnouncementRequest r;
        r.tags = tags;
        r.date = date;
        r.id = id;
        auto checked = check_announcement(r, "bookshop", today, "wang", clock.now());
        INFO(checked.error);
        REQUIRE(checked.announcement);
        REQUIRE(announcements.create(*checked.announcement) == std::string(id));
    };
    create("历史小说", "2027-09-15", "history");
    create("乐高", "2027-09-13", "lego");                // cancelled before its date
    create("ＬＥＧＯ；历史小说", "2027-09-16", "late");  // cancelled on its date, after planning
    CHECK_FALSE(announcements.create(*announcements.get("bookshop", "history")));  // id taken
    {
        const auto listed = announcements.list("bookshop");
        REQUIRE(listed.size() == 3);
        CHECK(listed[0].id == "lego");  // by date
        CHECK(listed[2].tags == std::vector<std::string>{"lego", "历史小说"});
    }

    {
        // Who gets it and why the rest do not, seen days ahead.
        auto previews =
            preview_day(redis, config, templates, day_of("2027-09-15"), "bookshop", clock.now());
        REQUIRE(previews.size() == 1);
        const auto p = only_announcement(previews[0], *announcements.get("bookshop", "history"));
        REQUIRE(p.messages.size() == 1);
        CHECK(p.messages[0].member_id == "B1");
        CHECK(p.messages[0].text == "王女士，您喜欢的历史小说有新品到店了，欢迎来博古书店看看。");
        std::map<std::string, std::string> why;
        for (const auto& s : p.skipped)
            why[s.member_id] = s.reason;
        CHECK(why == std::map<std::string, std::string>{{"B2", "not_in_audience"},
                                                        {"B3", "no_consent"},
                                                        {"B4", "capped"},
                                                        {"B5", "opted_out"},
                                                        {"B6", "not_in_audience"}});
    }

    zmq::socket_t sms(zmq, zmq::socket_type::pull);
    zmq::socket_t results(zmq, zmq::socket_type::push);
    for (auto* s : {&sms, &results})
        s->set(zmq::sockopt::linger, 0);
    sms.connect(scheduler.job_endpoint(Channel::sms));
    results.connect(scheduler.results_endpoint());
    std::map<std::string, std::vector<std::pair<JobMessage, Date>>> sent;
    auto take = [&](const Date& day) {
        while (auto frames = receive_frames(sms)) {
            auto decoded = decode_job(frame_views(*frames));
            REQUIRE(decoded.message);
            ResultMessage r;
            r.store = decoded.message->store;
            r.job_id = decoded.message->job_id;
            r.outcome = Outcome::sent;
            r.provider = "test";
            r.provider_ref = "ref-" + r.job_id;
            r.at = clock.now();
            r.worker = "test-worker";
            REQUIRE(send_frames(results, encode(r)));
            sent[decoded.message->job_id].emplace_back(std::move(*decoded.message), day);
        }
    };

    for (Date day = day_of("2027-09-11"); day <= day_of("2027-09-17");
         day = Date{date::sys_days{day} + date::days{1}}) {
        INFO(format_date(day));
        if (day == day_of("2027-09-12")) {
            const auto c = announcements.cancel(config, "bookshop", "lego", "li", clock.now());
            CHECK(c.found);
            CHECK(c.jobs_cancelled == 0);  // nothing planned before its date
        }
        clock.set(local_instant(day, 10s, store.zone));
        scheduler.plan_due_days(clock.now());
        if (day == day_of("2027-09-16")) {
            // Planned at midnight; cancelled before the send time.
            // B1 (lego, 历史小说) and B4 (历史小说: any one of them will do).
            CHECK(announcements.job_ids(*announcements.get("bookshop", "late")).size() == 2);
            const auto c = announcements.cancel(config, "bookshop", "late", "li", clock.now());
            CHECK(c.jobs_cancelled == 2);
            CHECK(
                announcements.cancel(config, "bookshop", "late", "li", clock.now()).was_cancelled);
        }
        clock.set(local_instant(day, 10h, store.zone));
        REQUIRE(eventually([&] {
            const auto deferred = scheduler.stats().deferred;
            scheduler.dispatch_due(clock.now());
            if (scheduler.stats().deferred != deferred) clock.advance(1s);
            zmq::pollitem_t items[] = {{sms.handle(), 0, ZMQ_POLLIN, 0}};
            zmq::poll(items, 1, 20ms);
            take(day);
            scheduler.handle_results(20ms);
            const auto c = jobs.counts("bookshop");
            return jobs.count_due("bookshop", clock.now()) == 0 &&
                   (!c.contains("dispatched") || c.at("dispatched") == 0);
        }));
    }

    // Once, on its day, to B1 only; B4's birthday kept the slot.
    REQUIRE(sent.contains("announcement:B1:2027-09-15:history"));
    const auto& [job, day] = sent.at("announcement:B1:2027-09-15:history").front();
    CHECK(sent.at("announcement:B1:2027-09-15:history").size() == 1);
    CHECK(day == day_of("2027-09-15"));
    CHECK(job.kind == Kind::announcement);
    CHECK(job.text.starts_with("王女士，您喜欢的历史小说有新品到店了"));
    CHECK(sent.contains("birthday:B4:2027-09-15"));
    std::vector<std::string> ids;
    for (const auto& [id, s] : sent)
        ids.push_back(id);
    CHECK(ids ==
          std::vector<std::string>{"announcement:B1:2027-09-15:history", "birthday:B4:2027-09-15"});
    for (const char* id : {"announcement:B1:2027-09-16:late", "announcement:B4:2027-09-16:late"}) {
        const auto late = jobs.get("bookshop", id);
        REQUIRE(late);
        CHECK(late->state == JobState::cancelled);
        CHECK(late->error == "announcement late cancelled by li");
    }
    const auto listed = announcements.list("bookshop");
    const Date after = local_date(clock.now(), store.zone);
    CHECK(state_on(listed[0], after) == AnnouncementState::cancelled);  // lego
    CHECK(state_on(listed[1], after) == AnnouncementState::done);       // history
    CHECK(state_on(listed[2], after) == AnnouncementState::cancelled);  // late

    // Counted by kind in the results and in the effect report.
    const auto r = message_results(redis, store, day_of("2027-09-01"), day_of("2027-09-30"), after);
    const OccasionResults* a = nullptr;
    for (const auto& k : r.kinds)
        if (k.kind == Kind::announcement) a = &k;
    REQUIRE(a);
    CHECK(a->sent == 1);
    CHECK(a->cancelled == 2);
    const auto fx = effect_report(redis, store, day_of("2027-09-01"), day_of("2027-09-30"));
    bool counted = false;
    for (const auto& k : fx.kinds) {
        if (k.kind != Kind::announcement) continue;
        counted = true;
        CHECK(k.messaged.sent == 1);
    }
    CHECK(counted);
}
