// member_page.h — the console's member pages: finding a member at the
// counter, the member's page, and consent recorded at the counter.
//
//   GET  /stores/<S>/members?q=...            search: member number, the
//        phone's last four digits, the beginning of the name or given name
//        (io/member_finder.h: indexes, never a scan); at most kSearchLimit
//        results, phones masked
//   GET  /stores/<S>/members/<id>             the member's page: the archive
//        (core/member_archive.h), the visit cycle in words
//        (core/visit_words.h), the visits, every message (io/job_listing.h,
//        as `huitou jobs --member`), consent per channel with its evidence
//        (scheduler/admin_views.h consent_json, as `huitou consent` and GET
//        /api/consent) — the only page that shows the whole phone number
//   POST /stores/<S>/members/<id>/consent     channel=sms|wechat,
//        action=opt_in|opt_out: ConsentStore::record with source counter,
//        the evidence "staff <login> at the counter" and the time — the same
//        path as the API and the CLI, so an opt-out cancels today's planned
//        messages to the member's address at once (scripts/record_consent.lua);
//        303 back to the member's page with a notice
// A member that does not exist, or a store that is not the caller's, is the
// console's one 404 page. Nothing here decides consent or cycles: the views
// do, the page only words and lays them out.
#pragma once

#include <cstddef>

#include "console/console_page.h"

namespace huitou {

class MemberPage {
  public:
    // The most search results shown; more are said to exist.
    static constexpr std::size_t kSearchLimit = 50;

    explicit MemberPage(ConsoleContext& ctx);

    void add_to(AdminServer& server);

  private:
    HttpReply search(const HttpRequest& req);
    HttpReply show(const HttpRequest& req);
    HttpReply record_consent(const HttpRequest& req);

    ConsoleContext& ctx_;
};

}  // namespace huitou
