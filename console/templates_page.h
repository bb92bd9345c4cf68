// templates_page.h — a store's templates, read and edited in the console.
//
//   GET  /stores/<S>/templates                  every template the store sends,
//        per channel: where it comes from (default, a file, saved here), who
//        saved it last and when;
//   GET  /stores/<S>/templates/<name>?channel=sms|wechat[&member=<id>]  the
//        editor: the text, the variables it may use, a preview on a real
//        member of the store (one who has what the template speaks of, or
//        ?member=), the SMS counter as carriers count, the banned words, the
//        check's problems in plain Chinese with the technical line, and the
//        versions with "restore";
//   POST .../templates/<name>/preview           the same page with the draft
//        (the form's "text"): saves nothing. console/static/templates.js
//        posts the form here as one types and swaps #template-live;
//   POST .../templates/<name>                   saves the draft: owners only
//        (a template changes what every member of the store reads); a draft
//        that fails the checks is not saved, the page keeps it and says why;
//   POST .../templates/<name>/restore           an older version saved again;
//   POST .../templates/<name>/reset             back to the file's template.
// The checks are core/saved_templates.h's, the ones planning and
// check-config run; the versions io/template_store.h's. A saved template
// takes effect at the store's next planning (scheduler/day_planner.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "console/console_page.h"

namespace huitou {

class TemplatesPage {
  public:
    explicit TemplatesPage(ConsoleContext& ctx) : ctx_(ctx) {}

    void add_to(AdminServer& server);

  private:
    struct Draft {
        std::optional<std::string> text;  // instead of the template's current text
        std::string notice;               // said above the form ("已保存" ...)
        bool refused = false;             // the notice says something was not done
    };

    HttpReply list(const HttpRequest& req, const StoreConfig& store);
    // The editor of (store, name, channel), with the draft's text instead
    // of the current one when it has one.
    HttpReply editor(const HttpRequest& req, const StoreConfig& store, const std::string& name,
                     Channel channel, const Draft& draft, int status = 200);
    HttpReply save(const HttpRequest& req, const StoreConfig& store, const std::string& name,
                   Channel channel);
    HttpReply restore(const HttpRequest& req, const StoreConfig& store, const std::string& name,
                      Channel channel);
    HttpReply reset(const HttpRequest& req, const StoreConfig& store, const std::string& name,
                    Channel channel);

    ConsoleContext& ctx_;
};

}  // namespace huitou
