#include "console/care_page.h"

#include "core/care_list.h"
#include "core/send_window.h"
#include "io/care_store.h"

namespace huitou {
namespace {

std::string care_path(const std::string& store) {
    return "/stores/" + url_encode(store) + "/care";
}

// "+8613800138001" → "138 0013 8001"; other numbers as stored.
std::string phone_words(const std::string& e164) {
    if (e164.size() == 14 && e164.starts_with("+86"))
        return e164.substr(3, 3) + " " + e164.substr(6, 4) + " " + e164.substr(10);
    return e164;
}

std::string actor(const Identity& who) {
    return who.id.empty() ? std::string("admin") : who.id;
}

HttpReply bad_request(ConsoleContext& ctx, const HttpRequest& req, const std::string& store,
                      const std::string& text) {
    return ctx.page(req, {"无法处理", store, ConsoleTab::care},
                    "<p class=\"error\">" + html_escape(text) + "</p><p><a href=\"" +
                        care_path(store) + "\">返回回访</a></p>",
                    400);
}

std::string ago_words(const std::optional<Date>& d, const Date& today) {
    if (!d) return "没有记录";
    const int days = static_cast<int>((date::sys_days{today} - date::sys_days{*d}).count());
    if (days == 0) return format_date(*d) + "（今天）";
    if (days > 0) return format_date(*d) + "（" + std::to_string(days) + " 天前）";
    return format_date(*d);
}

}  // namespace

void CarePage::add_to(AdminServer& server) {
    server.on_get("/stores/([^/]+)/care", [this](const HttpRequest& req) { return show(req); });
    server.on("POST", "/stores/([^/]+)/care/mark",
              [this](const HttpRequest& req) { return mark(req); });
}

HttpReply CarePage::show(const HttpRequest& req) {
    const auto& store_id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
    const StoreConfig& store = *ctx_.config().find_store(store_id);
    const SysSeconds now = ctx_.clock().now();
    const Date today = local_date(now, store.zone);
    const auto asked = day_param(req, today);
    if (const auto* problem = std::get_if<std::string>(&asked))
        return bad_request(ctx_, req, store_id, *problem);
    const Date day = std::get<Date>(asked);
    if (day > today) return bad_request(ctx_, req, store_id, "回访名单在当天生成，不能提前查看。");
    return ctx_.with_redis(req, "care", [&](RedisConnection& redis) {
        nlohmann::json data;
        data["store_path"] = url_encode(store_id);
        data["csrf"] = req.csrf;
        data["day"] = format_date(day);
        data["is_today"] = day == today;
        data["hours"] = format_time_windows(store.care.hours);
        data["enabled"] = store.care.enabled;
        data["calls_per_year"] = store.care.calls_per_year;
        data["quiet_days"] = store.care.quiet_days;
        std::string segments;
        for (const auto s : store.care.segments)
            segments += (segments.empty() ? "" : "、") + std::string(segment_name(s));
        data["segments"] = segments;
        if (const auto why = req.param("refused"); !why.empty())
            data["refusal"] = why == "final" ? "这位会员今天已经记录为已联系或不再致电，不能再改。"
                                             : "这位会员不在这一天的回访名单上。";
        const auto list = CareStore(redis, ctx_.config()).day(store, day);
        data["built"] = list.has_value();
        // After a mark: her name and what was written, from the list itself
        // (the query only names which row; a member not on it gets no notice).
        if (const auto marked = req.param("marked"); !marked.empty() && list) {
            for (const auto& r : list->rows) {
                if (r.entry.member != marked) continue;
                data["notice"] = "已记下：" + (r.name.empty() ? r.entry.member : r.name) + " " +
                                 std::string(care_state_name(r.entry.state)) + "。";
            }
        }
        auto rows = nlohmann::json::array();
        std::size_t open = 0;
        if (list) {
            for (const auto& r : list->rows) {
                const bool can_mark = !is_final(r.entry.state) && r.member_exists;
                if (r.entry.state == CareState::open || r.entry.state == CareState::no_answer)
                    ++open;
                nlohmann::json j{{"member", r.entry.member},
                                 {"member_path", url_encode(r.entry.member)},
                                 {"name", r.name.empty() ? "（没有姓名）" : r.name},
                                 {"segment", segment_name(r.entry.segment)},
                                 {"last_visit", ago_words(r.last_visit, today)},
                                 {"last_contact", ago_words(r.last_contact, today)},
                                 {"state", care_state_name(r.entry.state)},
                                 {"state_code", to_string(r.entry.state)},
                                 {"can_mark", can_mark}};
                if (!r.phone.empty()) {
                    j["phone"] = phone_words(r.phone);
                    j["tel"] = r.phone;
                }
                if (r.hours != store.care.hours) {
                    // Her working hours take some of the store's calling hours.
                    j["own_hours"] = format_time_windows(r.hours);
                    j["work_hours"] = format_time_windows(r.work_hours);
                }
                if (!r.entry.note.empty()) j["note"] = r.entry.note;
                if (!r.entry.by.empty()) j["by"] = r.entry.by;
                rows.push_back(std::move(j));
            }
        }
        data["rows"] = rows;
        data["count"] = rows.size();
        data["open"] = open;
        const std::string title = day == today ? "今日回访" : format_date(day) + " 的回访";
        return ctx_.page(req, {title, store_id, ConsoleTab::care}, render_view("care", data));
    });
}

HttpReply CarePage::mark(const HttpRequest& req) {
    const auto& store_id = req.path_params.at(0);
    if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
    const StoreConfig& store = *ctx_.config().find_store(store_id);
    const auto day = parse_date(req.param("day"));
    if (!day) return bad_request(ctx_, req, store_id, "没有指明是哪一天的回访。");
    const auto state = parse_care_state(req.param("state"));
    if (!state || *state == CareState::open)
        return bad_request(ctx_, req, store_id, "请选择：已联系、未接通或不再致电。");
    const auto member = req.param("member");
    if (member.empty()) return bad_request(ctx_, req, store_id, "没有指明是哪位会员。");
    const auto note = req.param("note");
    if (note.size() > kCareNoteMax)
        return bad_request(
            ctx_, req, store_id,
            "备注太长了：最多 " + std::to_string(kCareNoteMax / 3) + " 个汉字左右。");
    const SysSeconds now = ctx_.clock().now();
    if (*day > local_date(now, store.zone))
        return bad_request(ctx_, req, store_id, "不能记录还没到的日子。");
    return ctx_.with_redis(req, "care mark", [&](RedisConnection& redis) {
        const auto r = CareStore(redis, ctx_.config())
                           .mark(store, *day, member, *state, note, actor(req.identity), now);
        const std::string back = care_path(store_id) + "?day=" + format_date(*day);
        if (r == CareMarkResult::ok)
            return HttpReply::redirect(back + "&marked=" + url_encode(member) +
                                       "&as=" + std::string(to_string(*state)));
        return HttpReply::redirect(back + "&refused=" + std::string(to_string(r)));
    });
}

}  // namespace huitou
