#include "console/templates_page.h"

#include <algorithm>

#include "core/civil_time.h"
#include "core/console_words.h"
#include "core/saved_templates.h"
#include "core/sms_template_check.h"
#include "core/sms_text.h"
#include "core/template_sample.h"
#include "io/member_store.h"
#include "io/redis_keys.h"
#include "io/shard_map.h"
#include "io/template_store.h"

namespace huitou {

namespace {

constexpr std::string_view saved_prefix = "console template ";

bool is_owner(const Identity& who) {
    return who.kind == Identity::Kind::admin || who.role == "owner";
}

std::string who_saves(const Identity& who) {
    return who.kind == Identity::Kind::admin ? std::string("admin") : who.id;
}

// "生日", "节日·中秋节", "生日+节日（同一天合成一条）".
std::string name_words(std::string_view name, const Config& config, const StoreConfig& store) {
    const auto kinds = TemplateSet::kinds_of(name);
    if (kinds.size() > 1) {
        std::string words;
        for (const Kind k : kinds)
            words += (words.empty() ? "" : "+") + std::string(kind_words(k));
        return words + "（同一天合成一条）";
    }
    if (kinds.size() == 1 && kinds.front() == Kind::festival && name != "festival") {
        for (const Festival* f : config.festivals_of(store)) {
            if (f->template_name == name) return "节日·" + f->name;
        }
    }
    if (kinds.size() == 1 && name == to_string(kinds.front()))
        return std::string(kind_words(kinds.front())) +
               (kinds.front() == Kind::festival ? "（通用）" : "");
    return std::string(name);
}

// What each variable is, for staff.
std::string variable_words(std::string_view name) {
    static const std::map<std::string_view, std::string_view> words{
        {"honorific", "称呼，如 王女士、李先生"},
        {"name", "会员姓名"},
        {"store", "店名"},
        {"tier", "会员等级，如 金卡（可能没有）"},
        {"age", "过几岁生日（不知道出生年份时没有）"},
        {"days_until", "离那天还有几天（提前发送时才有）"},
        {"child_name", "孩子的名字"},
        {"child_age", "孩子过几岁生日（可能没有）"},
        {"festival", "节日名称，如 中秋节"},
        {"card_expires", "会员卡到期日，如 2027年9月22日"},
        {"days_left", "会员卡还有几天到期（可能没有）"},
        {"followup", "第二次及以后的提醒才有"},
        {"points", "将到期的积分数，如 1200"},
        {"points_expire", "积分到期日，如 2027年9月22日"},
        {"tags", "通知的标签中她有的，如 历史小说、乐高"},
    };
    const auto it = words.find(name);
    return it == words.end() ? std::string(name) : std::string(it->second);
}

// `{{x}}` out of a check's technical line, or "".
std::string first_tag(std::string_view line) {
    const auto open = line.find("{{");
    if (open == std::string_view::npos) return {};
    const auto close = line.find("}}", open);
    if (close == std::string_view::npos) return {};
    return std::string(line.substr(open, close + 2 - open));
}

// A check's technical line in plain Chinese (the line itself is shown too).
std::string plain_problem(std::string_view line, const StoreConfig& store) {
    const auto has = [&](std::string_view s) { return line.find(s) != std::string_view::npos; };
    if (has("unknown tag"))
        return "有不认识的标记 " + first_tag(line) + "：请只用下面列出的变量，注意拼写。";
    if (has("may be empty"))
        return first_tag(line) + " 有时没有值，要写在 {{#…}} 和 {{/…}} 中间，没有值时整段不显示。";
    if (has("has no value in a")) return first_tag(line) + " 在这种消息里没有值，不能用。";
    if (has("closes a section") || has("is not closed")) return "{{#…}} 和 {{/…}} 没有成对出现。";
    if (has("SMS parts"))
        return "最长时（名字等都按最长算）会超过本店每条短信最多 " +
               std::to_string(store.sms_max_parts) + " 条的限制，请写短一些。";
    if (has("provider refuses")) return "含有短信平台不允许的词，会被拒发。";
    if (has("is empty")) return "模板是空的。";
    if (has("sends no template named")) return "本店不用这个模板。";
    if (has("not valid UTF-8")) return "文字编码有误。";
    if (has("partials") || has("delimiters")) return "用了不支持的写法。";
    return "模板写法有误。";
}

nlohmann::json problems_json(const std::vector<std::string>& lines, const StoreConfig& store) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& line : lines)
        out.push_back({{"plain", plain_problem(line, store)}, {"technical", line}});
    return out;
}

// A mustache section shows for any string, "" included: null hides it.
nlohmann::json or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// Where the template in use comes from, for staff.
std::string source_words(std::string_view source) {
    if (source.empty()) return "没有模板";
    if (source.starts_with(saved_prefix)) return "在这里保存的";
    if (source.find("(embedded)") != std::string_view::npos) return "默认";
    return "配置目录里的文件";
}

std::string local_time(SysSeconds at, const StoreConfig& store) {
    auto text = format_instant(at, store.zone).substr(0, 16);
    text[10] = ' ';
    return text;
}

std::string editor_path(const std::string& store, std::string_view name, Channel channel) {
    return "/stores/" + url_encode(store) + "/templates/" + url_encode(name) +
           "?channel=" + std::string(to_string(channel));
}

// Form text as written: a browser sends CRLF line ends.
std::string normalized(std::string text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        out += text[i];
    }
    return out;
}

// A member of `store` to preview template `name` on: one who has what it
// speaks of, among the first few hundred ids (in id order); else any.
std::optional<Member> pick_member(RedisConnection& redis, const std::string& store,
                                  std::string_view name) {
    // The first shard's members (every shard's are alike: members are
    // spread by a hash of their id).
    const std::string prefix = keys::member_prefix(shards_of(redis, store).front());
    std::vector<std::string> ids;
    std::string cursor = "0";
    for (int round = 0; round < 10 && ids.size() < 300; ++round) {
        const auto r = redis.command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "100"})
                           .expect_ok("SCAN members");
        if (r.elements.size() != 2) break;
        cursor = r.elements[0].str;
        for (const auto& key : r.elements[1].elements)
            ids.push_back(key.str.substr(prefix.size()));
        if (cursor == "0") break;
    }
    std::sort(ids.begin(), ids.end());
    const auto members = MemberStore(redis).get_many(store, ids);
    for (const auto& m : members)
        if (fits_template(m, name)) return m;
    if (!members.empty()) return members.front();
    return std::nullopt;
}

}  // namespace

HttpReply TemplatesPage::list(const HttpRequest& req, const StoreConfig& store) {
    return ctx_.with_redis(req, "templates", [&](RedisConnection& redis) {
        const Config& config = ctx_.config();
        TemplateStore saved_store(redis);
        const auto applied =
            apply_saved_templates(config, store, ctx_.templates(), saved_store.saved(store.id));
        nlohmann::json rows = nlohmann::json::array();
        for (const Channel channel : {Channel::sms, Channel::wechat}) {
            for (const auto& name : TemplateSet::names_for(config, store, channel)) {
                const auto source = applied.templates.source(store.id, name, channel);
                nlohmann::json row{{"name", name},
                                   {"words", name_words(name, config, store)},
                                   {"channel", channel_words(channel)},
                                   {"code", to_string(channel)},
                                   {"source", source_words(source)},
                                   {"saved", source.starts_with(saved_prefix)},
                                   {"none", source.empty()},
                                   {"href", editor_path(store.id, name, channel)}};
                if (source.starts_with(saved_prefix)) {
                    const auto versions = saved_store.versions(store.id, name, channel);
                    if (!versions.empty()) {
                        row["by"] = versions.front().by;
                        row["at"] = local_time(versions.front().at, store);
                    }
                }
                rows.push_back(std::move(row));
            }
        }
        nlohmann::json data{{"rows", rows},
                            {"owner", is_owner(req.identity)},
                            {"problems", problems_json(applied.problems, store)}};
        return ctx_.page(req, {"模板", store.id, ConsoleTab::templates},
                         render_view("templates", data));
    });
}

HttpReply TemplatesPage::editor(const HttpRequest& req, const StoreConfig& store,
                                const std::string& name, Channel channel, const Draft& draft,
                                int status) {
    return ctx_.with_redis(req, "template editor", [&](RedisConnection& redis) {
        const Config& config = ctx_.config();
        TemplateStore saved_store(redis);
        auto applied =
            apply_saved_templates(config, store, ctx_.templates(), saved_store.saved(store.id));
        const std::string source = applied.templates.source(store.id, name, channel);
        const bool is_saved = source.starts_with(saved_prefix);
        const std::string current = applied.templates.text(store.id, name, channel);
        const std::string text = draft.text ? *draft.text : current;
        const auto problems =
            check_saved_template(config, store, ctx_.templates(), {name, channel, text});
        // The draft in place, when its tags are right, for the preview and the counter.
        TemplateSet drafted = std::move(applied.templates);
        bool renders = !text.empty();
        try {
            if (renders)
                drafted.put(store.id, name, channel, text,
                            saved_template_source(store.id, name, channel));
        } catch (const ConfigError&) {
            renders = false;
        }

        // The member the preview is written to.
        std::optional<Member> member;
        std::string member_note;
        const auto member_id = req.param("member");
        if (!member_id.empty()) {
            member = MemberStore(redis).get(store.id, member_id);
            if (!member) {
                if (!req.writes()) return ctx_.not_found(req);
                member_note = "没有会员号为 " + member_id + " 的会员，预览换成了另一位。";
            }
        }
        if (!member) member = pick_member(redis, store.id, name);

        const auto kinds = TemplateSet::kinds_of(name);
        nlohmann::json preview{{"has", false}};
        if (renders && member) {
            const Date today = local_date(ctx_.clock().now(), store.zone);
            const auto values = sample_values(*member, store, config, name, today);
            if (const auto body = drafted.render(store.id, name, channel, values)) {
                preview["has"] = true;
                if (channel == Channel::sms) {
                    const auto full = compose_sms(store.sms_signature, *body, store.sms_unsubscribe,
                                                  sms_purpose(kinds.front()));
                    preview["text"] = full;
                    preview["units"] = sms_units(full);
                    preview["parts"] = sms_parts(full);
                } else {
                    preview["text"] = *body;
                }
            }
        }
        nlohmann::json worst{{"has", false}};
        nlohmann::json banned = nlohmann::json::array();
        if (renders && channel == Channel::sms) {
            if (const auto report = sms_template_report(config, store, drafted, name)) {
                worst = {
                    {"has", true},
                    {"units", report->worst_units},
                    {"parts", report->worst_parts},
                    {"max_parts", store.sms_max_parts},
                    {"over", report->worst_parts > static_cast<std::size_t>(store.sms_max_parts)}};
                for (const auto& w : report->banned)
                    banned.push_back(w);
            }
        }

        nlohmann::json variables = nlohmann::json::array();
        for (const auto& v : template_variables()) {
            const bool used =
                v.kinds.empty() || std::any_of(kinds.begin(), kinds.end(), [&](Kind k) {
                    return std::find(v.kinds.begin(), v.kinds.end(), k) != v.kinds.end();
                });
            if (!used) continue;
            const std::string n(v.name);
            variables.push_back({{"tag", "{{" + n + "}}"},
                                 {"words", variable_words(v.name)},
                                 {"optional", v.optional},
                                 {"section", "{{#" + n + "}}…{{" + n + "}}…{{/" + n + "}}"},
                                 {"fallback", std::string(v.fallback)}});
        }

        nlohmann::json versions = nlohmann::json::array();
        const auto list = saved_store.versions(store.id, name, channel);
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& v = list[i];
            versions.push_back({{"v", i},
                                {"at_raw", v.at.time_since_epoch().count()},
                                {"at", local_time(v.at, store)},
                                {"by", v.by},
                                {"action", v.action == "restore" ? "恢复旧版本"
                                           : v.action == "reset" ? "改回默认模板"
                                                                 : "保存"},
                                {"text", v.text},
                                {"reset", v.action == "reset"},
                                {"current", i == 0 && is_saved},
                                {"restorable", v.action != "reset" && !(i == 0 && is_saved)}});
        }

        const std::string base =
            "/stores/" + url_encode(store.id) + "/templates/" + url_encode(name);
        const Channel other = channel == Channel::sms ? Channel::wechat : Channel::sms;
        const auto other_names = TemplateSet::names_for(config, store, other);
        nlohmann::json data{
            {"csrf", req.csrf},
            {"owner", is_owner(req.identity)},
            {"name", name},
            {"words", name_words(name, config, store)},
            {"channel", to_string(channel)},
            {"channel_words", channel_words(channel)},
            {"sms", channel == Channel::sms},
            {"has_other",
             std::find(other_names.begin(), other_names.end(), name) != other_names.end()},
            {"other_words", channel_words(other)},
            {"other_href", editor_path(store.id, name, other)},
            {"list_href", "/stores/" + url_encode(store.id) + "/templates"},
            {"source", source_words(source)},
            {"saved", is_saved},
            {"file_text", ctx_.templates().text(store.id, name, channel)},
            {"text", text},
            {"notice", or_null(draft.notice)},
            {"refused", draft.refused},
            {"problems", problems_json(problems, store)},
            {"ok", problems.empty()},
            {"variables", variables},
            {"member_id", member ? member->id : member_id},
            {"member_name", member ? member->name : std::string{}},
            {"has_member", member.has_value()},
            {"member_note", or_null(member_note)},
            {"preview", preview},
            {"worst", worst},
            {"banned", banned},
            {"has_banned", !banned.empty()},
            {"versions", versions},
            {"signature", store.sms_signature},
            {"unsubscribe", store.sms_unsubscribe},
            {"save_action", base + "?channel=" + std::string(to_string(channel))},
            {"preview_action", base + "/preview?channel=" + std::string(to_string(channel))},
            {"restore_action", base + "/restore?channel=" + std::string(to_string(channel))},
            {"reset_action", base + "/reset?channel=" + std::string(to_string(channel))}};
        return ctx_.page(req,
                         {"模板：" + name_words(name, config, store) + " · " +
                              std::string(channel_words(channel)),
                          store.id, ConsoleTab::templates},
                         render_view("template", data), status);
    });
}

HttpReply TemplatesPage::save(const HttpRequest& req, const StoreConfig& store,
                              const std::string& name, Channel channel) {
    const std::string text = normalized(req.param("text"));
    if (!is_owner(req.identity))
        return editor(
            req, store, name, channel,
            {text, "没有保存：只有店主可以修改模板（模板改了，每位会员收到的消息都会变）。", true},
            403);
    const auto problems =
        check_saved_template(ctx_.config(), store, ctx_.templates(), {name, channel, text});
    if (!problems.empty())
        return editor(req, store, name, channel,
                      {text, "没有保存：模板有下面的问题，请改好再保存。", true}, 422);
    return ctx_.with_redis(req, "save template", [&](RedisConnection& redis) {
        TemplateStore saved_store(redis);
        const auto saved = saved_store.saved(store.id);
        const auto same = std::find(saved.begin(), saved.end(), SavedTemplate{name, channel, text});
        if (same == saved.end())
            saved_store.save(store.id, {name, channel, text}, who_saves(req.identity), "save",
                             ctx_.clock().now());
        return HttpReply::redirect(editor_path(store.id, name, channel) + "&done=saved");
    });
}

HttpReply TemplatesPage::restore(const HttpRequest& req, const StoreConfig& store,
                                 const std::string& name, Channel channel) {
    if (!is_owner(req.identity))
        return editor(req, store, name, channel,
                      {std::nullopt, "没有恢复：只有店主可以修改模板。", true}, 403);
    std::optional<TemplateVersion> chosen;
    {
        auto reply = ctx_.with_redis(req, "template versions", [&](RedisConnection& redis) {
            const auto list = TemplateStore(redis).versions(store.id, name, channel);
            // The version by its place and its time: a list moved meanwhile
            // (someone saved) is not a reason to restore another text.
            const auto v = req.param("v");
            const auto at = req.param("at");
            for (std::size_t i = 0; i < list.size(); ++i) {
                if (std::to_string(i) == v &&
                    std::to_string(list[i].at.time_since_epoch().count()) == at &&
                    list[i].action != "reset")
                    chosen = list[i];
            }
            return HttpReply{};
        });
        if (reply.status != 200) return reply;
    }
    if (!chosen)
        return editor(
            req, store, name, channel,
            {std::nullopt, "没有恢复：找不到这个版本（可能刚有人保存过），请再选一次。", true},
            409);
    const auto problems =
        check_saved_template(ctx_.config(), store, ctx_.templates(), {name, channel, chosen->text});
    if (!problems.empty())
        return editor(req, store, name, channel,
                      {chosen->text,
                       "没有恢复：这个旧版本现在通不过检查（设置可能变了），请改好再保存。", true},
                      422);
    return ctx_.with_redis(req, "restore template", [&](RedisConnection& redis) {
        TemplateStore(redis).save(store.id, {name, channel, chosen->text}, who_saves(req.identity),
                                  "restore", ctx_.clock().now());
        return HttpReply::redirect(editor_path(store.id, name, channel) + "&done=saved");
    });
}

HttpReply TemplatesPage::reset(const HttpRequest& req, const StoreConfig& store,
                               const std::string& name, Channel channel) {
    if (!is_owner(req.identity))
        return editor(req, store, name, channel,
                      {std::nullopt, "没有改回：只有店主可以修改模板。", true}, 403);
    return ctx_.with_redis(req, "reset template", [&](RedisConnection& redis) {
        TemplateStore saved_store(redis);
        const auto saved = saved_store.saved(store.id);
        const bool has = std::any_of(saved.begin(), saved.end(), [&](const SavedTemplate& t) {
            return t.name == name && t.channel == channel;
        });
        if (has)
            saved_store.reset(store.id, name, channel, who_saves(req.identity), ctx_.clock().now());
        return HttpReply::redirect(editor_path(store.id, name, channel) + "&done=reset");
    });
}

void TemplatesPage::add_to(AdminServer& server) {
    server.on_get("/stores/([^/]+)/templates/?", [this](const HttpRequest& req) {
        const auto& store = req.path_params.at(0);
        if (auto refusal = ctx_.gate(req, store)) return *refusal;
        return list(req, *ctx_.config().find_store(store));
    });
    // The editor's routes: the store passes the gate, the template is one
    // the store sends on the channel asked for, else the same 404 page.
    using Action = std::function<HttpReply(const HttpRequest&, const StoreConfig&,
                                           const std::string&, Channel)>;
    auto route = [this](Action action) {
        return [this, action = std::move(action)](const HttpRequest& req) {
            const auto& store_id = req.path_params.at(0);
            if (auto refusal = ctx_.gate(req, store_id)) return *refusal;
            const StoreConfig& store = *ctx_.config().find_store(store_id);
            const auto& name = req.path_params.at(1);
            const auto asked = req.param("channel");
            const auto channel = parse_channel(asked.empty() ? "sms" : asked);
            if (!channel) return ctx_.not_found(req);
            const auto names = TemplateSet::names_for(ctx_.config(), store, *channel);
            if (std::find(names.begin(), names.end(), name) == names.end())
                return ctx_.not_found(req);
            return action(req, store, name, *channel);
        };
    };
    const std::string one = "/stores/([^/]+)/templates/([^/]+)";
    server.on_get(one, route([this](const HttpRequest& req, const StoreConfig& store,
                                    const std::string& name, Channel channel) {
                      Draft none;
                      if (req.param("done") == "saved")
                          none.notice = "已保存。从下一次排期起，消息用这个模板。";
                      else if (req.param("done") == "reset")
                          none.notice = "已改回默认模板。从下一次排期起生效。";
                      return editor(req, store, name, channel, none);
                  }));
    server.on("POST", one + "/preview",
              route([this](const HttpRequest& req, const StoreConfig& store,
                           const std::string& name, Channel channel) {
                  return editor(
                      req, store, name, channel,
                      Draft{normalized(req.param("text")), "这是预览，还没有保存。", false});
              }));
    server.on(
        "POST", one,
        route([this](const HttpRequest& req, const StoreConfig& store, const std::string& name,
                     Channel channel) { return save(req, store, name, channel); }));
    server.on(
        "POST", one + "/restore",
        route([this](const HttpRequest& req, const StoreConfig& store, const std::string& name,
                     Channel channel) { return restore(req, store, name, channel); }));
    server.on(
        "POST", one + "/reset",
        route([this](const HttpRequest& req, const StoreConfig& store, const std::string& name,
                     Channel channel) { return reset(req, store, name, channel); }));
}

}  // namespace huitou
