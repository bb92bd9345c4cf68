// The day page (console/today_page.h) on the demo day, planned at
// 2027-09-15 12:00 +08:00: the messages and who gets nothing, in words; the
// 8 days; the same answer as `huitou preview --json` and GET /api/preview;
// holding a message; approval before send with the real scheduler and
// workers.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "io/job_store.h"
#include "io/sheet_store.h"
#include "scheduler/admin_api.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;

namespace {

// Keeps a page's HTML under the build folder, to be read by a person.
void save_page(const std::string& name, const std::string& html) {
    const auto dir = std::filesystem::path(bin("")).parent_path().parent_path() / "console-pages";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / (name + ".html")) << html;
}

std::string unescape(std::string text) {
    const std::pair<const char*, const char*> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1))
            text.replace(at, std::strlen(from), to);
    }
    return text;
}

// The value of attribute `name` in the tag at the start of `chunk`.
std::string attr(const std::string& chunk, const std::string& name) {
    const std::string tag = chunk.substr(0, chunk.find('>'));
    const std::string key = " " + name + "=\"";
    const auto at = tag.find(key);
    if (at == std::string::npos) return "<none>";
    const auto begin = at + key.size();
    return unescape(tag.substr(begin, tag.find('"', begin) - begin));
}

// The text between `open` and the next `close` in `html`, or "".
std::string between(const std::string& html, const std::string& open, const std::string& close) {
    const auto at = html.find(open);
    if (at == std::string::npos) return {};
    const auto begin = at + open.size();
    return html.substr(begin, html.find(close, begin) - begin);
}

// The chunks of `html` that start with `<li class="<cls>"`.
std::vector<std::string> items(const std::string& html, const std::string& cls) {
    std::vector<std::string> out;
    const std::string start = "<li class=\"" + cls + "\"";
    for (auto at = html.find(start); at != std::string::npos;) {
        const auto next = html.find(start, at + 1);
        const auto end = std::min(next, html.find("</li>", at));
        out.push_back(html.substr(at + start.size(), end - at - start.size()));
        at = next;
    }
    return out;
}

using Message =
    std::tuple<std::string, std::string, std::string, std::string>;  // member, kind, job, text
using Skip = std::pair<std::string, std::string>;                    // member, reason

std::vector<Message> page_messages(const std::string& html) {
    std::vector<Message> out;
    for (const auto& li : items(html, "message")) {
        const std::string text = unescape(between(li, "<p class=\"text\">", "</p>"));
        out.emplace_back(attr(li, "data-member"), attr(li, "data-kind"), attr(li, "data-job"),
                         text);
    }
    return out;
}

std::vector<Skip> page_skipped(const std::string& html) {
    std::vector<Skip> out;
    for (const auto& li : items(html, "skip"))
        out.emplace_back(attr(li, "data-member"), attr(li, "data-reason"));
    return out;
}

std::vector<Message> json_messages(const nlohmann::json& store) {
    std::vector<Message> out;
    for (const auto& m : store.at("messages"))
        out.emplace_back(m.at("member_id"), m.at("kind"), m.at("job_id"), m.at("text"));
    return out;
}

std::vector<Skip> json_skipped(const nlohmann::json& store) {
    std::vector<Skip> out;
    for (const auto& s : store.at("skipped"))
        out.emplace_back(s.at("member_id"), s.at("reason"));
    return out;
}

// The <li> of `cls` for `member` (the first), or "".
std::string item_of(const std::string& html, const std::string& cls, const std::string& member) {
    for (const auto& li : items(html, cls))
        if (attr(li, "data-member") == member) return li;
    return {};
}

std::optional<Job> job_of(ConsoleFixture& f, const std::string& store, const std::string& id) {
    auto redis = f.redis_server.connect();
    JobStore jobs(redis, f.rt.config.scheduler);
    // With the store's zone: a planned job of a store on day sheets is a
    // record, found in its day's sheet.
    return jobs.get(store, id, f.rt.config.stores.at(store).zone);
}

// "14:46": the local time of day of job `id`'s due time, as the page shows it.
std::string due_time_of(ConsoleFixture& f, const std::string& store, const std::string& id) {
    const auto job = job_of(f, store, id);
    REQUIRE(job);
    return format_instant(job->due_at, f.rt.config.stores.at(store).zone).substr(11, 5);
}

}  // namespace

TEST_CASE("today page: the day's messages, who gets nothing and why, 8 days", "[console]") {
    ConsoleFixture f;
    const auto staff = f.session("xiaoli", {"toyland"});

    auto r = f.get("/stores/toyland/today", staff);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string html = r->body;
    save_page("today", html);

    SECTION("the messages by time, with name, channel, occasion, state and text") {
        const auto messages = page_messages(html);
        REQUIRE(messages.size() == 10);  // with T0004's points reminder
        // By time: each message's time is its job's due time, in order.
        std::string earlier;
        for (const auto& [member, kind, job, text] : messages) {
            INFO(job);
            const std::string time = due_time_of(f, "toyland", job);
            CHECK_THAT(item_of(html, "message", member),
                       Catch::Contains("<span class=\"time\">" + time + "</span>"));
            CHECK(time >= earlier);
            earlier = time;
        }
        const auto li = item_of(html, "message", "T0002");
        CHECK_THAT(li, Catch::Contains("data-job=\"birthday:T0002:2027-09-15\""));
        CHECK_THAT(li, Catch::Contains("<a href=\"/stores/toyland/members/T0002\">李强</a>"));
        CHECK_THAT(li, Catch::Contains("生日＋节日"));
        CHECK_THAT(li, Catch::Contains("短信"));
        CHECK_THAT(li, Catch::Contains("计划中"));
        CHECK_THAT(li, Catch::Contains("李先生，童乐玩具祝您生日快乐"));
        CHECK_THAT(li, Catch::Contains("button type=\"submit\" class=\"hold"));
        CHECK_THAT(item_of(html, "message", "T0009"), Catch::Contains("微信"));
        CHECK_THAT(html, !Catch::Contains("id=\"notice\""));  // nothing happened yet
        // No approval on this store: no form, no approval words.
        CHECK_THAT(html, !Catch::Contains("id=\"approve\""));
        CHECK_THAT(html, !Catch::Contains("批准"));
    }
    SECTION("who gets nothing, in plain words") {
        CHECK_THAT(item_of(html, "skip", "T0004"), Catch::Contains("未同意接收"));
        CHECK_THAT(item_of(html, "skip", "T0006"), Catch::Contains("今日已发送"));
        CHECK_THAT(item_of(html, "skip", "T0001"), Catch::Contains("已合并到同一天的生日消息"));
        CHECK(page_skipped(html).size() == 10);
    }
    SECTION("counts per occasion") {
        CHECK_THAT(html, Catch::Contains("<div class=\"counts\">"));
        CHECK_THAT(html, Catch::Contains("<div data-kind=\"all\"><b>10</b>条消息</div>"));
        CHECK_THAT(html, Catch::Contains("<div data-kind=\"birthday\"><b>5</b>生日</div>"));
        CHECK_THAT(html, Catch::Contains("<div data-kind=\"festival\"><b>3</b>节日</div>"));
        CHECK_THAT(html, Catch::Contains("<div data-kind=\"skipped\"><b>10</b>人次不发</div>"));
    }
    SECTION("today and the next 7 days; another day is a clear 400") {
        std::vector<std::string> dates, on;
        const std::string days = between(html, "<div class=\"days\" id=\"days\">", "</div>");
        const std::string key = "data-date=\"";
        for (auto at = days.find(key); at != std::string::npos; at = days.find(key, at + 1)) {
            const std::string date = days.substr(at + key.size(), 10);
            dates.push_back(date);
            if (days.compare(at + key.size() + 10, 12, "\" class=\"on\"") == 0) on.push_back(date);
        }
        REQUIRE(dates.size() == 8);
        CHECK(dates.front() == "2027-09-15");
        CHECK(dates.back() == "2027-09-22");
        CHECK(on == std::vector<std::string>{"2027-09-15"});

        r = f.get("/stores/toyland/today?day=2027-09-22", staff);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK_THAT(r->body, Catch::Contains("data-date=\"2027-09-22\" class=\"on\""));
        CHECK_THAT(r->body, !Catch::Contains("class=\"hold"));  // not today: nothing to hold
        save_page("today-ahead", r->body);
        for (const char* day : {"2027-09-23", "2027-09-14"}) {
            r = f.get(std::string("/stores/toyland/today?day=") + day, staff);
            REQUIRE(r);
            CHECK(r->status == 400);
            CHECK_THAT(r->body,
                       Catch::Contains("只能看今天和之后 7 天（2027-09-15 至 2027-09-22）"));
        }
        r = f.get("/stores/toyland/today?day=tomorrow", staff);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK_THAT(r->body, Catch::Contains("日期“tomorrow”看不懂"));
    }
    SECTION("a staff account of toyland: babycare's day is the same 404 as no store") {
        const auto other = f.get("/stores/babycare/today", staff);
        const auto none = f.get("/stores/nosuchstore/today", staff);
        REQUIRE(other);
        REQUIRE(none);
        CHECK(other->status == 404);
        CHECK(other->body == none->body);
        CHECK(f.post("/stores/babycare/today/hold",
                     {{"csrf", f.csrf(staff)}, {"job", "birthday:B0001:2027-09-15"}}, staff)
                  ->status == 404);
        CHECK(job_of(f, "babycare", "birthday:B0001:2027-09-15")->state == JobState::planned);
    }
}

TEST_CASE("today page, huitou preview --json and GET /api/preview show the same day", "[console]") {
    ConsoleFixture f;
    AdminApi api(f.rt.config, f.templates, f.rt.redis, *f.rt.clock);
    api.add_to(*f.server);
    const auto owner = f.session("boss");
    for (const std::string day : {"2027-09-15", "2027-09-16"}) {
        INFO(day);
        const auto cli = f.huitou({"preview", "--json", "--store", "toyland", "--date", day});
        REQUIRE(cli.status == 0);
        const auto from_cli = nlohmann::json::parse(cli.out).at("stores").at(0);
        const auto r_api = f.get("/api/preview?store=toyland&date=" + day);
        REQUIRE(r_api);
        REQUIRE(r_api->status == 200);
        const auto from_api = nlohmann::json::parse(r_api->body).at("stores").at(0);
        const auto page = f.get("/stores/toyland/today?day=" + day, owner);
        REQUIRE(page);
        REQUIRE(page->status == 200);

        CHECK_FALSE(json_messages(from_cli).empty());
        CHECK(page_messages(page->body) == json_messages(from_cli));
        CHECK(page_messages(page->body) == json_messages(from_api));
        CHECK(page_skipped(page->body) == json_skipped(from_cli));
        CHECK(page_skipped(page->body) == json_skipped(from_api));
    }
}

TEST_CASE("holding a message: its job is cancelled, naming who held it", "[console]") {
    ConsoleFixture f;
    const auto staff = f.session("xiaoli", {"toyland"});
    const std::string job = "festival:T0007:2027-09-15:mid_autumn";
    REQUIRE(job_of(f, "toyland", job)->state == JobState::planned);

    SECTION("without the form's CSRF token it is refused and nothing changes") {
        const auto r = f.post("/stores/toyland/today/hold", {{"job", job}}, staff);
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(job_of(f, "toyland", job)->state == JobState::planned);
    }
    SECTION("held: cancelled, gone from the messages, in the skipped list in words") {
        auto r =
            f.post("/stores/toyland/today/hold", {{"csrf", f.csrf(staff)}, {"job", job}}, staff);
        REQUIRE(r);
        CHECK(r->status == 303);
        const auto location = r->get_header_value("Location");
        CHECK_THAT(location, Catch::StartsWith("/stores/toyland/today?held="));
        const auto held = job_of(f, "toyland", job);
        CHECK(held->state == JobState::cancelled);
        CHECK(held->error == "held by staff xiaoli");
        // Only that job: the others of the day are still planned.
        CHECK(job_of(f, "toyland", "birthday:T0002:2027-09-15")->state == JobState::planned);
        CHECK(job_of(f, "toyland", "festival:T0006:2027-09-15:mid_autumn")->state ==
              JobState::planned);

        r = f.get(location, staff);
        REQUIRE(r);
        save_page("today-held", r->body);
        CHECK(item_of(r->body, "message", "T0007").empty());
        CHECK(page_messages(r->body).size() == 9);
        const auto skip = item_of(r->body, "skip", "T0007");
        CHECK_THAT(skip, Catch::Contains("店员 xiaoli 暂停了今天的消息"));
        CHECK_THAT(skip, Catch::Contains("data-reason=\"held\""));
        CHECK_THAT(r->body, Catch::Contains("id=\"notice\""));
        CHECK_THAT(r->body, Catch::Contains("已暂停刘洋今天的消息"));

        // Again: it has ended, nothing changes.
        r = f.post("/stores/toyland/today/hold", {{"csrf", f.csrf(staff)}, {"job", job}}, staff);
        REQUIRE(r);
        CHECK_THAT(r->get_header_value("Location"), Catch::Contains("?ended="));
        CHECK(job_of(f, "toyland", job)->error == "held by staff xiaoli");
    }
    SECTION("a job planned as a record of its day's sheet (layout 2) is held the same way") {
        auto redis = f.redis_server.connect();
        SheetStore sheets(redis);
        sheets.set_layout("toyland", sheet_layout);
        const Date day = *parse_date("2027-09-15");
        const SysSeconds start = *parse_instant("2027-09-15T00:00:00+08:00");
        Job record;
        record.store = "toyland";
        record.kind = Kind::birthday;
        record.member_id = "T0099";
        record.occasion_date = day;
        record.id = make_job_id(record.kind, record.member_id, day);
        record.due_at = start + std::chrono::hours(18);
        const DaySheets n = sheets.sheets_for_day("toyland", day, 10);
        REQUIRE(sheets.plan("toyland", day, start, n, {record}) == 1);
        const auto r = f.post("/stores/toyland/today/hold",
                              {{"csrf", f.csrf(staff)}, {"job", record.id}}, staff);
        REQUIRE(r);
        CHECK_THAT(r->get_header_value("Location"), Catch::Contains("?held="));
        const auto held =
            sheets.find("toyland", record.id, f.rt.config.find_store("toyland")->zone);
        REQUIRE(held);
        CHECK(held->state == JobState::cancelled);
        // Who held it, as a job hash's error says it: the record's note.
        CHECK(held->error == "held by staff xiaoli");
    }
    SECTION("an unknown job is the 404 page") {
        const auto r =
            f.post("/stores/toyland/today/hold",
                   {{"csrf", f.csrf(staff)}, {"job", "birthday:NOBODY:2027-09-15"}}, staff);
        REQUIRE(r);
        CHECK(r->status == 404);
    }
}

TEST_CASE("approval before send: nothing of the store leaves before a person approves the day",
          "[console]") {
    ConsoleFixture f;  // planned at 12:00, before approval was turned on
    f.rt.config.stores.at("toyland").approve_before_send = true;
    const auto owner = f.session("boss");
    TempDir dir;
    const auto port = [] { return std::to_string(free_port()); };
    std::vector<std::string> env = f.env;
    env[1] = "HUITOU_NOW=2027-09-15T16:00:00+08:00";  // every job of the day due
    const std::vector<std::string> common{"--set", "endpoints.sms=tcp://127.0.0.1:" + port(),
                                          "--set", "endpoints.wechat=tcp://127.0.0.1:" + port(),
                                          "--set", "endpoints.results=tcp://127.0.0.1:" + port(),
                                          "--set", "stores.toyland.approve_before_send=true"};
    const auto program = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> a{bin(name)};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    Process sms(program("huitou-sms", {"--outbox", dir.file("sms.jsonl")}), env,
                dir.file("sms.log"));
    Process wechat(program("huitou-wechat", {"--outbox", dir.file("wechat.jsonl")}), env,
                   dir.file("wechat.log"));
    const auto scheduler_once = [&] {
        const auto r =
            run(program("huitou-scheduler", {"--once", "--set", "scheduler.once_wait_seconds=20"}),
                env);
        INFO(r.out << r.err);
        REQUIRE(r.status == 0);
        return r;
    };
    const auto sent_to = [&](const std::string& store) {
        std::set<std::string> jobs;
        for (const char* file : {"sms.jsonl", "wechat.jsonl"}) {
            std::ifstream in(dir.file(file));
            for (std::string line; std::getline(in, line);) {
                const auto j = nlohmann::json::parse(line);
                if (j.at("store") == store) jobs.insert(j.at("job_id").get<std::string>());
            }
        }
        return jobs;
    };

    const auto before = f.get("/stores/toyland/today", owner);
    REQUIRE(before);
    const auto planned = page_messages(before->body);
    REQUIRE(planned.size() == 10);
    CHECK_THAT(before->body, Catch::Contains("今天的消息还没有批准"));
    CHECK_THAT(
        before->body,
        Catch::Contains(
            "<form method=\"post\" action=\"/stores/toyland/today/approve\" id=\"approve\""));
    CHECK_THAT(before->body, Catch::Contains("id=\"approve-submit\""));
    for (const auto& [member, kind, job, text] : planned) {
        INFO(job);
        CHECK_THAT(before->body, Catch::Contains("<input type=\"checkbox\" name=\"job\" value=\"" +
                                                 job + "\" form=\"approve\" checked>"));
    }
    save_page("today-approval", before->body);

    // Unapproved: the scheduler sends babycare's day, nothing of toyland's.
    scheduler_once();
    CHECK(sent_to("toyland").empty());
    CHECK(sent_to("babycare").size() == 6);
    for (const auto& [member, kind, job, text] : planned)
        CHECK(job_of(f, "toyland", job)->state == JobState::planned);
    // A sent message cannot be held: the page says so, the job stays sent.
    const std::string sent_job = *sent_to("babycare").begin();
    auto r =
        f.post("/stores/babycare/today/hold", {{"csrf", f.csrf(owner)}, {"job", sent_job}}, owner);
    REQUIRE(r);
    CHECK_THAT(r->get_header_value("Location"), Catch::Contains("?late="));
    CHECK(job_of(f, "babycare", sent_job)->state == JobState::sent);
    r = f.get(r->get_header_value("Location"), owner);
    CHECK_THAT(r->body, Catch::Contains("已经在发送或已发出，不能再暂停"));

    // Refused with nothing written: another day, a store that needs no approval.
    r = f.post("/stores/toyland/today/approve", {{"csrf", f.csrf(owner)}, {"day", "2027-09-16"}},
               owner);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Catch::Contains("只能批准今天（2027-09-15）的消息"));
    r = f.post("/stores/babycare/today/approve", {{"csrf", f.csrf(owner)}, {"day", "2027-09-15"}},
               owner);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Catch::Contains("这个门店的消息不需要审批"));
    CHECK(f.get("/stores/toyland/today", owner)->body.find("今天的消息还没有批准") !=
          std::string::npos);

    // Approve all but one.
    const std::string unticked = std::get<2>(planned[1]);
    httplib::Params form{{"csrf", f.csrf(owner)}, {"day", "2027-09-15"}};
    for (const auto& [member, kind, job, text] : planned) {
        form.emplace("shown", job);
        if (job != unticked) form.emplace("job", job);
    }
    r = f.post("/stores/toyland/today/approve", form, owner);
    REQUIRE(r);
    CHECK(r->status == 303);
    CHECK(r->get_header_value("Location") == "/stores/toyland/today?approved=9&cancelled=1");
    const auto cancelled = job_of(f, "toyland", unticked);
    CHECK(cancelled->state == JobState::cancelled);
    CHECK(cancelled->error == "not approved by boss");
    r = f.get("/stores/toyland/today", owner);
    REQUIRE(r);
    save_page("today-approved", r->body);
    CHECK_THAT(r->body, Catch::Contains("今天的消息已由 <b>boss</b> 在 2027-09-15 12:00 批准"));
    CHECK_THAT(r->body, !Catch::Contains("id=\"approve\""));
    CHECK_THAT(item_of(r->body, "skip", std::get<0>(planned[1])),
               Catch::Contains("boss 审批时未勾选"));

    // Approved: the ticked ones go, the unticked one does not.
    scheduler_once();
    std::set<std::string> expected;
    for (const auto& [member, kind, job, text] : planned)
        if (job != unticked) expected.insert(job);
    CHECK(sent_to("toyland") == expected);
    CHECK(job_of(f, "toyland", unticked)->state == JobState::cancelled);
    CHECK(sent_to("babycare").size() == 6);
}

TEST_CASE("approval before send: a day nobody approved ends expired, as late greetings do",
          "[console]") {
    ConsoleFixture f;  // planned at 12:00
    const auto once_at = [&](const std::string& now) {
        std::vector<std::string> env = f.env;
        env[1] = "HUITOU_NOW=" + now;
        const auto r =
            run({bin("huitou-scheduler"), "--once", "--set", "scheduler.once_wait_seconds=1",
                 "--set", "endpoints.sms=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
                 "endpoints.wechat=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
                 "endpoints.results=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
                 "stores.toyland.approve_before_send=true"},
                env);
        INFO(r.out << r.err);
        CHECK((r.status == 0 || r.status == 3));
    };
    const std::string job = "birthday:T0002:2027-09-15";
    // Due since 13:35 but not approved: not dispatched, still planned.
    once_at("2027-09-15T16:00:00+08:00");
    CHECK(job_of(f, "toyland", job)->state == JobState::planned);
    // It waits at its day's end (its expiry), not at its own time: its hash
    // in the due set, or, planned as a record, its sheet in the sheet due set.
    auto redis = f.redis_server.connect();
    const auto place = SheetStore(redis).locate("toyland", {job}).at(0);
    const auto score =
        place ? redis.command({"ZSCORE", "hu:{toyland}:sheetdue",
                               format_date(place->day) + ":" + std::to_string(place->sheet)})
              : redis.command({"ZSCORE", "hu:{toyland}:due", job});
    CHECK(score.str ==
          std::to_string(job_of(f, "toyland", job)->expires_at.time_since_epoch().count()));
    // The day is over: it expired, never sent.
    once_at("2027-09-16T00:00:30+08:00");
    CHECK(job_of(f, "toyland", job)->state == JobState::expired);
}

TEST_CASE("huitou approve: the same approval from a terminal", "[console]") {
    ConsoleFixture f;
    f.rt.config.stores.at("toyland").approve_before_send = true;
    const std::string on = "stores.toyland.approve_before_send=true";
    const std::string except = "festival:T0007:2027-09-15:mid_autumn";

    SECTION(
        "refused, with nothing written, for a store without approval, another day, a bad "
        "--except") {
        auto r =
            f.huitou({"approve", "--store", "toyland", "--date", "2027-09-15", "--by", "boss"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("approve_before_send is off"));
        r = f.huitou(
            {"--set", on, "approve", "--store", "toyland", "--date", "2027-09-16", "--by", "boss"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("only the store's today (2027-09-15)"));
        r = f.huitou({"--set", on, "approve", "--store", "toyland", "--date", "2027-09-15", "--by",
                      "boss", "--except", "birthday:T0004:2027-09-15"});
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::Contains("--except birthday:T0004:2027-09-15: not a planned"));
        const auto page = f.get("/stores/toyland/today", f.session("boss"));
        CHECK_THAT(page->body, Catch::Contains("今天的消息还没有批准"));
    }
    SECTION("approved but one: the page says who, the one is cancelled") {
        const auto r = f.huitou({"--set", on, "approve", "--store", "toyland", "--date",
                                 "2027-09-15", "--by", "boss", "--except", except});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::Contains("9 messages may go, 1 cancelled"));
        CHECK(job_of(f, "toyland", except)->error == "not approved by boss");
        const auto page = f.get("/stores/toyland/today", f.session("boss"));
        CHECK_THAT(page->body,
                   Catch::Contains("今天的消息已由 <b>boss</b> 在 2027-09-15 12:00 批准"));
        CHECK(page_messages(page->body).size() == 9);
    }
}
