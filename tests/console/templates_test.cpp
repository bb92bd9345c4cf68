// The console's templates (console/templates_page.h) on a real admin server
// and Redis: an owner edits and saves toyland's 中秋 SMS through HTTP, sees
// it in the history, and the next preview — `huitou preview --json`, GET
// /api/preview, the scheduler's long-lived planner — is written with it
// while babycare's stays as it was; a bad template is refused and nothing
// changes in Redis; staff may look and preview but not save; another
// store's templates are the same 404 as none; check-config reports a bad
// template put into Redis by hand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/redis_keys.h"
#include "io/template_store.h"
#include "scheduler/admin_api.h"
#include "scheduler/day_planner.h"
#include "tests/console/console_fixture.h"

using namespace huitou;
using namespace huitou::test;

namespace {

const std::string kNow = "2027-09-15T12:00:00+08:00";  // 中秋节, and birthdays at both stores
const std::string kEditor = "/stores/toyland/templates/festival.mid_autumn?channel=sms";
const std::string kSave = "/stores/toyland/templates/festival.mid_autumn?channel=sms";
const std::string kPreview = "/stores/toyland/templates/festival.mid_autumn/preview?channel=sms";
const std::string kMarker = "月饼券";
const std::string kGood = "{{honorific}}，中秋快乐！凭此短信到店领月饼券一张。";

// Saves a page for a person to read (build-asan/console-pages/<name>.html).
void keep_page(const std::string& name, const std::string& html) {
    const auto dir =
        std::filesystem::path(bin("huitou")).parent_path().parent_path() / "console-pages";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / (name + ".html")) << html;
}

// Every message of `store` in a preview's JSON, as "kind channel text".
std::vector<std::string> messages_of(const nlohmann::json& preview, const std::string& store) {
    std::vector<std::string> out;
    for (const auto& s : preview.at("stores")) {
        if (s.at("store") != store) continue;
        for (const auto& m : s.at("messages"))
            out.push_back(m.at("kind").get<std::string>() + " " +
                          m.at("channel").get<std::string>() + " " +
                          m.at("text").get<std::string>());
    }
    return out;
}

bool any_has(const std::vector<std::string>& texts, const std::string& part) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

nlohmann::json cli_preview(ConsoleFixture& f) {
    const auto r = f.huitou({"preview", "--date", "2027-09-15", "--json"});
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
}

// The Redis side of toyland's templates: the saved hash and every version list.
std::string saved_state(RedisConnection& redis) {
    std::string state;
    for (const auto& e : redis.command({"HGETALL", keys::saved_templates("toyland")}).elements)
        state += e.str + "|";
    for (const auto& k : redis.command({"KEYS", "hu:{toyland}:tpl:log:*"}).elements)
        for (const auto& e : redis.command({"LRANGE", k.str, "0", "-1"}).elements)
            state += e.str + "|";
    return state;
}

}  // namespace

TEST_CASE("templates: an owner saves one, the next planning writes with it", "[console]") {
    ConsoleFixture f(kNow, false);
    AdminApi api(f.rt.config, f.templates, f.rt.redis, *f.rt.clock);
    api.add_to(*f.server);
    auto redis = f.redis_server.connect();
    const auto owner = f.session("boss");

    const auto before = cli_preview(f);
    REQUIRE(any_has(messages_of(before, "toyland"), "festival sms"));
    CHECK_FALSE(any_has(messages_of(before, "toyland"), kMarker));

    auto r = f.get("/stores/toyland/templates", owner);
    REQUIRE(r);
    CHECK(r->status == 200);
    keep_page("templates", r->body);
    CHECK_THAT(r->body, Catch::Contains("id=\"template-list\"") && Catch::Contains("节日·中秋节") &&
                            Catch::Contains("默认"));

    r = f.get(kEditor, owner);
    REQUIRE(r);
    CHECK(r->status == 200);
    keep_page("template-editor", r->body);
    CHECK_THAT(r->body, Catch::Contains("id=\"template-form\"") &&
                            Catch::Contains("id=\"template-text\"") &&
                            Catch::Contains("id=\"template-save\"") &&
                            Catch::Contains("id=\"sms-counter\"") &&
                            Catch::Contains("【童乐玩具】") && Catch::Contains("{{festival}}"));

    SECTION("a preview of the draft saves nothing") {
        r = f.post(kPreview, {{"csrf", f.csrf(owner)}, {"text", kGood}, {"member", "T0002"}},
                   owner);
        REQUIRE(r);
        CHECK(r->status == 200);
        keep_page("template-preview", r->body);
        // The draft on 李强, with the signature and the unsubscribe text, counted.
        CHECK_THAT(
            r->body,
            Catch::Contains("【童乐玩具】李先生，中秋快乐！凭此短信到店领月饼券一张。回TD退订") &&
                Catch::Contains("这一条：33 字，按 1 条短信计费"));
        CHECK(saved_state(redis).empty());
    }

    SECTION("saved: in the history, and the next preview uses it at toyland only") {
        r = f.post(kSave, {{"csrf", f.csrf(owner)}, {"text", kGood + "\r\n"}}, owner);
        REQUIRE(r);
        CHECK(r->status == 303);
        CHECK(r->get_header_value("Location") == kEditor + "&done=saved");
        CHECK(redis.command({"HGET", keys::saved_templates("toyland"), "festival.mid_autumn.sms"})
                  .str == kGood + "\n");

        r = f.get(kEditor + "&done=saved", owner);
        REQUIRE(r);
        keep_page("template-saved", r->body);
        CHECK_THAT(r->body, Catch::Contains("已保存") &&
                                Catch::Contains("id=\"template-history\"") &&
                                Catch::Contains("boss") && Catch::Contains("正在使用") &&
                                Catch::Contains("在这里保存的") && Catch::Contains("改回默认模板"));
        r = f.get("/stores/toyland/templates", owner);
        CHECK_THAT(r->body, Catch::Contains("在这里保存的") && Catch::Contains("boss"));

        const auto after = cli_preview(f);
        CHECK(any_has(messages_of(after, "toyland"), "，中秋快乐！凭此短信到店领月饼券一张。"));
        CHECK(messages_of(after, "babycare") == messages_of(before, "babycare"));
        // The API's preview: the same server, no restart.
        auto api_r = f.get("/api/preview?date=2027-09-15");
        REQUIRE(api_r);
        REQUIRE(api_r->status == 200);
        const auto api_json = nlohmann::json::parse(api_r->body);
        CHECK(messages_of(api_json, "toyland") == messages_of(after, "toyland"));
        CHECK(messages_of(api_json, "babycare") == messages_of(before, "babycare"));

        SECTION("a second save keeps the first as a version; restore brings it back") {
            const std::string second = "{{honorific}}，中秋节快乐，月饼券在前台等您。";
            r = f.post(kSave, {{"csrf", f.csrf(owner)}, {"text", second}}, owner);
            REQUIRE(r);
            CHECK(r->status == 303);
            TemplateStore store(redis);
            auto versions = store.versions("toyland", "festival.mid_autumn", Channel::sms);
            REQUIRE(versions.size() == 2);
            CHECK(versions[0].text == second);
            CHECK(versions[1].text == kGood + "\n");
            CHECK(versions[1].by == "boss");
            r = f.post(kEditor.substr(0, kEditor.find('?')) + "/restore?channel=sms",
                       {{"csrf", f.csrf(owner)},
                        {"v", "1"},
                        {"at", std::to_string(versions[1].at.time_since_epoch().count())}},
                       owner);
            REQUIRE(r);
            CHECK(r->status == 303);
            versions = store.versions("toyland", "festival.mid_autumn", Channel::sms);
            REQUIRE(versions.size() == 3);
            CHECK(versions[0].action == "restore");
            CHECK(store.saved("toyland") ==
                  std::vector<SavedTemplate>{{"festival.mid_autumn", Channel::sms, kGood + "\n"}});
            // Back to the file's template.
            r = f.post(kEditor.substr(0, kEditor.find('?')) + "/reset?channel=sms",
                       {{"csrf", f.csrf(owner)}}, owner);
            REQUIRE(r);
            CHECK(r->status == 303);
            CHECK(store.saved("toyland").empty());
            CHECK(messages_of(cli_preview(f), "toyland") == messages_of(before, "toyland"));
        }
    }
}

TEST_CASE("templates: the scheduler's planner takes a saved template at its next planning",
          "[console]") {
    ConsoleFixture f(kNow, false);
    auto redis = f.redis_server.connect();
    DayPlanner planner(redis, f.rt.config, f.templates, 100);
    const auto& toyland = *f.rt.config.find_store("toyland");
    const Date day{date::year{2027} / 9 / 15};
    auto texts = [&] {
        std::vector<std::string> out;
        planner.occasions(toyland, day, f.rt.clock->now(), [&](OccasionBatch& batch) {
            for (const auto& v : batch.verdicts)
                if (v.verdict.job) out.push_back(v.verdict.job->text);
        });
        return out;
    };
    REQUIRE_FALSE(texts().empty());
    CHECK_FALSE(any_has(texts(), kMarker));
    TemplateStore(redis).save("toyland", {"festival.mid_autumn", Channel::sms, kGood}, "boss",
                              "save", f.rt.clock->now());
    CHECK(any_has(texts(), kMarker));  // the same planner: no restart
    TemplateStore(redis).reset("toyland", "festival.mid_autumn", Channel::sms, "boss",
                               f.rt.clock->now());
    CHECK_FALSE(any_has(texts(), kMarker));
    // A bad one put in by hand is left out: planning goes on with the file's.
    redis.command({"HSET", keys::saved_templates("toyland"), "festival.mid_autumn.sms",
                   "{{nmae}}" + kMarker});
    CHECK_FALSE(any_has(texts(), kMarker));
    CHECK_FALSE(texts().empty());
    // The versions are bounded: the last kTemplateVersions saves.
    TemplateStore store(redis);
    for (int i = 0; i < 55; ++i)
        store.save("toyland", {"winback", Channel::sms, "好久不见" + std::to_string(i)}, "boss",
                   "save", f.rt.clock->now());
    const auto versions = store.versions("toyland", "winback", Channel::sms);
    CHECK(versions.size() == kTemplateVersions);
    CHECK(versions.front().text == "好久不见54");
    CHECK(versions.back().text == "好久不见5");
}

TEST_CASE("templates: a bad template is refused and nothing changes", "[console]") {
    ConsoleFixture f(kNow, false);
    // A provider with a list of words it refuses (Kannel's is the shop's own).
    f.rt.config.sms.provider = "kannel";
    f.rt.config.sms.kannel.banned_words = {"赌场"};
    auto redis = f.redis_server.connect();
    const auto owner = f.session("boss");
    TemplateStore(redis).save("toyland", {"festival.mid_autumn", Channel::sms, kGood}, "boss",
                              "save", f.rt.clock->now());
    const auto state = saved_state(redis);
    std::string long_text = "{{honorific}}，";
    for (int i = 0; i < 200; ++i)
        long_text += "好";
    const auto [text, plain, technical] =
        GENERATE_COPY(table<std::string, std::string, std::string>({
            {"{{nmae}}，中秋快乐", "有不认识的标记 {{nmae}}",
             "console template toyland/festival.mid_autumn.sms: unknown tag {{nmae}}"},
            {long_text, "超过本店每条短信最多 3 条的限制", "4 SMS parts, over the store"},
            {"{{honorific}}，中秋来赌场", "含有短信平台不允许的词", "holds \"赌场\""},
        }));
    INFO(technical);
    const auto r = f.post(kSave, {{"csrf", f.csrf(owner)}, {"text", text}}, owner);
    REQUIRE(r);
    CHECK(r->status == 422);
    keep_page("template-refused", r->body);
    CHECK_THAT(r->body, Catch::Contains("没有保存") && Catch::Contains(plain) &&
                            Catch::Contains(html_escape(technical)));
    // The draft is kept in the form (HTML-escaped as text).
    CHECK_THAT(r->body, Catch::Contains(text.substr(text.size() - 6)));
    CHECK(saved_state(redis) == state);
}

TEST_CASE("templates: staff may look and preview, only owners save, other stores are 404",
          "[console]") {
    ConsoleFixture f(kNow, false);
    auto redis = f.redis_server.connect();
    const auto staff = f.session("xiaoli", {"toyland"});
    const auto owner_of_two = f.session("laoban", {"toyland", "babycare"}, "owner");

    auto r = f.get(kEditor, staff);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_THAT(r->body,
               !Catch::Contains("id=\"template-save\"") && Catch::Contains("只有店主可以保存"));
    r = f.post(kPreview, {{"csrf", f.csrf(staff)}, {"text", kGood}}, staff);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK_THAT(r->body, Catch::Contains(kMarker));
    r = f.post(kSave, {{"csrf", f.csrf(staff)}, {"text", kGood}}, staff);
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK_THAT(r->body, Catch::Contains("只有店主可以修改模板") && Catch::Contains(kMarker));
    CHECK(saved_state(redis).empty());
    // An owner of a list of stores may save in them.
    r = f.post(kSave, {{"csrf", f.csrf(owner_of_two)}, {"text", kGood}}, owner_of_two);
    REQUIRE(r);
    CHECK(r->status == 303);

    const auto none = f.get("/stores/nosuch/templates", staff);
    REQUIRE(none);
    CHECK(none->status == 404);
    for (const auto& path : {std::string("/stores/babycare/templates"),
                             std::string("/stores/babycare/templates/birthday?channel=sms"),
                             std::string("/stores/toyland/templates/nosuch?channel=sms"),
                             std::string("/stores/toyland/templates/birthday?channel=fax"),
                             kEditor + "&member=nosuch"}) {
        INFO(path);
        r = f.get(path, staff);
        REQUIRE(r);
        CHECK(r->status == 404);
        CHECK(r->body == none->body);
    }
    r = f.post("/stores/babycare/templates/birthday?channel=sms",
               {{"csrf", f.csrf(staff)}, {"text", kGood}}, staff);
    REQUIRE(r);
    CHECK(r->status == 404);
}

TEST_CASE("templates: check-config checks the saved ones, and says when it cannot", "[console]") {
    ConsoleFixture f(kNow, false);
    auto redis = f.redis_server.connect();
    auto r = f.huitou({"check-config"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("saved templates checked"));
    redis.command({"HSET", keys::saved_templates("toyland"), "birthday.sms", "{{nmae}}生日快乐"});
    r = f.huitou({"check-config"});
    CHECK(r.status == 2);
    CHECK_THAT(r.err,
               Catch::Contains("console template toyland/birthday.sms: unknown tag {{nmae}}"));
    r = f.huitou({"check-config", "--json"});
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("\"ok\": false"));
    // Redis away: the files are checked, and it says the saved ones were not.
    r = run({bin("huitou"), "check-config"},
            {"HUITOU_REDIS_URL=redis://127.0.0.1:" + std::to_string(free_port()) + "/0",
             "HUITOU_LOG_LEVEL=warn"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("saved templates not checked: Redis not reachable"));
}
