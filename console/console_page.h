// console_page.h — what every page of the shop's console shares.
//
// The console (console/console.h) is server-rendered HTML in Chinese, read on
// a phone at the counter as much as on a desktop: each page is a mustache view
// (console/views/<name>.html, embedded in the binary) filled from JSON, inside
// one frame (layout.html: the store switcher, the tabs, who is signed in, the
// logout form). {{x}} escapes HTML, so a member named "<script>" is text; a
// view uses {{{x}}} only for HTML this code built itself.
//
// ConsoleContext is what the page modules share: the config, the templates,
// the clock, one Redis connection (pages are people's requests, a few a
// second: one connection behind a mutex, as the admin API has), and the gate
// every store page passes first:
//   - nobody signed in: 303 to /login?next=<the page>;
//   - a store that is not configured, or not the caller's: the same 404 page,
//     word for word, so a staff account learns nothing of other stores;
//   - a write by a read-only identity: 403.
// Pages never decide access themselves; they ask gate() and Identity.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/civil_time.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/message_template.h"
#include "io/redis_connection.h"
#include "scheduler/admin_server.h"

namespace huitou {

// The tabs of a store's pages, in the frame's order.
enum class ConsoleTab { today, care, members, results, templates, health, none };

struct PageFrame {
    std::string title;  // the page's <title> and heading, Chinese
    std::string store;  // the store the page is about ("" for none)
    ConsoleTab tab = ConsoleTab::none;
};

// `text` with & < > " ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view text);

// `text` percent-encoded for a URL's path segment or query value.
std::string url_encode(std::string_view text);

// The day a page's "?day=" names: `today` when there is none; a text that
// is not a date (YYYY-MM-DD) gives the sentence for the page's 400 instead.
// Which days a page allows is the page's own rule.
std::variant<Date, std::string> day_param(const HttpRequest& req, const Date& today);

// Renders the embedded view console/views/<name>.html with `data`
// (objects, arrays, strings, numbers, booleans as mustache sees them).
// Throws std::logic_error for a view that does not exist.
std::string render_view(std::string_view name, const nlohmann::json& data);

class ConsoleContext {
  public:
    // `config`, `templates` and `clock` must outlive it; Redis is connected
    // on first use.
    ConsoleContext(const Config& config, const TemplateSet& templates, RedisEndpoint redis,
                   const Clock& clock);

    const Config& config() const { return config_; }
    const TemplateSet& templates() const { return templates_; }
    const Clock& clock() const { return clock_; }

    // The refusal for `req` on the store page of `store`, else nullopt.
    std::optional<HttpReply> gate(const HttpRequest& req, const std::string& store) const;

    // `body_html` inside the frame: head, the store switcher (stores the
    // caller may see), tabs, the signed-in name and the logout form.
    HttpReply page(const HttpRequest& req, const PageFrame& frame, const std::string& body_html,
                   int status = 200) const;

    // The not-found page (also for a store that is not the caller's).
    HttpReply not_found(const HttpRequest& req) const;

    // Runs `work` with the console's Redis connection, one request at a
    // time. Redis away: a 503 page (the connection is made again next
    // time); Redis refusing (RedisReplyError): a logged 500 page.
    HttpReply with_redis(const HttpRequest& req, const char* what,
                         const std::function<HttpReply(RedisConnection&)>& work);

    // The stores `who` may see, in the config's order.
    std::vector<std::string> visible_stores(const Identity& who) const;

  private:
    const Config& config_;
    const TemplateSet& templates_;
    RedisEndpoint endpoint_;
    const Clock& clock_;
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
