// The care list on a real Redis through a simulated year (FixedClock): the
// scheduler builds each day's list after the night's segments, the test
// plays the staff (done, one no answer, one "don't call again") and the
// dispatches of win-back messages (written to the contact history as
// claim_due.lua would, when the caps allow), and a local HTTP server plays
// the WeChat Work group robot. Then: calls_per_year done calls for each
// member of the chosen segments, none for the others, none within
// quiet_days after a message or a call, no message the day after a call,
// the daily limit, one robot post a day (a failure retried with backoff),
// masked phones; and `huitou care`.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/care_message.h"
#include "core/care_rule.h"
#include "core/contact_history.h"
#include "core/visit_cycle.h"
#include "io/care_robot.h"
#include "io/care_store.h"
#include "io/lua_script.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "scheduler/scheduler.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

std::string config_text(const std::string& robot_url) {
    return R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
plan_batch = 5
[stores.shop]
name = "小店"
channels = ["sms"]
festivals = []
card_expiry_days = []
[stores.shop.care]
enabled = true
calls_per_year = 3
quiet_days = 7
daily_limit = 1
robot_url = ")" +
           robot_url + R"("
robot_key_env = "HUITOU_TEST_CARE_ROBOT"
[stores.other]
name = "别店"
channels = ["sms"]
festivals = []
card_expiry_days = []
)";
}

Date d(int y, unsigned m, unsigned day) {
    return Date{date::year{y} / date::month{m} / date::day{day}};
}

Date next(const Date& day) {
    return Date{date::sys_days{day} + date::days{1}};
}

// V00..V09 重要价值, R00..R05 重要挽留, G00..G05 一般价值 (G00 moves to 重要挽留
// on 1 July), and one 重要价值 member of another store (care off there).
std::vector<std::pair<std::string, ValueSegment>> cast() {
    std::vector<std::pair<std::string, ValueSegment>> out;
    auto add = [&](const char* prefix, int n, ValueSegment s) {
        for (int i = 0; i < n; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "%s%02d", prefix, i);
            out.emplace_back(id, s);
        }
    };
    add("V", 10, ValueSegment::important_value);
    add("R", 6, ValueSegment::important_retain);
    add("G", 6, ValueSegment::general_value);
    return out;
}

std::string phone_of(int i) {
    return "+86139" + std::to_string(10000000 + i);
}

void set_segment(RedisConnection& redis, const std::string& store, const std::string& id,
                 ValueSegment s, int day) {
    StoredSegment stored{s, day, {10, 3, 50000}};
    LuaScript("set_segments")
        .run(redis, {keys::shard_segments(only_shard(store)), keys::member(only_shard(store), id)},
             {format_stored_segment(stored)})
        .expect_ok("set_segments");
}

}  // namespace

TEST_CASE("a year of care lists: calls spread, spaced, marked, and posted once a day", "[care]") {
    spdlog::set_level(spdlog::level::warn);
    ::setenv("HUITOU_TEST_CARE_ROBOT", "robot-key-1", 1);
    HttpServer robot;
    int fail_next = 0;  // answers to fail before the next success
    std::vector<std::pair<std::string, std::string>> taken;  // key, body of each post taken
    std::mutex mutex;
    robot.server().Post(
        "/cgi-bin/webhook/send", [&](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            if (fail_next > 0) {
                --fail_next;
                res.set_content(R"({"errcode":-1,"errmsg":"system busy"})", "application/json");
                return;
            }
            taken.emplace_back(req.get_param_value("key"), req.body);
            res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
        });
    auto taken_now = [&] {
        std::lock_guard lock(mutex);
        return taken;
    };
    robot.start();

    TestRedis server;
    TempDir dir;
    const std::string text = config_text(robot.url() + "/cgi-bin/webhook/send");
    write_file(dir.file("huitou.toml"), text);
    const Config config = parse_config(text, "care.toml");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& store = *config.find_store("shop");
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();

    const auto people = cast();
    std::vector<MemberRecord> records;
    for (std::size_t i = 0; i < people.size(); ++i) {
        MemberRecord r{"shop", people[i].first, {}, {}};
        r.set = {{"name", "会员" + people[i].first},
                 {"phone", phone_of(static_cast<int>(i))},
                 {"sms_optin", "1"}};
        records.push_back(std::move(r));
    }
    records.push_back({"other", "V00", {{"name", "别人"}, {"phone", phone_of(99)}}, {}});
    MemberStore(redis).upsert(records);
    const int start = day_number(d(2027, 1, 1));
    for (const auto& [id, s] : people)
        set_segment(redis, "shop", id, s, start - 1);
    set_segment(redis, "other", "V00", ValueSegment::important_value, start - 1);

    FixedClock clock(local_instant(d(2027, 1, 1), 5min, store.zone));
    zmq::context_t zmq;
    Scheduler scheduler(config, templates, scheduler_redis, zmq, clock);
    CareStore care(redis, config);
    PolicyConfig policy = store.policy;

    std::map<std::string, std::vector<int>> done, messages, listed;
    std::map<int, std::size_t> list_size;
    std::map<int, int> posts_by_day;
    std::size_t posts_seen = 0;
    std::optional<int> failing_day;
    bool r01_missed_once = false;
    int g00_calls_before_july = 0;
    const Date july = d(2027, 7, 1);
    for (Date day = d(2027, 1, 1); day <= d(2027, 12, 31); day = next(day)) {
        const int today = day_number(day);
        if (day == july)
            set_segment(redis, "shop", "G00", ValueSegment::important_retain, today - 1);
        // The night: planning, segments, the care list.
        clock.set(local_instant(day, 5min, store.zone));
        scheduler.plan_due_days(clock.now());
        const auto list = care.day(store, day);
        REQUIRE(list);  // every day has its list, maybe empty
        list_size[today] = list->rows.size();
        CHECK(list->rows.size() <= 1);
        // The robot: nothing before the hours (10:00), one post from then.
        // The first list from March on meets a robot that fails twice.
        if (!failing_day && day >= d(2027, 3, 1) && !list->rows.empty()) {
            failing_day = today;
            std::lock_guard lock(mutex);
            fail_next = 2;
        }
        for (const std::chrono::minutes t : std::initializer_list<std::chrono::minutes>{
                 9h + 59min, 10h, 10h + 1min, 10h + 45min, 14h + 30min, 16h}) {
            clock.set(local_instant(day, t, store.zone));
            scheduler.plan_due_days(clock.now());
            const auto seen = taken_now();
            for (std::size_t k = posts_seen; k < seen.size(); ++k) {
                const auto body = nlohmann::json::parse(seen[k].second);
                CHECK(seen[k].first == "robot-key-1");
                CHECK(body.at("msgtype") == "markdown");
                const auto content = body.at("markdown").at("content").get<std::string>();
                CHECK(content.size() <= 4096);
                CHECK_THAT(content, Catch::Contains("今日回访 " + format_date(day)));
                for (const auto& r : list->rows) {
                    CHECK_THAT(content, Catch::Contains(r.name));
                    CHECK_THAT(content, !Catch::Contains(r.phone.substr(3)));  // masked
                }
                CAPTURE(format_date(day), t.count());
                CHECK(t >= 10h);
                ++posts_by_day[today];
            }
            posts_seen = seen.size();
        }
        // The staff, in the afternoon.
        clock.set(local_instant(day, 15h, store.zone));
        for (const auto& row : list->rows) {
            const auto& id = row.entry.member;
            listed[id].push_back(today);
            CHECK(row.entry.state == CareState::open);
            CHECK(row.name == "会员" + id);
            CareState mark = CareState::done;
            if (id == "R01" && !r01_missed_once) {
                mark = CareState::no_answer;
                r01_missed_once = true;
            }
            if (id == "V09") mark = CareState::stop;
            REQUIRE(care.mark(store, day, id, mark, "记下", "wang", clock.now()) ==
                    CareMarkResult::ok);
            if (mark == CareState::done) {
                done[id].push_back(today);
                // A done call is a contact: her history has its 'k' at once.
                const auto ch =
                    redis.command({"HGET", keys::member(only_shard("shop"), id), "ch"}).str;
                CHECK_THAT(ch, Catch::Contains(std::to_string(today) + "k"));
                if (id == "G00" && day < july) ++g00_calls_before_july;
            }
        }
        // A mark is final once done; the list keeps the marks.
        if (!list->rows.empty() && list->rows[0].entry.member != "V09" &&
            list->rows[0].entry.member != "R01")
            CHECK(care.mark(store, day, list->rows[0].entry.member, CareState::no_answer, "", "li",
                            clock.now()) == CareMarkResult::final);
        // The evening: win-back messages to some members, as claim_due.lua
        // would dispatch them (caps and cooldowns on the contact history).
        clock.set(local_instant(day, 19h, store.zone));
        for (std::size_t i = 0; i < people.size(); ++i) {
            const auto& id = people[i].first;
            if ((today + static_cast<int>(i) * 5) % 23 != 0) continue;
            const auto ch = redis.command({"HGET", keys::member(only_shard("shop"), id), "ch"});
            auto history = parse_contacts(ch.is_nil() ? "" : ch.str);
            if (check_contact(history, Kind::winback, today, policy) != ContactCheck::ok) continue;
            history = with_contact(history, today, Kind::winback);
            redis.command(
                {"HSET", keys::member(only_shard("shop"), id), "ch", format_contacts(history)});
            messages[id].push_back(today);
        }
    }

    // Each member of the chosen segments: three done calls, one a period.
    for (const auto& [id, s] : people) {
        CAPTURE(id);
        const auto& calls = done[id];
        if (id == "V09") {
            CHECK(calls.empty());  // stopped at her first call
            CHECK(listed[id].size() == 1);
            continue;
        }
        if (id == "G00") {
            CHECK(g00_calls_before_july == 0);
            CHECK(calls.size() == 2);  // joined in July: May–Aug and Sep–Dec
        } else if (s == ValueSegment::general_value) {
            CHECK(calls.empty());
            CHECK(listed[id].empty());
            continue;
        } else {
            CHECK(calls.size() == 3);
        }
        std::set<int> periods;
        for (const int c : calls)
            periods.insert(care_period(c, 3).index);
        CHECK(periods.size() == calls.size());
        // Spacing: no call within quiet_days after a message or a call; no
        // message the day after a call (the win-back's cooldown, 3 days).
        for (std::size_t k = 1; k < calls.size(); ++k)
            CHECK(calls[k] - calls[k - 1] > 7);
        for (const int c : calls) {
            for (const int m : messages[id]) {
                CAPTURE(c, m);
                CHECK_FALSE((c - m >= 0 && c - m <= 7));
                CHECK_FALSE((m - c >= 0 && m - c < 3));
            }
        }
    }
    CHECK(r01_missed_once);
    CHECK(done["R01"].size() == 3);  // no answer once, called again another day
    // The other store has care off: never a list.
    CHECK(redis.command({"EXISTS", keys::care_day("other", "2027-03-01")}).integer == 0);
    // One post a day with a list, none for an empty one.
    for (const auto& [day, n] : list_size) {
        CAPTURE(format_date(date_of_day(day)));
        CHECK(posts_by_day[day] == (n > 0 ? 1 : 0));
    }
    // The failing day: three attempts (10:00, 10:01 after the backoff, 10:45), one taken.
    REQUIRE(failing_day);
    CHECK(posts_by_day[*failing_day] == 1);
    std::size_t attempts = 0;
    for (const auto& s : robot.seen("/cgi-bin/webhook/send"))
        if (s.body.find(format_date(date_of_day(*failing_day))) != std::string::npos) ++attempts;
    CHECK(attempts == 3);
    // The daily limit (1) bit: some calls came after the member's own day
    // with no message in the quiet days before it, held back only by others
    // listed first.
    int waited_for_the_limit = 0;
    for (const auto& [id, calls] : done) {
        if (id == "R01" || id == "G00") continue;  // waited for another reason
        for (const int c : calls) {
            const int own = care_day(id, care_period(c, 3));
            if (c <= own) continue;
            bool quiet = false;
            for (const int m : messages[id])
                quiet = quiet || (m >= own - 7 && m <= c);
            if (!quiet) ++waited_for_the_limit;
        }
    }
    CHECK(waited_for_the_limit > 0);

    // huitou care prints a day's list with its marks.
    const Date shown = date_of_day(done["V01"].front());
    const std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(),
                                       "HUITOU_NOW=2027-12-31T20:00:00+08:00",
                                       "HUITOU_LOG_LEVEL=warn"};
    auto r = run({bin("huitou"), "--config", dir.file("huitou.toml"), "care", "--store", "shop",
                  "--date", format_date(shown), "--json"},
                 env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    bool found = false;
    for (const auto& c : j.at("calls")) {
        if (c.at("member") != "V01") continue;
        found = true;
        CHECK(c.at("state") == "done");
        CHECK(c.at("note") == "记下");
        CHECK(c.at("by") == "wang");
        CHECK(c.at("segment") == "重要价值");
    }
    CHECK(found);
    auto bad = run({bin("huitou"), "--config", dir.file("huitou.toml"), "care", "--store", "shop",
                    "--date", format_date(shown), "--mark", "G03", "--as", "done"},
                   env);
    CHECK(bad.status == 2);
    CHECK_THAT(bad.err, Catch::Contains("not_listed"));
    auto none = run({bin("huitou"), "--config", dir.file("huitou.toml"), "care", "--store", "other",
                     "--date", "2027-03-01"},
                    env);
    CHECK(none.status == 3);
}

TEST_CASE(
    "a long care list goes to the robot in parts, and a retry goes on from the part not taken",
    "[care]") {
    ::setenv("HUITOU_TEST_CARE_ROBOT", "robot-key-2", 1);
    HttpServer robot;
    int calls = 0;
    std::vector<std::string> taken;  // the contents the robot took, in order
    std::mutex mutex;
    robot.server().Post(
        "/cgi-bin/webhook/send", [&](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            if (++calls == 2) {  // the second part fails once
                res.set_content(R"({"errcode":45009,"errmsg":"api freq out of limit"})",
                                "application/json");
                return;
            }
            taken.push_back(nlohmann::json::parse(req.body).at("markdown").at("content"));
            res.set_content(R"({"errcode":0,"errmsg":"ok"})", "application/json");
        });
    robot.start();
    const Config config =
        parse_config(config_text(robot.url() + "/cgi-bin/webhook/send"), "t.toml");
    const StoreConfig& store = *config.find_store("shop");

    CareDay day{d(2027, 3, 2), {}, {}, {}};
    for (int i = 0; i < 150; ++i) {
        CareRow row;
        row.entry.member = "M" + std::to_string(1000 + i);
        row.member_exists = true;
        row.name = "会员" + std::to_string(1000 + i);
        row.phone = phone_of(i);
        row.last_visit = d(2026, 11, 1);
        day.rows.push_back(row);
    }
    const auto parts = care_robot_texts(store.name, day, store.care);
    REQUIRE(parts.size() >= 3);

    CareRobot poster;
    const auto first = poster.post(store, day);
    CHECK(first.taken == 1);
    CHECK_THAT(first.why, Catch::Contains("45009"));
    const auto second = poster.post(store, day, first.taken);
    CHECK(second.why.empty());
    CHECK(second.taken == parts.size());
    // Every part once, in order: the first was not posted again.
    std::lock_guard lock(mutex);
    CHECK(taken == parts);
    CHECK(calls == static_cast<int>(parts.size()) + 1);
}
