// The results page (console/results_page.h) and the health page
// (console/health_page.h) on a real admin server and Redis: the demo
// imported and planned by the real programs, results written through the
// real scripts (claim_due, record_result, record_delivery, create_job), the
// numbers compared with `huitou report --json` and `huitou preview --json`,
// the chart's bars with the messages sent per day, and a worker's /readyz
// asked on a real socket.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/delivery_policy.h"
#include "io/job_listing.h"
#include "io/job_store.h"
#include "io/redis_keys.h"
#include "scheduler/visit_http.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

SysSeconds at(const char* text) {
    return *parse_instant(text);
}

// Keeps a page's HTML under the build folder, to be read by a person.
void save(const std::string& name, const std::string& html) {
    const auto dir =
        std::filesystem::path(bin("huitou")).parent_path().parent_path() / "console-pages";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / (name + ".html")) << html;
}

// The row of `kind` in table#results-by-kind.
std::string row_of(const std::string& html, const std::string& kind) {
    const auto start = html.find("<tr data-kind=\"" + kind + "\">");
    if (start == std::string::npos) return {};
    return html.substr(start, html.find("</tr>", start) - start);
}

// The number right after `marker` in `text` from `from` on, or -1.
long long number_after(const std::string& text, const std::string& marker, std::size_t from = 0) {
    const auto at = text.find(marker, from);
    if (at == std::string::npos) return -1;
    std::size_t i = at + marker.size();
    long long n = 0;
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
        n = n * 10 + (text[i] - '0');
    return n;
}

// The number in <td class="`cls`"> of `row`, or -1.
long long cell(const std::string& row, const std::string& cls) {
    return number_after(row, "<td class=\"" + cls + "\">");
}

// reason code → count listed in a row's "not sent" cell.
std::map<std::string, long long> reasons_of(const std::string& row) {
    std::map<std::string, long long> out;
    const std::string marker = "data-reason=\"";
    for (auto at = row.find(marker); at != std::string::npos; at = row.find(marker, at + 1)) {
        const auto begin = at + marker.size();
        const auto code = row.substr(begin, row.find('"', begin) - begin);
        out[code] = number_after(row, "<span class=\"count\">", begin);
    }
    return out;
}

// The data-value of every bar of svg#chart-daily, in order.
std::vector<long long> bars_of(const std::string& html) {
    const auto start = html.find("id=\"chart-daily\"");
    const auto svg = html.substr(start, html.find("</svg>", start) - start);
    std::vector<long long> out;
    const std::string marker = "<rect class=\"bar\"";
    for (auto at = svg.find(marker); at != std::string::npos; at = svg.find(marker, at + 1))
        out.push_back(number_after(svg, "data-value=\"", at));
    return out;
}

ResultMessage result(const Job& job, Outcome outcome, SysSeconds when, std::string error = {}) {
    ResultMessage r;
    r.store = job.store;
    r.job_id = job.id;
    r.outcome = outcome;
    r.provider = "outbox";
    r.error = std::move(error);
    r.at = when;
    r.worker = "test";
    return r;
}

// Three birthday jobs of toyland due on 2027-08-20, created by the real
// script and sent that day: August's results and a bar on the chart.
std::vector<Job> august_jobs() {
    std::vector<Job> jobs;
    for (const char* member : {"T0001", "T0002", "T0004"}) {
        Job j;
        j.store = "toyland";
        j.kind = Kind::birthday;
        j.member_id = member;
        j.occasion_date = *parse_date("2027-08-20");
        j.id = make_job_id(j.kind, member, j.occasion_date, "");
        j.channel = Channel::sms;
        j.to = "+8613800138001";
        j.text = "生日快乐";
        j.marketing = true;
        j.due_at = at("2027-08-20T10:00:00+08:00");
        j.expires_at = at("2027-08-21T00:00:00+08:00");
        jobs.push_back(j);
    }
    return jobs;
}

struct Outcomes {
    std::string failed_id;  // failed with invalid_number
    std::string failed_member;
    Kind failed_kind = Kind::birthday;
    std::string delivered_id;
    Kind delivered_kind = Kind::birthday;
    long long sent_today = 0;  // taken by the provider on 2027-09-15 (delivered included)
};

// Dispatches toyland's planned jobs of the fixture's day and records
// their results: one failed, one delivered, the others sent.
Outcomes send_today(ConsoleFixture& f, RedisConnection& redis) {
    JobStore jobs(redis, f.rt.config.scheduler);
    // The day's jobs are due from 13:30 on (spread over the afternoon); any
    // that `huitou-scheduler --once` pushed to absent workers are due again
    // once their deadline passes, as in life. 18:00 has them all.
    const SysSeconds later = at("2027-09-15T18:00:00+08:00");
    jobs.requeue_overdue("toyland", later, 1000);
    // With the delivery policy: a planned job of a store on day sheets is a
    // record, claimed only so.
    const auto rules = dispatch_rules(*f.rt.config.find_store("toyland"), later);
    const auto claimed = jobs.claim_due("toyland", later, 500, &rules);
    REQUIRE(claimed.jobs.size() >= 3);
    Outcomes o;
    const SysSeconds when = at("2027-09-15T18:01:00+08:00");
    for (std::size_t i = 0; i < claimed.jobs.size(); ++i) {
        const auto& job = claimed.jobs[i];
        if (i == 0) {
            REQUIRE(jobs.record(result(job, Outcome::failed, when, "invalid_number")) ==
                    JobState::failed);
            o.failed_id = job.id;
            o.failed_member = job.member_id;
            o.failed_kind = job.kind;
            continue;
        }
        REQUIRE(jobs.record(result(job, Outcome::sent, when)) == JobState::sent);
        ++o.sent_today;
        if (i == 1) {
            REQUIRE(jobs.record_delivery("toyland", job.id, "delivered", when) ==
                    JobState::delivered);
            o.delivered_id = job.id;
            o.delivered_kind = job.kind;
        }
    }
    return o;
}

}  // namespace

TEST_CASE("results page: the month per occasion, the chart, navigation, bad input", "[console]") {
    ConsoleFixture f;  // 2027-09-15 12:00 Shanghai, the demo planned
    auto redis = f.redis_server.connect();
    const auto owner = f.session("boss");

    // What planning left out, as the preview explains the day.
    const auto preview =
        f.huitou({"preview", "--date", "2027-09-15", "--store", "toyland", "--json"});
    REQUIRE(preview.status == 0);
    std::map<std::string, std::map<std::string, long long>> skipped;  // kind → reason → n
    const auto previewed = nlohmann::json::parse(preview.out);
    for (const auto& s : previewed.at("stores").at(0).at("skipped"))
        if (s.at("reason") != "holdout") ++skipped[s.at("kind")][s.at("reason")];
    REQUIRE_FALSE(skipped.empty());

    // August: three messages created and sent on the 20th.
    JobStore jobs(redis, f.rt.config.scheduler);
    REQUIRE(jobs.create(august_jobs()) == 3);
    const auto august = jobs.claim_due("toyland", at("2027-08-20T12:00:00+08:00"), 500);
    REQUIRE(august.jobs.size() == 3);
    for (const auto& job : august.jobs)
        REQUIRE(jobs.record(result(job, Outcome::sent, at("2027-08-20T10:05:00+08:00"))) ==
                JobState::sent);
    const auto today = send_today(f, redis);

    SECTION("September's numbers are the effect report's and the jobs'") {
        const auto r = f.get("/stores/toyland/results?month=2027-09", owner);
        REQUIRE(r);
        save("results", r->body);
        REQUIRE(r->status == 200);
        CHECK(r->body.find("id=\"results-by-kind\"") != std::string::npos);
        CHECK(r->body.find("<section id=\"winback\">") != std::string::npos);

        const auto report = f.huitou({"report", "--store", "toyland", "--from", "2027-09-01",
                                      "--to", "2027-09-30", "--json"});
        REQUIRE(report.status == 0);
        const auto fx = nlohmann::json::parse(report.out);
        REQUIRE_FALSE(fx.at("kinds").empty());
        for (const auto& k : fx.at("kinds")) {
            const std::string kind = k.at("kind");
            INFO(kind);
            const auto row = row_of(r->body, kind);
            REQUIRE_FALSE(row.empty());
            CHECK(cell(row, "sent") == k.at("messaged").at("sent").get<long long>());
            CHECK(cell(row, "came-back") == k.at("messaged").at("came_back").get<long long>());
        }

        // Planned, delivered, failed: counted again from the jobs themselves.
        std::map<std::string, long long> planned;
        for (const auto& job : JobListing(redis).find_hashes("toyland", {}))
            if (job.state != JobState::held && format_date(job.occasion_date) >= "2027-09-01")
                ++planned[std::string(to_string(job.kind))];
        long long sent_total = 0;
        for (const auto& [kind, n] : planned) {
            INFO(kind);
            const auto row = row_of(r->body, kind);
            CHECK(cell(row, "planned") == n);
            sent_total += cell(row, "sent");
        }
        CHECK(sent_total == today.sent_today);
        CHECK(cell(row_of(r->body, std::string(to_string(today.failed_kind))), "failed") == 1);
        CHECK(cell(row_of(r->body, std::string(to_string(today.delivered_kind))), "delivered") ==
              1);

        // Skipped by reason: what planning recorded is what the preview says.
        for (const auto& [kind, reasons] : skipped) {
            INFO(kind);
            CHECK(reasons_of(row_of(r->body, kind)) == reasons);
        }
        // Win-back: the effect report's row (none this month in the demo).
        CHECK(r->body.find("<b id=\"winback-reminded\">0</b>") != std::string::npos);
        CHECK(r->body.find("<b id=\"winback-churned\">0</b>") != std::string::npos);
    }
    SECTION("the chart: one bar a day for 90 days, as high as the messages sent") {
        const auto r = f.get("/stores/toyland/results", owner);
        REQUIRE(r);
        REQUIRE(r->status == 200);
        const auto bars = bars_of(r->body);
        REQUIRE(bars.size() == 90);
        // 2027-09-15 is the last bar; 2027-08-20 is 26 days before it.
        CHECK(bars.back() == today.sent_today);
        CHECK(bars[89 - 26] == 3);
        long long total = 0;
        for (const auto b : bars)
            total += b;
        CHECK(total == today.sent_today + 3);
        CHECK(r->body.find("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
                           "id=\"chart-daily\"") != std::string::npos);
    }
    SECTION("months: this month by default, links before and after, August's own numbers") {
        auto r = f.get("/stores/toyland/results", owner);
        REQUIRE(r);
        CHECK(r->body.find("<strong id=\"month-current\">2027年9月</strong>") != std::string::npos);
        CHECK(r->body.find("href=\"/stores/toyland/results?month=2027-08\"") != std::string::npos);
        CHECK(r->body.find("id=\"month-next\"") == std::string::npos);  // no future month
        r = f.get("/stores/toyland/results?month=2027-08", owner);
        REQUIRE(r);
        save("results-august", r->body);
        REQUIRE(r->status == 200);
        CHECK(r->body.find("<strong id=\"month-current\">2027年8月</strong>") != std::string::npos);
        CHECK(r->body.find("href=\"/stores/toyland/results?month=2027-09\"") != std::string::npos);
        CHECK(r->body.find("href=\"/stores/toyland/results?month=2027-07\"") != std::string::npos);
        const auto row = row_of(r->body, "birthday");
        CHECK(cell(row, "planned") == 3);
        CHECK(cell(row, "sent") == 3);
        CHECK(row_of(r->body, "festival").empty());
        // August was planned before the skips were kept: the page says so.
        CHECK(r->body.find("31 天") != std::string::npos);
        r = f.get("/stores/toyland/results?month=2026-01", owner);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body.find("id=\"results-empty\"") != std::string::npos);
    }
    SECTION("a bad month is a 400 page that names it") {
        for (const auto* bad : {"2027-13", "2027-9", "abc", "2027-09-01", "1999-12"}) {
            INFO(bad);
            const auto r = f.get(std::string("/stores/toyland/results?month=") + bad, owner);
            REQUIRE(r);
            CHECK(r->status == 400);
            CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
            CHECK(r->body.find(std::string("“") + bad + "”") != std::string::npos);
            CHECK(r->body.find("id=\"bad-month\"") != std::string::npos);
        }
        const auto r = f.get("/stores/toyland/results?month=%3Cscript%3E", owner);
        REQUIRE(r);
        save("results-bad-month", r->body);
        CHECK(r->status == 400);
        CHECK(r->body.find("<script>") == std::string::npos);
        CHECK(r->body.find("&lt;script&gt;") != std::string::npos);
    }
    SECTION("another store's results are the same 404 as none") {
        const auto staff = f.session("xiaoli", {"toyland"});
        CHECK(f.get("/stores/toyland/results", staff)->status == 200);
        const auto other = f.get("/stores/babycare/results", staff);
        const auto none = f.get("/stores/nosuchstore/results", staff);
        REQUIRE(other);
        REQUIRE(none);
        CHECK(other->status == 404);
        CHECK(none->status == 404);
        CHECK(other->body == none->body);
        CHECK(f.get("/stores/toyland/results")->status == 303);  // nobody: to /login
    }
}

TEST_CASE("health page: failed jobs, the last visit, the workers, owners only", "[console]") {
    ConsoleFixture f;
    auto redis = f.redis_server.connect();
    const auto owner = f.session("boss");
    VisitHttpHandler visits(f.rt.config, f.rt.redis, *f.rt.clock);
    f.server->on_post("/api/visits", std::ref(visits));
    const int worker_port = free_port();
    f.rt.config.sms.admin_listen = "127.0.0.1:" + std::to_string(worker_port);

    SECTION("staff get the 404 page; nobody goes to /login") {
        const auto staff = f.session("xiaoli", {"toyland"});
        const auto r = f.get("/health", staff);
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK(r->body == f.get("/stores/nosuchstore/results", staff)->body);
        const auto nobody = f.get("/health");
        REQUIRE(nobody);
        CHECK(nobody->status == 303);
        const auto location = nobody->get_header_value("Location");
        CHECK((location == "/login?next=%2Fhealth" || location == "/login?next=/health"));
        // An owner of some stores sees the page, with only their stores.
        const auto some = f.session("manager", {"toyland"}, "owner");
        const auto mine = f.get("/health", some);
        REQUIRE(mine);
        CHECK(mine->status == 200);
        CHECK(mine->body.find("data-store=\"toyland\"") != std::string::npos);
        CHECK(mine->body.find("data-store=\"babycare\"") == std::string::npos);
    }
    SECTION("a failed job with its reason and its member's page; today's jobs by state") {
        const auto o = send_today(f, redis);
        const auto r = f.get("/health", owner);
        REQUIRE(r);
        save("health", r->body);
        REQUIRE(r->status == 200);
        for (const auto* id :
             {"health-jobs", "health-providers", "health-visits", "health-programs"})
            CHECK(r->body.find(std::string("<section id=\"") + id + "\">") != std::string::npos);
        const auto problem = r->body.find("data-job=\"" + o.failed_id + "\"");
        REQUIRE(problem != std::string::npos);
        const auto item = r->body.substr(problem, r->body.find("</li>", problem) - problem);
        CHECK(item.find("href=\"/stores/toyland/members/" + o.failed_member + "\"") !=
              std::string::npos);
        CHECK(item.find("data-code=\"invalid_number\"") != std::string::npos);
        CHECK(r->body.find("data-state=\"failed\">失败 <b class=\"count\">1</b>") !=
              std::string::npos);
        CHECK(r->body.find("data-state=\"delivered\">已送达 <b class=\"count\">1</b>") !=
              std::string::npos);
        // The provider's errors of the week name the code.
        const auto providers = r->body.substr(r->body.find("<section id=\"health-providers\">"));
        CHECK(providers.find("<li data-code=\"invalid_number\">") != std::string::npos);
    }
    SECTION("the last visit from the POS, once one arrives") {
        auto r = f.get("/health", owner);
        REQUIRE(r);
        CHECK(r->body.find("class=\"muted pos-none\"") != std::string::npos);
        CHECK(r->body.find("class=\"pos-at\"") == std::string::npos);
        httplib::Client api("127.0.0.1", f.server->port());
        const auto posted = api.Post(
            "/api/visits",
            R"({"store": "toyland", "member_id": "T0001", "visited_at": "2027-09-15T11:30:00+08:00", "amount": "88.00"})",
            "application/json");
        REQUIRE(posted);
        REQUIRE(posted->status == 200);
        r = f.get("/health", owner);
        REQUIRE(r);
        const auto toyland = r->body.find("<li class=\"pos\" data-store=\"toyland\">");
        REQUIRE(toyland != std::string::npos);
        const auto item = r->body.substr(toyland, r->body.find("</li>", toyland) - toyland);
        // Recorded at the fixture's now (12:00), by the HTTP door.
        CHECK(item.find("<b class=\"pos-at\">2027-09-15 12:00</b>") != std::string::npos);
        CHECK(item.find("HTTP") != std::string::npos);
        const auto babycare = r->body.find("<li class=\"pos\" data-store=\"babycare\">");
        REQUIRE(babycare != std::string::npos);
        CHECK(r->body.substr(babycare, 200).find("pos-none") != std::string::npos);
    }
    SECTION("a worker is down while its /readyz does not answer, up when it does") {
        auto r = f.get("/health", owner);
        REQUIRE(r);
        CHECK(r->body.find("id=\"worker-sms\" data-up=\"no\"") != std::string::npos);
        CHECK(r->body.find("连不上") != std::string::npos);
        // The WeChat worker has no admin_listen in the config: not checkable.
        CHECK(r->body.find("id=\"worker-wechat\" data-up=\"no\"") != std::string::npos);
        CHECK(r->body.find("wechat.admin_listen") != std::string::npos);

        httplib::Server worker;
        worker.Get("/readyz", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("ready", "text/plain");
        });
        worker.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(
                "huitou_worker_throttled_total{channel=\"sms\"} 7\n"
                "huitou_worker_capped_total{channel=\"sms\"} 2\n"
                "huitou_worker_results_total{store=\"toyland\",kind=\"birthday\","
                "channel=\"sms\",outcome=\"failed\"} 4\n",
                "text/plain");
        });
        std::thread serving([&] { worker.listen("127.0.0.1", worker_port); });
        REQUIRE(eventually([&] {
            httplib::Client c("127.0.0.1", worker_port);
            const auto ok = c.Get("/readyz");
            return ok && ok->status == 200;
        }));
        r = f.get("/health", owner);
        save("health-worker-up", r->body);
        CHECK(r->body.find("id=\"worker-sms\" data-up=\"yes\"") != std::string::npos);
        CHECK(r->body.find("<b class=\"throttled\">7</b>") != std::string::npos);
        CHECK(r->body.find("<b class=\"capped\">2</b>") != std::string::npos);
        CHECK(r->body.find("<b class=\"failed\">4</b>") != std::string::npos);

        // Gone again: down again.
        worker.stop();
        serving.join();
        r = f.get("/health", owner);
        CHECK(r->body.find("id=\"worker-sms\" data-up=\"no\"") != std::string::npos);
    }
    SECTION("a store without a scheduler's lease says so; with one, it is served") {
        auto r = f.get("/health", owner);
        CHECK(r->body.find("data-store=\"toyland\"><span class=\"tag bad\">没有程序负责") !=
              std::string::npos);
        REQUIRE(redis.command({"SET", keys::lease("toyland"), "replica-1", "PX", "15000"}).str ==
                "OK");
        r = f.get("/health", owner);
        CHECK(r->body.find("data-store=\"toyland\"><span class=\"tag ok\">有程序负责") !=
              std::string::npos);
    }
}

namespace {

// Plans the fixture's day as `huitou-scheduler --once` does, with `storage`.
void plan_with(ConsoleFixture& f, const std::string& storage) {
    const auto once =
        run({bin("huitou-scheduler"), "--once", "--set", "scheduler.once_wait_seconds=1", "--set",
             "scheduler.job_storage=" + storage, "--set",
             "endpoints.sms=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.wechat=tcp://127.0.0.1:" + std::to_string(free_port()), "--set",
             "endpoints.results=tcp://127.0.0.1:" + std::to_string(free_port())},
            f.env);
    INFO(once.out << once.err);
    REQUIRE((once.status == 0 || once.status == 3));
}

// Claims toyland's jobs due by 18:00 with the delivery policy (records are
// claimed only so) and records results by job id, the same on either
// layout: the first fails, the second is delivered, the others are sent.
void send_by_id(ConsoleFixture& f, RedisConnection& redis) {
    JobStore jobs(redis, f.rt.config.scheduler);
    const SysSeconds later = at("2027-09-15T18:00:00+08:00");
    jobs.requeue_overdue("toyland", later, 1000);
    const auto rules = dispatch_rules(*f.rt.config.find_store("toyland"), later);
    auto claimed = jobs.claim_due("toyland", later, 500, &rules).jobs;
    REQUIRE(claimed.size() >= 3);
    std::sort(claimed.begin(), claimed.end(),
              [](const Job& a, const Job& b) { return a.id < b.id; });
    const SysSeconds when = at("2027-09-15T18:01:00+08:00");
    for (std::size_t i = 0; i < claimed.size(); ++i) {
        const auto outcome = i == 0 ? Outcome::failed : Outcome::sent;
        REQUIRE(jobs.record(result(claimed[i], outcome, when, i == 0 ? "invalid_number" : "")) ==
                (i == 0 ? JobState::failed : JobState::sent));
        if (i == 1) jobs.record_delivery("toyland", claimed[i].id, "delivered", when);
    }
}

}  // namespace

TEST_CASE("results page: a store on day sheets shows the numbers the same store on hashes does",
          "[console]") {
    ConsoleFixture hashes("2027-09-15T12:00:00+08:00", false);
    ConsoleFixture sheets("2027-09-15T12:00:00+08:00", false);
    plan_with(hashes, "hashes");
    plan_with(sheets, "sheets");
    auto hashes_redis = hashes.redis_server.connect();
    auto sheets_redis = sheets.redis_server.connect();
    // The day's messages are records on one, job hashes with touches on the other.
    REQUIRE(sheets_redis.command({"GET", keys::jobs_version("toyland")}).str == "2");
    REQUIRE(sheets_redis.command({"EXISTS", keys::touches(only_shard("toyland"))}).integer == 0);
    REQUIRE(hashes_redis.command({"ZCARD", keys::touches(only_shard("toyland"))}).integer > 0);

    const auto compare = [&](const char* when) {
        INFO(when);
        const auto by_hashes = hashes.get("/stores/toyland/results", hashes.session("boss"));
        const auto by_sheets = sheets.get("/stores/toyland/results", sheets.session("boss"));
        REQUIRE(by_hashes);
        REQUIRE(by_sheets);
        REQUIRE(by_sheets->status == 200);
        save(std::string("results-sheets-") + when, by_sheets->body);
        std::size_t kinds = 0;
        for (const auto kind : {Kind::birthday, Kind::child_birthday, Kind::festival,
                                Kind::card_expiry, Kind::winback}) {
            const std::string name(to_string(kind));
            INFO(name);
            const auto row = row_of(by_hashes->body, name);
            CHECK(row_of(by_sheets->body, name).empty() == row.empty());
            if (row.empty()) continue;
            ++kinds;
            const auto other = row_of(by_sheets->body, name);
            for (const auto* c : {"planned", "sent", "delivered", "failed", "came-back"})
                CHECK(cell(other, c) == cell(row, c));
            CHECK(reasons_of(other) == reasons_of(row));
            CHECK(other == row);  // the held-out group, the waiting ones: all of it
        }
        CHECK(kinds >= 1);
        CHECK(bars_of(by_sheets->body) == bars_of(by_hashes->body));
    };
    compare("planned");
    send_by_id(hashes, hashes_redis);
    send_by_id(sheets, sheets_redis);
    compare("sent");
    // The health page's problem jobs: the same failed one.
    const auto health = sheets.get("/health", sheets.session("boss"));
    REQUIRE(health);
    CHECK(health->body.find("data-state=\"failed\">失败 <b class=\"count\">1</b>") !=
          std::string::npos);
    CHECK(health->body.find("data-code=\"invalid_number\"") != std::string::npos);
}
