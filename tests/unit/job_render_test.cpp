// The words at dispatch are the words of planning: a year of generated
// members planned day by day, and every job's text and params written again
// by render_job from what a day sheet keeps (core/job_render.h).
#include "core/job_render.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/delivery_policy.h"
#include "core/occasion.h"
#include "core/separated_list.h"
#include "core/visit_cycle.h"
#include "core/visit_state.h"
#include "core/winback.h"

using namespace huitou;
using namespace std::chrono_literals;

namespace {

// Members whose days meet: birthdays on festivals, twins, children born on
// their parent's birthday, lunar birthdays, cards running out, points
// lapsing (often with the card).
std::vector<Member> generated_members(const std::string& store, int n) {
    std::mt19937 rng(42);
    std::mt19937 points_rng(43);  // its own: the other fields stay as they were
    auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
    const std::vector<std::string> names{"王芳", "李娜", "张伟", "刘洋", "陈静", "Amy Li", ""};
    std::vector<Member> out;
    for (int i = 0; i < n; ++i) {
        Member m;
        m.store = store;
        m.id = "G" + std::to_string(1000 + i);
        m.name = names[static_cast<std::size_t>(pick(static_cast<int>(names.size())))];
        m.gender = static_cast<Gender>(pick(3));
        Birthday b;
        b.lunar = pick(4) == 0;
        // Many on festival days (中秋 is lunar 8-15; 儿童节 6-1; 妇女节 3-8).
        switch (pick(5)) {
            case 0:
                b.lunar = true;
                b.month = 8;
                b.day = 15;
                break;
            case 1:
                b.lunar = false;
                b.month = 6;
                b.day = 1;
                break;
            case 2:
                b.lunar = false;
                b.month = 3;
                b.day = 8;
                break;
            default:
                b.month = static_cast<unsigned>(1 + pick(12));
                b.day = static_cast<unsigned>(1 + pick(28));
        }
        if (pick(3) > 0) b.year = 1960 + pick(40);
        if (pick(8) > 0) m.birthday = b;
        if (pick(4) > 0) {
            m.phone = "+861380013" + std::to_string(1000 + i);
            m.sms_optin = pick(5) > 0;
        }
        if (pick(3) == 0) {
            m.wechat_openid = "oG_" + std::to_string(i);
            m.wechat_optin = pick(3) > 0;
            m.wechat_subscribed = pick(3) > 0;
        }
        if (pick(2) == 0) m.tier = "金卡";
        if (pick(2) == 0)
            m.card_expires =
                Date{date::year{2027} / date::month{static_cast<unsigned>(1 + pick(12))} /
                     date::day{static_cast<unsigned>(1 + pick(28))}};
        const int children = pick(4);
        for (int c = 0; c < children; ++c) {
            Child child;
            child.name = std::vector<std::string>{"小宝", "小贝", "乐乐",
                                                  "朵朵"}[static_cast<std::size_t>(c)];
            Birthday cb;
            if (c == 1 && pick(2) == 0 && !m.children.empty() && m.children[0].birthday) {
                cb = *m.children[0].birthday;  // twins
            } else if (pick(4) == 0 && m.birthday) {
                cb = *m.birthday;  // born on the parent's birthday
                if (cb.year) cb.year = *cb.year + 28;
            } else {
                cb.month = static_cast<unsigned>(1 + pick(12));
                cb.day = static_cast<unsigned>(1 + pick(28));
                if (pick(2) == 0) cb.year = 2015 + pick(10);
            }
            child.birthday = cb;
            child.gender = static_cast<Gender>(pick(3));
            m.children.push_back(child);
        }
        if (points_rng() % 3 == 0) {
            m.points = 1 + static_cast<long long>(points_rng() % 5000);
            m.points_expire = m.card_expires && points_rng() % 2 == 0
                                  ? *m.card_expires
                                  : Date{date::year{2027} /
                                         date::month{static_cast<unsigned>(1 + points_rng() % 12)} /
                                         date::day{static_cast<unsigned>(1 + points_rng() % 28)}};
        }
        out.push_back(m);
    }
    return out;
}

}  // namespace

TEST_CASE("a year of jobs written again at dispatch says what planning said", "[job_render]") {
    const Config config = parse_config(default_config_text(), "embedded");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    std::size_t jobs = 0, merged = 0, twins = 0, winbacks = 0, points = 0, points_merged = 0;
    for (const std::string store_id : {"toyland", "babycare", "jade-spa"}) {
        const StoreConfig& store = *config.find_store(store_id);
        const auto members = generated_members(store_id, 150);
        for (Date day = *parse_date("2027-01-01"); day <= *parse_date("2027-12-31");
             day = Date{date::sys_days{day} + date::days{1}}) {
            const PlanningDay pd = planning_day(config, store, day);
            const SysSeconds midnight = local_instant(day, std::chrono::seconds{0}, store.zone);
            for (const auto& m : members) {
                auto occasions = occasions_for(m, pd, store);
                // A win-back on some days, for a member who last came 40 days ago.
                if (day_number(day) % 7 == static_cast<int>(m.id.back() - '0') % 7) {
                    VisitState v;
                    v.last_date = Date{date::sys_days{day} - date::days{40}};
                    occasions.push_back(winback_occasion(v, 1 + day_number(day) % 2));
                }
                if (occasions.empty()) continue;
                for (const auto& verdict :
                     plan_member_day({m, occasions, {}, day, midnight}, store, templates)) {
                    if (!verdict.job) continue;
                    const Job& job = *verdict.job;
                    const auto merged_ids = job.params.contains("merged")
                                                ? split_list(job.params.at("merged"), ' ')
                                                : std::vector<std::string>{};
                    const auto words = render_job(m, config, store, templates, day, job.id,
                                                  job.channel, merged_ids);
                    INFO(store_id << " " << format_date(day) << " " << job.id);
                    REQUIRE(words.problem == "");
                    REQUIRE(words.text == job.text);
                    REQUIRE(words.params == job.params);
                    ++jobs;
                    merged += merged_ids.empty() ? 0 : 1;
                    twins += job.params.contains("child_name") &&
                                     job.params.at("child_name").find("和") != std::string::npos
                                 ? 1
                                 : 0;
                    winbacks += job.kind == Kind::winback ? 1 : 0;
                    points += job.kind == Kind::points ? 1 : 0;
                    points_merged += job.params.contains("template") &&
                                             job.params.at("template") == "card_expiry+points"
                                         ? 1
                                         : 0;
                }
            }
        }
    }
    // The year must have held every way a message is put together.
    CHECK(jobs > 1000);
    CHECK(merged > 10);
    CHECK(twins > 0);
    CHECK(winbacks > 100);
    CHECK(points > 20);
    CHECK(points_merged > 5);
}

TEST_CASE("written at dispatch: the member as she is now, or why not", "[job_render]") {
    const Config config = parse_config(default_config_text(), "embedded");
    const TemplateSet templates = TemplateSet::load(config, nullptr);
    const StoreConfig& store = *config.find_store("toyland");
    Member m;
    m.store = "toyland";
    m.id = "T1";
    m.name = "王芳";
    m.gender = Gender::female;
    m.birthday = Birthday{false, 1990, 9, 15, false};
    m.phone = "+8613800138000";
    m.sms_optin = true;
    const Date day = *parse_date("2027-09-15");
    const auto before =
        render_job(m, config, store, templates, day, "birthday:T1:2027-09-15", Channel::sms, {});
    REQUIRE(before.text);
    CHECK(before.text->find("王") != std::string::npos);

    m.name = "李娜";  // the shop corrected her name after planning
    const auto after =
        render_job(m, config, store, templates, day, "birthday:T1:2027-09-15", Channel::sms, {});
    REQUIRE(after.text);
    CHECK(after.text->find("李") != std::string::npos);
    CHECK(after.text->find("王") == std::string::npos);

    m.birthday = Birthday{false, 1990, 10, 1, false};  // and her birthday
    const auto gone =
        render_job(m, config, store, templates, day, "birthday:T1:2027-09-15", Channel::sms, {});
    CHECK_FALSE(gone.text);
    CHECK(gone.problem == "the member no longer has the occasion birthday:T1:2027-09-15");

    const auto other =
        render_job(m, config, store, templates, day, "birthday:T2:2027-09-15", Channel::sms, {});
    CHECK_FALSE(other.text);
    const auto junk = render_job(m, config, store, templates, day, "party", Channel::sms, {});
    CHECK_FALSE(junk.text);
}
