#include "console/today_page.h"

#include <map>

#include "core/console_words.h"
#include "core/day_approval.h"
#include "io/day_approvals.h"
#include "io/http_client.h"
#include "io/job_store.h"
#include "scheduler/day_approval_view.h"
#include "scheduler/day_preview.h"

namespace huitou {

namespace {

// The days the page shows: today and the next 7.
constexpr int kDaysAhead = 7;

Date plus_days(const Date& day, int n) {
    return Date{date::sys_days{day} + date::days{n}};
}

// "9月15日 周三".
std::string day_label(const Date& day) {
    static constexpr const char* weekdays[] = {"日", "一", "二", "三", "四", "五", "六"};
    const date::weekday wd{date::sys_days{day}};
    return std::to_string(static_cast<unsigned>(day.month())) + "月" +
           std::to_string(static_cast<unsigned>(day.day())) + "日 周" + weekdays[wd.c_encoding()];
}

// "13:35", in the store's zone.
std::string clock_time(SysSeconds t, const date::time_zone* zone) {
    return format_instant(t, zone).substr(11, 5);
}

// Every value of the form field `name` in a form-encoded body (checkboxes
// repeat a name; HttpRequest::query keeps only the last).
std::vector<std::string> form_values(std::string_view body, std::string_view name) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        const auto pair = body.substr(start, end - start);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && percent_decode(pair.substr(0, eq)) == name)
            out.push_back(percent_decode(pair.substr(eq + 1)));
        start = end + 1;
    }
    return out;
}

// Who acts, as recorded in a job's error: the account's login ("admin" for
// the admin token).
std::string actor(const Identity& who) {
    return who.id.empty() ? std::string("admin") : who.id;
}

std::string today_path(const std::string& store) {
    return "/stores/" + url_encode(store) + "/today";
}

HttpReply bad_request(ConsoleContext& ctx, const HttpRequest& req, const std::string& store,
                      const std::string& text) {
    return ctx.page(req, {"无法处理", store, ConsoleTab::today},
                    "<p class=\"error\">" + html_escape(text) + "</p><p><a href=\"" +
                        today_path(store) + "\">返回今日</a></p>",
                    400);
}

const std::string* find_name(const StorePreview& p, const std::string& job_id) {
    for (const auto& m : p.messages)
        if (m.job_id == job_id) return &m.member_name;
    for (const auto& s : p.skipped)
        if (s.occasion_id == job_id) return &s.member_name;
    return nullptr;
}

// The notice a 303 back to the page carries (?held=, ?late=, ?approved=).
std::string notice_text(const HttpRequest& req, const StorePreview& p) {
    const auto who = [&](const std::string& job) {
        const auto* name = find_name(p, job);
        return name && !name->empty() ? *name : std::string("这位会员");
    };
    if (const auto job = req.param("held"); !job.empty())
        return "已暂停" + who(job) + "今天的消息，它不会发出。";
    if (const auto job = req.param("late"); !job.empty())
        return who(job) + "的消息已经在发送或已发出，不能再暂停。";
    if (const auto job = req.param("ended"); !job.empty())
        return who(job) + "的这条消息已经不会发出了，不用再暂停。";
    if (const auto n = req.param("approved"); !n.empty()) {
        std::string text = "已批准，" + std::to_string(std::atoi(n.c_str())) + " 条消息可以发出";
        const int cancelled = std::atoi(req.param("cancelled").c_str());
        if (cancelled > 0) text += "；未勾选的 " + std::to_string(cancelled) + " 条不再发送";
        return text + "。";
    }
    return {};
}

}  // namespace

void TodayPage::add_to(AdminServer& server) {
    server.on_get("/stores/([^/]+)/today", [this](const HttpRequest& req) { return show(req); });
    server.on("POST", "/stores/([^/]+)/today/hold",
              [this](const HttpRequest& req) { return hold(req); });
    server.on("POST", "/stores/([^/]+)/today/approve",
              [this](const HttpRequest& req) { return approve(req); });
}

HttpReply TodayPage::show(const HttpRequest& req) {
    const auto& store_id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
    const StoreConfig& store = *ctx_.config().find_store(store_id);
    const SysSeconds now = ctx_.clock().now();
    const Date today = local_date(now, store.zone);
    const auto asked = day_param(req, today);
    if (const auto* problem = std::get_if<std::string>(&asked))
        return bad_request(ctx_, req, store_id, *problem);
    const Date day = std::get<Date>(asked);
    if (day < today || day > plus_days(today, kDaysAhead)) {
        return bad_request(ctx_, req, store_id,
                           "这里只能看今天和之后 7 天（" + format_date(today) + " 至 " +
                               format_date(plus_days(today, kDaysAhead)) + "）。");
    }
    const bool is_today = day == today;

    return ctx_.with_redis(req, "today", [&](RedisConnection& redis) {
        const auto previews =
            preview_day(redis, ctx_.config(), ctx_.templates(), day, store_id, now);
        const StorePreview& p = previews.at(0);
        std::optional<DayApproval> approval;
        if (store.approve_before_send && is_today)
            approval = DayApprovals(redis, ctx_.config()).get(store_id, day);

        nlohmann::json data;
        data["store_path"] = url_encode(store_id);
        data["csrf"] = req.csrf;
        data["day"] = format_date(day);
        // Mustache takes an empty string as true: set only when there is one.
        if (auto notice = notice_text(req, p); !notice.empty()) data["notice"] = notice;

        auto days = nlohmann::json::array();
        for (int i = 0; i <= kDaysAhead; ++i) {
            const Date d = plus_days(today, i);
            days.push_back(
                {{"href", today_path(store_id) + (i == 0 ? "" : "?day=" + format_date(d))},
                 {"label", (i == 0   ? std::string("今天 ")
                            : i == 1 ? "明天 "
                                     : "") +
                               day_label(d)},
                 {"date", format_date(d)},
                 {"on", d == day}});
        }
        data["days"] = days;

        // Counts per occasion: the messages by kind, then who gets nothing.
        std::map<Kind, int> by_kind;
        for (const auto& m : p.messages)
            ++by_kind[m.kind];
        auto counts = nlohmann::json::array();
        counts.push_back({{"n", p.messages.size()}, {"label", "条消息"}, {"kind", "all"}});
        for (const auto& [kind, n] : by_kind)
            counts.push_back({{"n", n}, {"label", kind_words(kind)}, {"kind", to_string(kind)}});
        counts.push_back({{"n", p.skipped.size()}, {"label", "人次不发"}, {"kind", "skipped"}});
        data["counts"] = counts;

        int waiting = 0;
        auto messages = nlohmann::json::array();
        for (const auto& m : p.messages) {
            const bool planned = m.state == "planned";
            const bool approved = approval && approval->jobs.contains(m.job_id);
            const bool needs = store.approve_before_send && is_today && planned && !approved;
            if (needs) ++waiting;
            std::string state = m.state == "new"
                                    ? std::string("待安排")
                                    : std::string(state_words(
                                          parse_job_state(m.state).value_or(JobState::planned)));
            nlohmann::json j{{"member", m.member_id},
                             {"member_path", url_encode(m.member_id)},
                             {"name", m.member_name.empty() ? "（没有姓名）" : m.member_name},
                             {"job", m.job_id},
                             {"time", clock_time(m.at, store.zone)},
                             {"channel", channel_words(m.channel)},
                             {"kind", kind_words(m.kind)},
                             {"kind_code", to_string(m.kind)},
                             {"state", state},
                             {"state_code", m.state},
                             {"text", m.text},
                             {"holdable", is_today && planned},
                             {"actions", is_today && planned},
                             {"waiting", needs},
                             {"approved", store.approve_before_send && approved}};
            if (!m.merged.empty()) {
                const auto merged_kind = parse_kind(m.merged.substr(0, m.merged.find(':')));
                if (merged_kind) j["merged"] = kind_words(*merged_kind);
            }
            messages.push_back(std::move(j));
        }
        data["messages"] = messages;
        data["message_count"] = p.messages.size();

        auto skipped = nlohmann::json::array();
        for (const auto& s : p.skipped) {
            skipped.push_back({{"member", s.member_id},
                               {"member_path", url_encode(s.member_id)},
                               {"name", s.member_name.empty() ? "（没有姓名）" : s.member_name},
                               {"kind", kind_words(s.kind)},
                               {"kind_code", to_string(s.kind)},
                               {"job", s.occasion_id},
                               {"code", s.reason},
                               {"reason", skip_words(s.reason, s.detail)}});
        }
        data["skipped"] = skipped;
        data["skipped_count"] = p.skipped.size();

        // Approval: whether the day may go, by whom, when; the form while
        // planned jobs wait.
        if (store.approve_before_send) {
            data["needs_approval"] = true;
            if (!is_today) {
                data["approval_later"] = true;
            } else if (approval) {
                data["approved_by"] = approval->by;
                auto at = format_instant(approval->at, store.zone).substr(0, 16);
                at[10] = ' ';  // "2027-09-15 12:05"
                data["approved_at"] = at;
            }
            data["approve_form"] = is_today && waiting > 0;
            data["waiting"] = waiting;
        }
        const std::string title = is_today ? "今日消息" : day_label(day) + "的消息";
        return ctx_.page(req, {title, store_id, ConsoleTab::today}, render_view("today", data));
    });
}

HttpReply TodayPage::hold(const HttpRequest& req) {
    const auto& store_id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
    const StoreConfig& store = *ctx_.config().find_store(store_id);
    const auto job_id = req.param("job");
    if (job_id.empty()) return bad_request(ctx_, req, store_id, "没有指明要暂停哪条消息。");
    const SysSeconds now = ctx_.clock().now();
    return ctx_.with_redis(req, "hold", [&](RedisConnection& redis) {
        JobStore jobs(redis, ctx_.config().scheduler);
        const auto job = jobs.get(store_id, job_id, store.zone);
        if (!job) return ctx_.not_found(req);
        if (local_date(job->due_at, store.zone) != local_date(now, store.zone))
            return bad_request(ctx_, req, store_id, "只能暂停今天的消息。");
        const auto before =
            jobs.cancel_planned(store_id, {job_id}, held_error(actor(req.identity)), "held", now);
        const auto state = before.empty() ? std::nullopt : before[0];
        // Dispatched or sent: on its way, too late; anything else has ended.
        const char* notice = state == JobState::planned ? "?held="
                             : state && (*state == JobState::dispatched ||
                                         *state == JobState::sent || *state == JobState::delivered)
                                 ? "?late="
                                 : "?ended=";
        return HttpReply::redirect(today_path(store_id) + notice + url_encode(job_id));
    });
}

HttpReply TodayPage::approve(const HttpRequest& req) {
    const auto& store_id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
    const StoreConfig& store = *ctx_.config().find_store(store_id);
    if (!store.approve_before_send)
        return bad_request(ctx_, req, store_id, "这个门店的消息不需要审批。");
    const SysSeconds now = ctx_.clock().now();
    const Date today = local_date(now, store.zone);
    if (req.param("day") != format_date(today))
        return bad_request(
            ctx_, req, store_id,
            "只能批准今天（" + format_date(today) + "）的消息；页面可能已经过期，请刷新后再批准。");
    const auto shown = form_values(req.body, "shown");
    const auto ticked = form_values(req.body, "job");
    return ctx_.with_redis(req, "approve", [&](RedisConnection& redis) {
        const auto done = approve_day(redis, ctx_.config(), ctx_.templates(), store_id, today,
                                      actor(req.identity), shown, ticked, now);
        return HttpReply::redirect(today_path(store_id) +
                                   "?approved=" + std::to_string(done.approved) +
                                   "&cancelled=" + std::to_string(done.cancelled));
    });
}

}  // namespace huitou
