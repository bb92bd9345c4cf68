// A store on day sheets (scheduler.job_storage = "sheets", docs/architecture.md
// "day sheets") from planning to the outbox, on a real Redis, real sockets and
// the outbox worker, with a fixed clock moved by hand: a 中秋 for a few
// hundred generated members planned into records (no job hash), sent once
// each with the words the hashes layout sends for the same members and
// config (both are run and compared), due by sheet, a retry and a member
// changed since planning written to as they are now, a replan creating
// nothing.
#include <catch2/catch.hpp>

#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/job_record.h"
#include "io/effect_store.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/sheet_store.h"
#include "scheduler/day_preview.h"
#include "scheduler/scheduler.h"
#include "tests/support/test_redis.h"
#include "workers/outbox_sender.h"
#include "workers/worker.h"

using namespace huitou;
using namespace huitou::test;
using namespace std::chrono_literals;

namespace {

std::string config_text(const std::string& storage) {
    return R"(
[endpoints]
sms = "tcp://127.0.0.1:*"
wechat = "tcp://127.0.0.1:*"
results = "tcp://127.0.0.1:*"
[scheduler]
retry_delay_seconds = 1
job_storage = ")" +
           storage + R"("
[stores.toyland]
name = "童乐玩具"
send_time = "10:00"
festivals = ["mid_autumn"]
card_expiry_days = []
[stores.toyland.winback]
enabled = false
)";
}

constexpr int kMembers = 300;
const Date kDay = *parse_date("2027-09-15");  // 中秋

std::string member_id(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "F%04d", i);
    return buf;
}

// Generated members: a third on WeChat, the rest on SMS; every tenth has her
// birthday on the festival (one greeting naming both), every seventh a
// birth year (an age in the words); names and genders vary.
MemberRecord generated_member(int i) {
    static const char* family[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄"};
    static const char* given[] = {"芳", "娜", "伟", "敏", "静", "强", "磊", "洋", "艳"};
    MemberRecord r{"toyland", member_id(i), {}, {}};
    r.set = {{"name", std::string(family[i % 8]) + given[i % 9] + (i % 4 == 0 ? "华" : "")},
             {"gender", i % 2 ? "F" : "M"},
             {"phone", "+86138" + std::to_string(10000000 + i)},
             {"sms_optin", "1"}};
    if (i % 3 == 0) {
        r.set["openid"] = "oTOY_" + member_id(i);
        r.set["wechat_optin"] = "1";
        r.set["wechat_sub"] = "1";
    }
    if (i % 10 == 0)
        r.set["birthday"] = i % 7 == 0 ? "1985-09-15" : "--09-15";
    else if (i % 7 == 0)
        r.set["birthday"] = "1990-03-0" + std::to_string(1 + i % 9);
    return r;
}

// A provider that answers `retry` to the first attempt of the jobs named,
// and sends everything else to the outbox.
struct FlakySender final : Sender {
    OutboxSender& outbox;
    std::set<std::string> fail_once;
    std::map<std::string, std::vector<JobMessage>> seen;  // job id → every attempt sent here

    explicit FlakySender(OutboxSender& o) : outbox(o) {}
    std::string_view name() const override { return "outbox"; }
    SendResult send(const JobMessage& job, SysSeconds now) override {
        seen[job.job_id].push_back(job);
        if (fail_once.erase(job.job_id)) return {Outcome::retry, {}, "HTTP 503", now};
        return outbox.send(job, now);
    }
};

struct Day {
    explicit Day(const std::string& storage)
        : config(parse_config(config_text(storage), "t.toml")) {
        spdlog::set_level(spdlog::level::warn);
        std::vector<MemberRecord> members;
        for (int i = 0; i < kMembers; ++i)
            members.push_back(generated_member(i));
        MemberStore(redis).upsert(members);
        start();
    }

    TestRedis server;
    TempDir dir;
    Config config;
    const StoreConfig& store = *config.find_store("toyland");
    TemplateSet templates = TemplateSet::load(config, nullptr);
    FixedClock clock{*parse_instant("2027-09-15T00:00:10+08:00")};
    zmq::context_t zmq;
    RedisConnection redis = server.connect();
    RedisConnection scheduler_redis = server.connect();
    RedisConnection sms_redis = server.connect();
    RedisConnection wechat_redis = server.connect();
    OutboxSender sms_outbox{dir.file("sms.jsonl"), config};
    OutboxSender wechat_outbox{dir.file("wechat.jsonl"), config};
    FlakySender sms_sender{sms_outbox};
    FlakySender wechat_sender{wechat_outbox};
    std::unique_ptr<Scheduler> scheduler;
    std::unique_ptr<Worker> sms_worker, wechat_worker;

    void start() {
        sms_worker.reset();
        wechat_worker.reset();
        scheduler.reset();
        scheduler = std::make_unique<Scheduler>(config, templates, scheduler_redis, zmq, clock);
        sms_worker = std::make_unique<Worker>(
            Channel::sms, config, sms_sender, sms_redis, zmq, clock, "sms-test",
            scheduler->job_endpoint(Channel::sms), scheduler->results_endpoint());
        wechat_worker = std::make_unique<Worker>(
            Channel::wechat, config, wechat_sender, wechat_redis, zmq, clock, "wechat-test",
            scheduler->job_endpoint(Channel::wechat), scheduler->results_endpoint());
    }

    void turn() {
        const auto now = clock.now();
        scheduler->plan_due_days(now);
        scheduler->requeue_overdue(now);
        const auto deferred = scheduler->stats().deferred;
        scheduler->dispatch_due(now);
        sms_worker->poll(20ms);
        wechat_worker->poll(20ms);
        scheduler->handle_results(20ms);
        if (scheduler->stats().deferred != deferred) clock.advance(1s);
    }

    // Turns until nothing of the store is due at the clock's time or in flight.
    bool settle() {
        JobStore jobs(scheduler_redis, config.scheduler);
        return eventually([&] {
            turn();
            const auto c = jobs.counts("toyland");
            return jobs.count_due("toyland", clock.now()) == 0 &&
                   (!c.contains("dispatched") || c.at("dispatched") == 0);
        });
    }

    // Keys of the store matching `pattern` after its prefix ("job:*").
    std::vector<std::string> keys_like(const std::string& pattern) {
        std::vector<std::string> out;
        for (const auto& e :
             redis.command({"KEYS", keys::shard_prefix(only_shard("toyland")) + pattern}).elements)
            out.push_back(e.str);
        return out;
    }

    int sheet_count() {
        const auto r =
            redis.command({"HGET", keys::sheets(only_shard("toyland"), format_date(kDay)), "n"});
        return r.type == RedisReply::Type::string ? std::stoi(r.str) : 0;
    }

    // Every record of the day: field → record, with its sheet.
    struct Entry {
        int sheet;
        JobRecord record;
    };
    std::map<std::string, Entry> records() {
        std::map<std::string, Entry> out;
        for (int i = 0; i < sheet_count(); ++i) {
            const auto reply = redis.command(
                {"HGETALL", keys::sheet(only_shard("toyland"), format_date(kDay), i)});
            for (std::size_t k = 0; k + 1 < reply.elements.size(); k += 2) {
                const auto record = decode_record(reply.elements[k + 1].str);
                REQUIRE(record);
                out.insert_or_assign(reply.elements[k].str, Entry{i, *record});
            }
        }
        return out;
    }

    // Every outbox line: job id → the lines with it.
    std::map<std::string, std::vector<nlohmann::json>> sent() {
        std::map<std::string, std::vector<nlohmann::json>> out;
        for (const auto* file : {"sms.jsonl", "wechat.jsonl"}) {
            std::istringstream in(read_file(dir.file(file)));
            for (std::string line; std::getline(in, line);) {
                auto j = nlohmann::json::parse(line);
                out[j.at("job_id").get<std::string>()].push_back(std::move(j));
            }
        }
        return out;
    }
};

}  // namespace

TEST_CASE("a festival planned into day sheets: records, no job hash, due by sheet",
          "[sheet_days]") {
    Day day("sheets");
    day.turn();  // the day planned at its midnight
    const auto planned = day.scheduler->stats().planned;
    INFO("planned " << planned);
    REQUIRE(planned >= kMembers - 10);  // everyone greeted, birthdays merged in

    // The store moved to day sheets, as a new store does with "sheets".
    CHECK(SheetStore(day.redis).layout("toyland") == sheet_layout);
    // Records only: no job hash, no due-set entry, no open-jobs index, no touch.
    CHECK(day.keys_like("job:*").empty());
    CHECK(day.keys_like("open:*").empty());
    CHECK(day.redis.command({"ZCARD", keys::due(only_shard("toyland"))}).integer == 0);
    CHECK(day.keys_like("fx:touch*").empty());
    // The day's sheet count from the store's member count (a festival day).
    CHECK(day.sheet_count() == huitou::sheet_count(kMembers));

    const auto records = day.records();
    CHECK(records.size() == planned);
    const SysSeconds day_start = start_of_day(kDay, day.store.zone);
    std::map<std::pair<int, Channel>, std::set<long long>> dues;  // (sheet, channel) → dues
    std::map<int, long long> earliest;                            // sheet → earliest due
    std::size_t merged = 0, held = 0;
    for (const auto& [field, e] : records) {
        CAPTURE(field);
        // A member's records are in her sheet.
        CHECK(e.sheet == sheet_of(record_member(field), day.sheet_count()));
        if (e.record.state == JobState::held) {  // the festival's holdout: never due
            ++held;
            continue;
        }
        CHECK(e.record.state == JobState::planned);
        dues[{e.sheet, e.record.channel}].insert(e.record.due.count());
        auto& first = earliest.try_emplace(e.sheet, e.record.due.count()).first->second;
        first = std::min(first, static_cast<long long>(e.record.due.count()));
        if (!e.record.merged.empty()) ++merged;
    }
    CHECK(merged == 30);  // every tenth member's birthday joined with the festival
    CHECK(held > 0);      // the default holdout of festivals
    CHECK(held < 90);
    // A sheet's records of one channel share one due time, in the morning's spread.
    for (const auto& [key, times] : dues) {
        CAPTURE(key.first, to_string(key.second));
        CHECK(times.size() == 1);
        CHECK(*times.begin() >= 10 * 3600);
        CHECK(*times.begin() < 12 * 3600);
    }
    // The sheets are due at their earliest record.
    const auto due = day.redis.command(
        {"ZRANGE", keys::sheet_due(only_shard("toyland")), "0", "-1", "WITHSCORES"});
    std::map<int, long long> scores;
    for (std::size_t k = 0; k + 1 < due.elements.size(); k += 2) {
        const std::string& member = due.elements[k].str;
        REQUIRE(member.starts_with(format_date(kDay) + ":"));
        scores[std::stoi(member.substr(11))] = std::stoll(due.elements[k + 1].str);
    }
    REQUIRE(scores.size() == earliest.size());
    for (const auto& [sheet, first] : earliest)
        CHECK(scores.at(sheet) == day_start.time_since_epoch().count() + first);
    // They are kept as long as a finished job hash would be and as long as
    // the effect report reads them: the day's end plus the longer of the
    // job retention (35 days) and effect.keep_days (400), and a few days more
    // (io/effect_store.h's sent_times_grace_days).
    const auto day_end = start_of_day(*parse_date("2027-09-16"), day.store.zone);
    for (int i = 0; i < day.sheet_count(); ++i) {
        CHECK(day.redis
                  .command({"EXPIRETIME", keys::sheet(only_shard("toyland"), format_date(kDay), i)})
                  .integer ==
              (day_end + (400 + sent_times_grace_days) * 24h).time_since_epoch().count());
    }

    SECTION("planning the day again, here or by another scheduler, creates nothing") {
        CHECK(day.scheduler->plan_day(day.store, kDay).created == 0);
        day.start();
        day.turn();
        CHECK(day.scheduler->stats().planned == 0);
        CHECK(day.records().size() == records.size());
    }
}

TEST_CASE("the preview of a day-sheets store shows the due times planning writes", "[sheet_days]") {
    Day day("sheets");
    // Before the day is planned (the store still on hashes: its first
    // planning moves it), and after: the same times, sheet by sheet.
    const auto before =
        preview_day(day.redis, day.config, day.templates, kDay, "toyland", day.clock.now());
    REQUIRE(before.size() == 1);
    day.turn();
    const auto records = day.records();
    const SysSeconds day_start = start_of_day(kDay, day.store.zone);
    std::size_t compared = 0;
    for (const auto& m : before[0].messages) {
        CAPTURE(m.job_id);
        REQUIRE(m.state == "new");
        const auto field = record_field(m.job_id, kDay);
        REQUIRE(field);
        const auto it = records.find(*field);
        REQUIRE(it != records.end());
        CHECK(m.at == day_start + it->second.record.due);
        ++compared;
    }
    std::size_t held = 0;
    for (const auto& [field, e] : records)
        held += e.record.state == JobState::held ? 1 : 0;
    CHECK(compared >= records.size() - held);  // every message, held ones perhaps too
    CHECK(compared <= records.size());
    const auto after =
        preview_day(day.redis, day.config, day.templates, kDay, "toyland", day.clock.now());
    REQUIRE(after[0].messages.size() == before[0].messages.size());
    for (std::size_t i = 0; i < after[0].messages.size(); ++i)
        CHECK(after[0].messages[i].at == before[0].messages[i].at);
}

TEST_CASE("a store on hashes plans hashes, as before", "[sheet_days]") {
    Day day("hashes");
    day.turn();
    CHECK(day.scheduler->stats().planned >= kMembers - 10);
    CHECK(SheetStore(day.redis).layout("toyland") == hash_layout);
    CHECK(day.keys_like("job:*").size() == day.scheduler->stats().planned);
    CHECK(day.sheet_count() == 0);
    CHECK(day.keys_like("sheet:*").empty());
}

TEST_CASE(
    "a festival on day sheets goes sheet by sheet, each job once, in the words the hashes "
    "layout sends",
    "[sheet_days]") {
    Day sheets("sheets");
    Day hashes("hashes");
    sheets.turn();  // planned at midnight
    hashes.turn();
    const auto records = sheets.records();
    const SysSeconds day_start = start_of_day(kDay, sheets.store.zone);

    // Step the clock to each sheet's due time: what goes then is that due
    // time's records, and nothing else.
    std::size_t steps = 0;
    for (;;) {
        const auto first = sheets.redis.command(
            {"ZRANGE", keys::sheet_due(only_shard("toyland")), "0", "0", "WITHSCORES"});
        if (first.elements.empty()) break;
        REQUIRE(++steps < 100);
        const SysSeconds at{std::chrono::seconds{std::stoll(first.elements[1].str)}};
        REQUIRE(at >= sheets.clock.now());
        sheets.clock.set(at);
        const auto before = sheets.sent();
        REQUIRE(sheets.settle());
        std::set<std::string> now_sent, due_now;
        for (const auto& [id, lines] : sheets.sent()) {
            if (!before.contains(id)) now_sent.insert(id);
        }
        for (const auto& [field, e] : records) {
            if (e.record.state == JobState::planned && day_start + e.record.due == at)
                due_now.insert(*job_id_of_record(field, kDay));
        }
        CAPTURE(format_instant(at, sheets.store.zone));
        CHECK(!due_now.empty());
        CHECK(now_sent == due_now);
    }
    CHECK(steps >= 2);  // the morning's spread holds several due times

    hashes.clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
    REQUIRE(hashes.settle());
    const auto by_sheets = sheets.sent();
    const auto by_hashes = hashes.sent();
    INFO("sent " << by_sheets.size() << " from sheets, " << by_hashes.size() << " from hashes");
    CHECK(by_sheets.size() >= 200);
    // The same messages, each once, to the same addresses, in the same words.
    REQUIRE(by_sheets.size() == by_hashes.size());
    for (const auto& [id, lines] : by_sheets) {
        CAPTURE(id);
        REQUIRE(lines.size() == 1);
        REQUIRE(by_hashes.contains(id));
        const auto& other = by_hashes.at(id).front();
        for (const auto* key : {"to", "text", "kind", "member_id", "channel"})
            CHECK(lines.front().at(key) == other.at(key));
        // The template's values too (for providers that send them, not text).
        const auto senders = lines.front().at("channel") == "sms"
                                 ? std::pair{&sheets.sms_sender, &hashes.sms_sender}
                                 : std::pair{&sheets.wechat_sender, &hashes.wechat_sender};
        CHECK(senders.first->seen.at(id).back().params ==
              senders.second->seen.at(id).back().params);
    }
    // Claimed records are held by their job hashes from then on.
    for (const auto& [field, e] : sheets.records()) {
        if (e.record.state != JobState::held) CHECK(e.record.state == JobState::dispatched);
    }
    CHECK(sheets.keys_like("job:*").size() == by_sheets.size());
    CHECK(JobStore(sheets.redis, sheets.config.scheduler).counts("toyland").at("sent") ==
          static_cast<long long>(by_sheets.size()));

    SECTION("planning the day again after it went creates and sends nothing") {
        sheets.start();
        sheets.turn();
        CHECK(sheets.scheduler->stats().planned == 0);
        REQUIRE(sheets.settle());
        CHECK(sheets.sent() == by_sheets);
    }
}

TEST_CASE("words at dispatch: a retry keeps them, a member is written to as she is now",
          "[sheet_days]") {
    Day day("sheets");
    day.turn();  // planned at midnight
    // F0010 (SMS) has her birthday on the festival: one greeting naming both.
    const std::string joined = "birthday:F0010:2027-09-15";
    // Two festival greetings by SMS that are not held out: one fails once,
    // the other's member changes her name and number after planning.
    std::vector<std::string> plain_ones;
    for (const auto& [field, e] : day.records()) {
        if (e.record.state == JobState::planned && e.record.channel == Channel::sms &&
            e.record.merged.empty() && field.starts_with("f"))
            plain_ones.push_back(*job_id_of_record(field, kDay));
    }
    REQUIRE(plain_ones.size() >= 2);
    const std::string plain = plain_ones[0];
    const std::string hers = plain_ones[1];
    day.sms_sender.fail_once = {joined, plain};
    MemberRecord changed{"toyland", std::string(record_member(*record_field(hers, kDay))), {}, {}};
    changed.set = {{"name", "孙丽"}, {"gender", "F"}, {"phone", "+8613999999999"}};
    MemberStore(day.redis).upsert({changed});

    day.clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
    REQUIRE(day.settle());
    const auto sent = day.sent();

    // The retried ones went once, in the words of their first attempt.
    for (const auto& id : {joined, plain}) {
        CAPTURE(id);
        REQUIRE(sent.contains(id));
        CHECK(sent.at(id).size() == 1);
        const auto& attempts = day.sms_sender.seen.at(id);
        REQUIRE(attempts.size() == 2);
        CHECK(!attempts[0].text.empty());
        CHECK(attempts[1].text == attempts[0].text);
        CHECK(attempts[1].params == attempts[0].params);
    }
    CHECK(day.sms_sender.seen.at(joined)[1].params.at("merged") ==
          "festival:F0010:2027-09-15:mid_autumn");
    CHECK(day.sms_sender.seen.at(joined)[1].text.find("中秋") != std::string::npos);

    // Written to as she is now: her new name, her new number.
    REQUIRE(sent.contains(hers));
    CHECK(sent.at(hers).front().at("to") == "+8613999999999");
    CHECK(sent.at(hers).front().at("text").get<std::string>().find("孙女士") != std::string::npos);
}

TEST_CASE("a job whose words cannot be written any more is not sent: it ends failed, saying why",
          "[sheet_days]") {
    Day day("sheets");
    day.turn();  // planned at midnight
    // F0020's birthday, joined into her festival greeting, was corrected
    // after planning: the message planned for her cannot be written.
    MemberRecord corrected{"toyland", "F0020", {}, {}};
    corrected.set = {{"birthday", "--03-01"}};
    MemberStore(day.redis).upsert({corrected});

    day.clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
    REQUIRE(day.settle());
    const std::string id = "birthday:F0020:2027-09-15";
    CHECK_FALSE(day.sent().contains(id));
    CHECK(day.sms_sender.seen.count(id) == 0);
    const auto job = JobStore(day.redis, day.config.scheduler).get("toyland", id);
    REQUIRE(job);
    CHECK(job->state == JobState::failed);
    CHECK_THAT(job->error, Catch::Contains("no longer has the occasion"));
    CHECK(day.scheduler->stats().unwritten == 1);
    // The others went.
    CHECK(day.sent().size() >= 200);
}

TEST_CASE(
    "a store planned as hashes, switched to sheets, carries on: nothing planned or sent twice",
    "[sheet_days]") {
    Day day("hashes");
    day.turn();  // today planned as job hashes
    const auto planned = day.scheduler->stats().planned;
    REQUIRE(planned >= kMembers - 10);
    CHECK(SheetStore(day.redis).layout("toyland") == hash_layout);

    // The scheduler restarts with job_storage = "sheets" on the same Redis.
    day.config.scheduler.job_storage = JobStorage::sheets;
    day.start();
    day.turn();
    CHECK(SheetStore(day.redis).layout("toyland") == sheet_layout);
    CHECK(day.scheduler->stats().planned == 0);  // today's jobs are its hashes'
    CHECK(day.keys_like("job:*").size() == planned);

    day.clock.set(*parse_instant("2027-09-15T14:00:00+08:00"));
    REQUIRE(day.settle());
    const auto sent = day.sent();
    CHECK(sent.size() >= 200);
    for (const auto& [id, lines] : sent) {
        CAPTURE(id);
        CHECK(lines.size() == 1);
    }
    const auto counts = JobStore(day.redis, day.config.scheduler).counts("toyland");
    CHECK(counts.at("sent") == static_cast<long long>(sent.size()));
    CHECK(counts.at("sent") + counts.at("held") == static_cast<long long>(planned));

    SECTION("and the next day is planned into sheets") {
        MemberRecord next{"toyland", "N0001", {}, {}};
        next.set = {{"name", "周洁"},
                    {"phone", "+8613700137000"},
                    {"sms_optin", "1"},
                    {"birthday", "--09-16"}};
        MemberStore(day.redis).upsert({next});
        day.clock.set(*parse_instant("2027-09-16T00:00:10+08:00"));
        day.turn();
        CHECK(day.scheduler->stats().planned == 1);
        CHECK(day.keys_like("job:*").size() == planned);  // no new hash
        const Date next_day = *parse_date("2027-09-16");
        SheetStore sheets(day.redis);
        const auto record =
            sheets.record("toyland", next_day, sheets.sheets_for_day("toyland", next_day, 0),
                          "birthday:N0001:2027-09-16");
        REQUIRE(record);
        CHECK(record->state == JobState::planned);
    }
}
