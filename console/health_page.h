// health_page.h — the console's health page, for owners: is huitou doing
// its work, and if not, where does it stop?
//
//   GET /health   (owners and the admin; a staff account gets the 404 page)
//
// For each store the caller may see: today's jobs by state and the failed
// and unknown jobs of the last 7 days with their reasons, each linking to
// the member's page (section#health-jobs; scheduler/message_results.h, the
// same read as the results page); when the point-of-sale system last sent a
// visit (section#health-visits; hu:{S}:pos:last, io/visit_store.h). For each
// channel: its provider's errors over the last 7 days, read from the jobs
// that carry them, and the worker's own counts of throttling, capped
// recipients, failures and retries since it started, read from its /metrics
// (section#health-providers). Whether the programs are alive
// (section#health-programs): this scheduler (it serves the page) and Redis,
// each store's lease (some scheduler replica plans and sends for it), and
// each worker's /readyz at sms.admin_listen / wechat.admin_listen.
//
// A worker is asked over HTTP (io/http_client.h) with a short timeout, all
// of them at once on threads of their own, so a dead or hanging worker costs
// the page at most kProbeTimeout, not a wait per worker; the Redis reads
// run meanwhile.
#pragma once

#include <chrono>

#include "console/console_page.h"

namespace huitou {

// The longest a worker's /readyz (and /metrics) may take before the page
// calls it unreachable.
inline constexpr std::chrono::milliseconds kProbeTimeout{800};

class HealthPage {
  public:
    explicit HealthPage(ConsoleContext& context) : ctx_(context) {}

    void add_to(AdminServer& server);

  private:
    HttpReply show(const HttpRequest& req);

    ConsoleContext& ctx_;
};

}  // namespace huitou
