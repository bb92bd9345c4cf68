#include "console/console.h"

#include "core/embedded_files.h"

namespace huitou {

namespace {

HttpReply static_file(const char* path, const char* type) {
    HttpReply reply{200, std::string(embedded_file(path).value()), type};
    // The files change only with the binary; an hour keeps a phone from
    // asking on every page.
    reply.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return reply;
}

}  // namespace

Console::Console(const Config& config, const TemplateSet& templates, RedisEndpoint redis,
                 const Clock& clock)
    : context_(config, templates, std::move(redis), clock), login_(context_),
      templates_(context_) {}

Console::~Console() = default;

void Console::add_to(AdminServer& server) {
    server.on_get("/static/console.css", [](const HttpRequest&) {
        return static_file("console/static/console.css", "text/css; charset=utf-8");
    });
    server.on_get("/static/console.js", [](const HttpRequest&) {
        return static_file("console/static/console.js", "text/javascript; charset=utf-8");
    });
    server.on_get("/static/templates.js", [](const HttpRequest&) {
        return static_file("console/static/templates.js", "text/javascript; charset=utf-8");
    });
    server.on_get("/", [this](const HttpRequest& req) {
        if (req.identity.kind == Identity::Kind::nobody) return HttpReply::redirect("/login");
        const auto stores = context_.visible_stores(req.identity);
        if (stores.empty())
            return context_.page(req, {"没有门店", "", ConsoleTab::none},
                                 "<p>这个账号没有可以查看的门店。</p>");
        return HttpReply::redirect("/stores/" + url_encode(stores.front()) + "/today");
    });
    server.on_get("/stores", [this](const HttpRequest& req) {
        const auto store = req.param("store");
        if (auto refusal = context_.gate(req, store)) return *refusal;
        return HttpReply::redirect("/stores/" + url_encode(store) + "/today");
    });
    server.on_get("/stores/([^/]+)/?", [this](const HttpRequest& req) {
        const auto& store = req.path_params.at(0);
        if (auto refusal = context_.gate(req, store)) return *refusal;
        return HttpReply::redirect("/stores/" + url_encode(store) + "/today");
    });
    // The pages, each its own module:
    login_.add_to(server);
    today_.add_to(server);
    templates_.add_to(server);
    results_.add_to(server);
    health_.add_to(server);
    member_page_.add_to(server);
    care_page_.add_to(server);
}

}  // namespace huitou
