#include "console/console_page.h"

#include <stdexcept>

#include <spdlog/spdlog.h>
#include <kainjow/mustache.hpp>

#include "core/embedded_files.h"
#include "core/markup_escape.h"
#include "io/lua_script.h"

namespace huitou {

namespace {

namespace mstch = kainjow::mustache;

mstch::data to_data(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::object: {
            mstch::data object = mstch::data::type::object;
            for (const auto& [key, item] : value.items())
                object.set(key, to_data(item));
            return object;
        }
        case nlohmann::json::value_t::array: {
            mstch::data list = mstch::data::type::list;
            for (const auto& item : value)
                list.push_back(to_data(item));
            return list;
        }
        case nlohmann::json::value_t::string:
            return mstch::data(value.get<std::string>());
        case nlohmann::json::value_t::boolean:
            return value.get<bool>() ? mstch::data(mstch::data::type::bool_true)
                                     : mstch::data(mstch::data::type::bool_false);
        case nlohmann::json::value_t::null:
            return mstch::data(mstch::data::type::bool_false);
        default:  // numbers
            return mstch::data(value.dump());
    }
}

const char* tab_name(ConsoleTab tab) {
    switch (tab) {
        case ConsoleTab::today:
            return "today";
        case ConsoleTab::care:
            return "care";
        case ConsoleTab::members:
            return "members";
        case ConsoleTab::results:
            return "results";
        case ConsoleTab::templates:
            return "templates";
        case ConsoleTab::health:
            return "health";
        case ConsoleTab::none:
            break;
    }
    return "";
}

}  // namespace

std::string html_escape(std::string_view text) {
    return markup_escape(text);
}

std::variant<Date, std::string> day_param(const HttpRequest& req, const Date& today) {
    const auto text = req.param("day");
    if (text.empty()) return today;
    if (const auto day = parse_date(text)) return *day;
    return "日期“" + text + "”看不懂：请写成 2027-09-15 这样的格式。";
}

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string render_view(std::string_view name, const nlohmann::json& data) {
    const std::string path = "console/views/" + std::string(name) + ".html";
    const auto text = embedded_file(path);
    if (!text) throw std::logic_error("no console view " + path);
    mstch::mustache view{std::string(*text)};
    if (!view.is_valid()) throw std::logic_error(path + ": " + view.error_message());
    return view.render(to_data(data));
}

ConsoleContext::ConsoleContext(const Config& config, const TemplateSet& templates,
                               RedisEndpoint redis, const Clock& clock)
    : config_(config), templates_(templates), endpoint_(std::move(redis)), clock_(clock) {}

std::vector<std::string> ConsoleContext::visible_stores(const Identity& who) const {
    std::vector<std::string> ids;
    for (const auto& [id, store] : config_.stores)
        if (who.covers(id)) ids.push_back(id);
    return ids;
}

std::optional<HttpReply> ConsoleContext::gate(const HttpRequest& req,
                                              const std::string& store) const {
    if (req.identity.kind == Identity::Kind::nobody) {
        std::string next = req.path;
        if (req.writes()) next = "/stores/" + url_encode(store) + "/today";
        return HttpReply::redirect("/login?next=" + url_encode(next));
    }
    switch (req.identity.access(store, req.writes())) {
        case StoreAccess::hidden:
            return not_found(req);
        case StoreAccess::read_only:
            return page(req, {"不能修改", store, ConsoleTab::none},
                        "<p>这个账号只能查看，不能修改。</p>", 403);
        case StoreAccess::allowed:
            break;
    }
    if (!config_.find_store(store)) return not_found(req);
    return std::nullopt;
}

HttpReply ConsoleContext::page(const HttpRequest& req, const PageFrame& frame,
                               const std::string& body_html, int status) const {
    nlohmann::json data;
    data["title"] = frame.title;
    data["body"] = body_html;
    data["signed_in"] =
        req.identity.kind == Identity::Kind::account || req.identity.kind == Identity::Kind::admin;
    data["user"] = req.identity.kind == Identity::Kind::admin ? "管理员" : req.identity.id;
    data["csrf"] = req.csrf;
    data["session"] = !req.csrf.empty();
    data["owner"] = req.identity.kind == Identity::Kind::admin || req.identity.role == "owner";
    const bool has_store = !frame.store.empty() && config_.find_store(frame.store);
    data["has_store"] = has_store;
    if (has_store) {
        data["store"] = frame.store;
        data["store_path"] = url_encode(frame.store);
        data["store_name"] = config_.find_store(frame.store)->name;
        data[std::string("tab_") + tab_name(frame.tab)] = true;
        data["care"] = config_.find_store(frame.store)->care.enabled;
    }
    nlohmann::json stores = nlohmann::json::array();
    for (const auto& id : visible_stores(req.identity)) {
        const auto* store = config_.find_store(id);
        stores.push_back({{"id", id},
                          {"path", url_encode(id)},
                          {"name", store->name.empty() ? id : store->name},
                          {"current", id == frame.store}});
    }
    data["stores"] = stores;
    data["many_stores"] = stores.size() > 1;
    return HttpReply::html(render_view("layout", data), status);
}

HttpReply ConsoleContext::not_found(const HttpRequest& req) const {
    return page(req, {"没有这个页面", "", ConsoleTab::none},
                "<p>没有这个页面，或者这个账号看不到它。</p><p><a href=\"/\">返回首页</a></p>",
                404);
}

HttpReply ConsoleContext::with_redis(const HttpRequest& req, const char* what,
                                     const std::function<HttpReply(RedisConnection&)>& work) {
    std::lock_guard lock(mutex_);
    try {
        if (!redis_) redis_ = std::make_unique<RedisConnection>(endpoint_);
        return work(*redis_);
    } catch (const StoreFrozen& e) {
        // A reshard holds the store (io/lua_script.h): nothing was written,
        // the connection is fine, and the staff should try again shortly.
        spdlog::info("console {}: {}", what, e.what());
        auto reply = page(req, {"请稍后再试", "", ConsoleTab::none},
                          "<p>这家店的数据正在迁移，这次没有保存任何改动。请一分钟后再试。</p>"
                          "<p><a href=\"/\">返回首页</a></p>",
                          503);
        reply.headers.emplace_back("Retry-After", "60");
        return reply;
    } catch (const RedisError& e) {
        spdlog::error("console {}: {}", what, e.what());
        redis_.reset();
        return page(req, {"暂时无法读取", "", ConsoleTab::none},
                    "<p>数据暂时无法读取（Redis 不可用），请稍后刷新。</p>", 503);
    } catch (const RedisReplyError& e) {
        spdlog::error("console {}: Redis refused {}: {}", what, e.request(), e.reply());
        return page(req, {"出错了", "", ConsoleTab::none},
                    "<p>数据读取出错，调度程序的日志里有原因。</p>", 500);
    }
}

}  // namespace huitou
