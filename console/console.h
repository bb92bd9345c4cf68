// console.h — the shop's console: pages in Chinese for the people at the
// counter and the owners, served by the scheduler's admin server.
//
// Why the scheduler serves it (and not a program of its own): the pages read
// the same views as the CLI and the JSON API (day_preview, admin_views), in
// the same process and from the same config, so they cannot disagree; a shop
// runs one daemon and one address (put TLS in front of it, docs/console.md);
// every scheduler replica can serve it, since everything is in Redis. The
// admin server keeps the doors apart (scheduler/admin_server.h): console
// paths take a session cookie, API paths a bearer token, never the other.
//
// This file wires the pages; each page is a module of its own
// (console/*_page.h) registering its routes. Here: "/" (to the first store's
// today page, or /login), "/stores?store=S" (the store switcher without
// script), "/stores/<S>" (to its today page), and the embedded stylesheet and
// script under /static/.
#pragma once

#include <memory>

#include "console/console_page.h"
#include "console/login_page.h"
#include "console/today_page.h"
#include "console/templates_page.h"
#include "console/health_page.h"
#include "console/results_page.h"
#include "console/member_page.h"
#include "console/care_page.h"

namespace huitou {

class Console {
  public:
    // `config`, `templates` and `clock` must outlive it.
    Console(const Config& config, const TemplateSet& templates, RedisEndpoint redis,
            const Clock& clock);
    ~Console();

    // Registers every console route on `server` (before it starts).
    void add_to(AdminServer& server);

    ConsoleContext& context() { return context_; }

  private:
    ConsoleContext context_;
    LoginPage login_;
    TodayPage today_{context_};
    TemplatesPage templates_;
    ResultsPage results_{context_};
    HealthPage health_{context_};
    MemberPage member_page_{context_};
    CarePage care_page_{context_};
};

}  // namespace huitou
