// admin_api.h — the admin API's routes: preview, jobs, consent, stats, the
// effect report, and members.
//
//   GET /api/preview?date=YYYY-MM-DD[&store=S]   what a day sends and why not the rest
//   GET /api/jobs?state=&member=&date=&store=&limit=   jobs that match, by store and id
//   GET /api/jobs/<id>[?store=S]                 one job (404 when no store has it)
//   GET /api/consent?member=ID[&store=S]         consent per channel and the ledger
//   GET /api/stats[?store=S]                     per store: jobs by state, win-back
//   GET /api/v1/stores/<S>/report?from=D&to=D[&format=csv]   the effect report
//                                                (scheduler/effect_report.h); also
//                                                for an API key of S (store_access.h)
//   GET|PUT|PATCH|DELETE /api/v1/stores/<S>/members/<id>   one member: read, replace,
//                                                merge, erase (core/member_body.h; the
//                                                import's parser and writer, consent
//                                                changes in the ledger with source api;
//                                                io/member_eraser.h)
//   POST /api/v1/stores/<S>/members:batch        up to 1,000 members, answered per item
//   POST /api/v1/stores/<S>/events[:batch]       visits, card renewals, consent; each
//                                                event_id once (admin_events.cpp)
//   GET|POST /api/v1/stores/<S>/announcements    list, create (admin_announcements.cpp)
//   GET|DELETE /api/v1/stores/<S>/announcements/<id>[/preview]  one, its preview;
//                                                DELETE cancels it
//
// Each answer is the JSON the `huitou` tool prints with --json (day_preview.h,
// admin_views.h), so a script may use either. Only the member and event routes write; a preview
// runs the same read-only day planner as `huitou preview`. A bad parameter is
// a 400 whose message starts with the parameter's name ("date: expected
// YYYY-MM-DD, got ..."); Redis away is a 503; Redis refusing a request
// (RedisReplyError: damaged data, a script error) a logged 500. The handlers run on the admin
// server's threads and share one Redis connection of their own, one request
// at a time (these are operators' requests, not a hot path); job listings
// scan (io/job_listing.h), so `limit` bounds the answer, not the work.
// docs/admin-api.md shows every route with curl.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/batch_body.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/message_template.h"
#include "io/redis_connection.h"
#include "scheduler/admin_server.h"

namespace huitou {

class AdminApi {
  public:
    // Connects to Redis lazily. `config`, `templates` and `clock` must outlive it.
    AdminApi(const Config& config, const TemplateSet& templates, RedisEndpoint redis,
             const Clock& clock);

    // Registers the routes on `server` (before it starts).
    void add_to(AdminServer& server);

    HttpReply preview(const HttpRequest& req);
    HttpReply jobs(const HttpRequest& req);
    HttpReply job(const HttpRequest& req);  // path_params[0]: the job id
    HttpReply consent(const HttpRequest& req);
    HttpReply stats(const HttpRequest& req);
    HttpReply report(const HttpRequest& req);  // path_params[0]: the store
    // path_params: the store, the member id. GET: 200 or 404. PUT (replace)
    // and PATCH (merge): 201 when the member is new (PUT only), else 200;
    // PATCH of a member that does not exist is a 404. Both answer the
    // member as stored, as GET does.
    // DELETE: the member's erasure (io/member_eraser.h): 200 with what went,
    // 404 when there is no such member.
    HttpReply member(const HttpRequest& req);
    // POST …/members:batch: up to 1,000 members, each as PUT (mode replace,
    // the default) or PATCH (mode merge) would take it, written in one
    // MemberStore::upsert (two round trips whatever the size); 200 with one
    // result per item (core/batch_body.h), 400/413 for the envelope.
    HttpReply member_batch(const HttpRequest& req);
    // POST …/events and …/events:batch (scheduler/admin_events.cpp): a visit,
    // card renewal or consent event, each event_id recorded once
    // (core/event_body.h); 200 with the outcome, "duplicate": true for a
    // repeat, with the first outcome.
    HttpReply event(const HttpRequest& req);
    HttpReply event_batch(const HttpRequest& req);
    // GET (list) and POST (create) …/announcements; GET …/announcements/<id>
    // [/preview], DELETE …/announcements/<id> (cancel) (admin_announcements.cpp).
    HttpReply announcements(const HttpRequest& req);  // path_params[0]: the store
    HttpReply announcement(const HttpRequest& req);   // [0] the store, [1] the id

    static constexpr long long default_limit = 100;
    static constexpr long long max_limit = 10000;

  private:
    // Runs `read` with the API's Redis connection; a RedisError becomes 503,
    // a RedisReplyError 500 (both logged).
    HttpReply with_redis(const char* what, const std::function<HttpReply(RedisConnection&)>& read);
    // Records `items` (events of `store`, unchecked JSON) for `req`'s caller:
    // one result per item (scheduler/admin_events.cpp).
    std::vector<BatchResult> record_events(RedisConnection& redis, const std::string& store,
                                           std::vector<nlohmann::json>& items,
                                           const HttpRequest& req);

    const Config& config_;
    const TemplateSet& templates_;
    RedisEndpoint endpoint_;
    const Clock& clock_;
    bool opt_in_allowed_ = false;  // the server has a token (scheduler/consent_http.h)
    std::mutex mutex_;
    std::unique_ptr<RedisConnection> redis_;
};

}  // namespace huitou
