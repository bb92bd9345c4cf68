#include "console/member_page.h"

#include <algorithm>

#include "core/consent.h"
#include "core/console_words.h"
#include "core/log_mask.h"
#include "core/member_archive.h"
#include "core/member_search.h"
#include "core/phone_number.h"
#include "core/visit.h"
#include "core/visit_words.h"
#include "io/consent_store.h"
#include "io/job_listing.h"
#include "io/member_finder.h"
#include "io/member_store.h"
#include "io/visit_store.h"
#include "scheduler/admin_views.h"

namespace huitou {
namespace {

using nlohmann::json;

// The longest query read: a name, a number, four digits — never a paragraph.
constexpr std::size_t kMaxQuery = 64;

std::string members_path(const std::string& store) {
    return "/stores/" + url_encode(store) + "/members";
}

std::string member_path(const std::string& store, const std::string& id) {
    return members_path(store) + "/" + url_encode(id);
}

// "2027-09-15T12:00:00+08:00" → "2027-09-15 12:00": the page is in the
// store's zone already.
std::string short_time(const std::string& iso) {
    if (iso.size() < 16) return iso;
    std::string out = iso.substr(0, 16);
    out[10] = ' ';
    return out;
}

// "+8613800138001" → "138 0013 8001"; other numbers as stored.
std::string phone_words(const std::string& e164) {
    if (e164.size() == 14 && e164.starts_with("+86"))
        return e164.substr(3, 3) + " " + e164.substr(6, 4) + " " + e164.substr(10);
    return e164;
}

// A text a view shows only when there is one: mustache takes "" for true,
// null for false.
json shown(const std::string& text) {
    return text.empty() ? json(nullptr) : json(text);
}

const char* state_class(JobState s) {
    switch (s) {
        case JobState::sent:
        case JobState::delivered:
            return "ok";
        case JobState::cancelled:
        case JobState::held:
            return "warn";
        case JobState::failed:
        case JobState::expired:
        case JobState::unknown:
            return "bad";
        case JobState::planned:
        case JobState::dispatched:
            break;
    }
    return "";
}

json birthday_json(const BirthdayView& b) {
    json out{{"written", b.written}, {"lunar", b.lunar}};
    if (b.next) {
        out["next"] = date_words(*b.next);
        out["days"] = *b.days_to_next == 0 ? std::string("就是今天")
                                           : std::to_string(*b.days_to_next) + "天后";
    }
    if (b.age) out["age"] = std::to_string(*b.age) + "岁";
    return out;
}

// Days until a card's or points' last day, for the counter: "还有3天".
std::string days_left_words(int left) {
    return left > 0    ? "还有" + std::to_string(left) + "天"
           : left == 0 ? std::string("今天到期")
                       : "已过期" + std::to_string(-left) + "天";
}

json archive_json(const Member& m, const Date& today) {
    const auto a = member_archive(m, today);
    json out{
        {"id", m.id},
        {"name", a.name.empty() ? std::string("（未填写姓名）") : a.name},
        {"honorific", shown(a.honorific)},
        {"gender", shown(a.gender)},
        {"phone", shown(phone_words(m.phone))},
        {"openid", m.wechat_openid.empty() ? json(nullptr) : json(mask_openid(m.wechat_openid))},
        {"tier", shown(a.tier)}};
    if (a.birthday) out["birthday"] = birthday_json(*a.birthday);
    json children = json::array();
    for (const auto& c : a.children) {
        json child{{"name", c.name}, {"gender", shown(c.gender)}};
        if (c.birthday) child["birthday"] = birthday_json(*c.birthday);
        children.push_back(std::move(child));
    }
    out["children"] = children;
    out["has_children"] = !children.empty();
    if (a.card_expires) {
        const int left = *a.card_days_left;
        out["card"] = {{"expires", date_words(*a.card_expires)},
                       {"left", days_left_words(left)},
                       {"lapsed", left < 0}};
    }
    if (a.points > 0) {
        json points{{"count", std::to_string(a.points)}};
        if (a.points_expire) {
            const int left = *a.points_days_left;
            points["expires"] = date_words(*a.points_expire);
            points["left"] = days_left_words(left);
            points["lapsed"] = left < 0;
        }
        out["points"] = std::move(points);
    }
    // What she likes, as announcements match it (core/member_tags.h).
    if (!a.tags.empty()) out["tags"] = a.tags;
    return out;
}

// The consent view's channel (consent_json: the CLI's and the API's) in words.
json channel_json(Channel c, const json& view, const std::string& address) {
    const bool sms = c == Channel::sms;
    std::string status, tag;
    if (!view.value("reachable", false)) {
        status = sms ? "没有手机号" : "没有关联微信";
        tag = "";
    } else if (view.value("refused", false)) {
        status = "会员本人已退订";
        tag = "bad";
    } else if (view.value("greetings", false)) {
        status = "已同意，问候和通知都可以发";
        tag = "ok";
    } else if (view.value("agreed", false) && !sms && !view.value("subscribed", false)) {
        status = "已同意，但没有订阅微信通知：问候改发短信";
        tag = "warn";
    } else if (view.value("notices", false)) {
        status = "未同意接收问候，只发会员卡等服务通知";
        tag = "warn";
    } else {
        status = "未同意接收，不发送";
        tag = "bad";
    }
    json out{{"channel", to_string(c)},
             {"label", std::string(channel_words(c))},
             {"address", shown(sms ? phone_words(address)
                                   : (address.empty() ? std::string() : mask_openid(address)))},
             {"reachable", view.value("reachable", false)},
             {"status", status},
             {"tag", tag}};
    // Her welcome (core/welcome.h): once a channel, so the staff see she had it.
    if (const auto w = view.value("welcomed", std::string()); !w.empty())
        out["welcomed"] = "入会欢迎已安排（" + short_time(w) + "）";
    return out;
}

json notice_json(const HttpRequest& req) {
    const auto done = req.param("done");
    const auto channel = parse_channel(req.param("channel"));
    if ((done != "opt_in" && done != "opt_out") || !channel) return nullptr;
    std::string text = "已记录：" + std::string(channel_words(*channel)) +
                       (done == "opt_in" ? "同意接收" : "退订") + "。";
    const auto cancelled = req.param("cancelled");
    if (done == "opt_out" && !cancelled.empty() && cancelled != "0" &&
        std::all_of(cancelled.begin(), cancelled.end(),
                    [](char d) { return d >= '0' && d <= '9'; }))
        text += "今天计划发给这位会员的 " + cancelled + " 条消息已取消。";
    // "2027-09-15 10:00": when the welcome this opt-in created goes.
    const auto welcome = req.param("welcome");
    if (done == "opt_in" && welcome.size() == 16 &&
        std::all_of(welcome.begin(), welcome.end(), [](char d) {
            return (d >= '0' && d <= '9') || d == '-' || d == ' ' || d == ':';
        }))
        text += "入会欢迎" + std::string(channel_words(*channel)) + "将于 " + welcome +
                " 发出，让会员看看以后的消息是什么样的。";
    return text;
}

}  // namespace

MemberPage::MemberPage(ConsoleContext& ctx) : ctx_(ctx) {}

void MemberPage::add_to(AdminServer& server) {
    server.on_get("/stores/([^/]+)/members/?",
                  [this](const HttpRequest& req) { return search(req); });
    server.on_get("/stores/([^/]+)/members/([^/]+)",
                  [this](const HttpRequest& req) { return show(req); });
    server.on("POST", "/stores/([^/]+)/members/([^/]+)/consent",
              [this](const HttpRequest& req) { return record_consent(req); });
}

HttpReply MemberPage::search(const HttpRequest& req) {
    const auto& store = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store)) return *refusal;
    const auto raw = req.param("q");
    json data{{"store_path", url_encode(store)}, {"q", raw}, {"limit", kSearchLimit}};
    const auto query = read_member_query(raw);
    if (raw.size() > kMaxQuery) {
        data["error"] = "搜索内容太长：最多 " + std::to_string(kMaxQuery) +
                        " 个字节（约 20 个汉字），请只输入姓名、会员号或手机尾号四位。";
        return ctx_.page(req, {"找会员", store, ConsoleTab::members},
                         render_view("member_search", data), 400);
    }
    if (query.text.empty())
        return ctx_.page(req, {"找会员", store, ConsoleTab::members},
                         render_view("member_search", data));
    return ctx_.with_redis(req, "member search", [&](RedisConnection& redis) {
        const auto found = MemberFinder(redis).find(store, query, kSearchLimit);
        json results = json::array();
        for (const auto& m : found.members) {
            results.push_back(
                {{"id", m.id},
                 {"path", member_path(store, m.id)},
                 {"name", m.name.empty() ? std::string("（未填写姓名）") : m.name},
                 {"phone", m.phone.empty() ? json(nullptr) : json(mask_phone(m.phone))},
                 {"tier", shown(m.tier)}});
        }
        data["searched"] = true;
        data["too_short"] = name_too_short(query);
        data["results"] = results;
        data["found"] = !results.empty();
        data["count"] = results.size();
        data["more"] = found.more;
        return ctx_.page(req, {"找会员", store, ConsoleTab::members},
                         render_view("member_search", data));
    });
}

HttpReply MemberPage::show(const HttpRequest& req) {
    const auto& store = req.path_params.at(0);
    const auto& id = req.path_params.at(1);
    if (auto refusal = ctx_.gate(req, store)) return *refusal;
    if (!is_valid_member_id(id)) return ctx_.not_found(req);
    const auto& config = ctx_.config();
    const auto& sc = *config.find_store(store);
    return ctx_.with_redis(req, "member page", [&](RedisConnection& redis) {
        const auto m = MemberStore(redis).get(store, id);
        if (!m) return ctx_.not_found(req);
        const auto now = ctx_.clock().now();
        const auto today = local_date(now, sc.zone);

        json data = archive_json(*m, today);
        data["store_path"] = url_encode(store);
        data["path"] = member_path(store, id);
        data["csrf"] = req.csrf;
        data["notice"] = notice_json(req);

        const auto visits = VisitStore(redis, config).state(store, id);
        const auto words = visit_words(visits, today, sc.winback);
        data["cycle"] = {{"line", words.line}, {"overdue", words.overdue}};
        data["segment"] = segment_json(*m);
        json history = json::array();
        if (visits) {
            for (auto v = visits->history.rbegin(); v != visits->history.rend(); ++v) {
                history.push_back(
                    {{"when", short_time(format_instant(v->at, sc.zone))},
                     {"amount", v->amount_cents ? json(format_amount(*v->amount_cents) + " 元")
                                                : json(nullptr)}});
            }
            data["visit_count"] = visits->visits;
        }
        data["visits"] = history;
        data["has_visits"] = !history.empty();

        // Every message, as `huitou jobs --member` lists them; newest first.
        auto jobs = JobListing(redis).find(sc, JobFilter{std::nullopt, id, ""}, today,
                                           config.scheduler.job_retention);
        std::stable_sort(jobs.begin(), jobs.end(),
                         [](const Job& a, const Job& b) { return a.due_at > b.due_at; });
        json messages = json::array();
        for (const auto& j : jobs) {
            const auto view = job_json(j, true, sc.zone);
            json message{{"id", j.id},
                         {"date", date_words(j.occasion_date)},
                         {"due", shown(short_time(view.value("due", "")))},
                         {"kind", std::string(kind_words(j.kind))},
                         {"channel", std::string(channel_words(j.channel))},
                         {"state", std::string(state_words(j.state))},
                         {"state_code", to_string(j.state)},
                         {"tag", state_class(j.state)},
                         {"text", shown(j.text)}};
            if (!j.error.empty()) message["why"] = error_words(j.error);
            messages.push_back(std::move(message));
        }
        data["messages"] = messages;
        data["has_messages"] = !messages.empty();

        // Consent: the view the CLI and the API show.
        ConsentStore consent(redis, config);
        const auto view = consent_json(*m, sc, consent);
        json channels = json::array();
        for (const Channel c : {Channel::sms, Channel::wechat})
            channels.push_back(
                channel_json(c, view["channels"][std::string(to_string(c))], address_of(*m, c)));
        data["channels"] = channels;
        json ledger = json::array();
        for (const auto& e : view["ledger"]) {
            const auto channel = parse_channel(e.value("channel", ""));
            ledger.insert(ledger.begin(),
                          json{{"at", short_time(e.value("at", ""))},
                               {"channel", channel ? std::string(channel_words(*channel))
                                                   : e.value("channel", "")},
                               {"event", e.value("event", "") == "opt_in" ? "同意接收" : "退订"},
                               {"opt_in", e.value("event", "") == "opt_in"},
                               {"source", consent_source_words(e.value("source", ""))},
                               {"detail", shown(e.value("detail", ""))}});
        }
        data["ledger"] = ledger;
        data["has_ledger"] = !ledger.empty();
        const std::string title = m->name.empty() ? "会员 " + m->id : m->name;
        return ctx_.page(req, {title, store, ConsoleTab::members}, render_view("member", data));
    });
}

HttpReply MemberPage::record_consent(const HttpRequest& req) {
    const auto& store = req.path_params.at(0);
    const auto& id = req.path_params.at(1);
    if (auto refusal = ctx_.gate(req, store)) return *refusal;
    if (!is_valid_member_id(id)) return ctx_.not_found(req);
    auto bad = [&](const std::string& what) {
        json data{{"error", what}, {"back", member_path(store, id)}};
        return ctx_.page(req, {"没有记录", store, ConsoleTab::members},
                         render_view("member_error", data), 400);
    };
    const auto channel = parse_channel(req.param("channel"));
    if (!channel)
        return bad("表单里的渠道（channel）应为 sms（短信）或 wechat（微信），收到的是“" +
                   req.param("channel") + "”。");
    const auto action = req.param("action");
    if (action != "opt_in" && action != "opt_out")
        return bad("表单里的操作（action）应为 opt_in（同意接收）或 opt_out（退订），收到的是“" +
                   action + "”。");
    const auto& config = ctx_.config();
    return ctx_.with_redis(req, "counter consent", [&](RedisConnection& redis) {
        const auto m = MemberStore(redis).get(store, id);
        if (!m) return ctx_.not_found(req);
        ConsentEvent e;
        e.at = ctx_.clock().now();
        e.store = store;
        e.channel = *channel;
        e.opt_in = action == "opt_in";
        e.source = ConsentSource::counter;
        e.member = m->id;
        e.address = address_of(*m, *channel);
        if (e.address.empty())
            return bad(std::string("这位会员没有") +
                       (*channel == Channel::sms ? "手机号" : "关联微信") + "，无法记录" +
                       std::string(channel_words(*channel)) + "的同意或退订。");
        const auto login =
            req.identity.kind == Identity::Kind::admin ? std::string("admin") : req.identity.id;
        e.detail = "staff " + login + " at the counter";
        if (const auto problem = check_consent_event(e)) return bad("不能记录：" + *problem);
        const auto outcome = ConsentStore(redis, config).record(e);
        std::string welcome;
        if (!outcome.welcome_job.empty()) {
            if (const auto* sc = config.find_store(store))
                welcome = "&welcome=" +
                          url_encode(short_time(format_instant(outcome.welcome_due, sc->zone)));
        }
        return HttpReply::redirect(member_path(store, id) + "?done=" + action +
                                   "&channel=" + std::string(to_string(*channel)) + "&cancelled=" +
                                   std::to_string(outcome.cancelled) + welcome + "#consent");
    });
}

}  // namespace huitou
