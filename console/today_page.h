// today_page.h — the day page: what a store sends today and in the next 7
// days, who gets nothing and why, and the two ways staff act on today.
//
//   GET  /stores/<S>/today[?day=YYYY-MM-DD]  today and the next 7 days
//   POST /stores/<S>/today/hold              fields csrf, job: hold one message
//   POST /stores/<S>/today/approve           fields csrf, day, shown*, job*:
//                                            approve the day (approve_before_send)
//
// The page is preview_day (scheduler/day_preview.h), the view `huitou
// preview` and GET /api/preview print, so the three never disagree; it only
// puts the codes into words (core/console_words.h) and times into the
// store's zone. Holding a message cancels its job (JobStore::cancel_planned,
// the scripts' one way to cancel) with "held by staff <login>"; only a
// planned job can be held — one already dispatched may be at the provider.
// Approving (core/day_approval.h, io/day_approvals.h) records who and when,
// lets the ticked jobs go and cancels the unticked ones; the scheduler's
// claim is what holds an unapproved day back, not this page. Both answer
// with a 303 back to the page and a notice (no page to re-post on reload).
//
// Deliberately not here: approving a day ahead (its jobs exist only once it
// is planned), holding a message of another day.
#pragma once

#include "console/console_page.h"

namespace huitou {

class TodayPage {
  public:
    explicit TodayPage(ConsoleContext& context) : ctx_(context) {}

    void add_to(AdminServer& server);

    HttpReply show(const HttpRequest& req);
    HttpReply hold(const HttpRequest& req);
    HttpReply approve(const HttpRequest& req);

  private:
    ConsoleContext& ctx_;
};

}  // namespace huitou
