// care_page.h — 回访: the store's care list of the day, for the staff who
// make the calls (core/care_rule.h, io/care_store.h).
//
//   GET  /stores/<S>/care[?day=YYYY-MM-DD]  the day's list (default today;
//                                           a past day to look back)
//   POST /stores/<S>/care/mark              fields csrf, day, member, state
//                                           (done | no_answer | stop), note
//
// Each entry: the member's name (to her page), her phone as a tel: link —
// the staff dial from the phone they read the page on, and the page is
// behind a login that sees only its own stores, as the member page is —
// her segment, last visit and last contact, the hours to call, and three
// buttons with a note: 已联系 (a contact: it joins her contact history), 未接通
// (she comes back another day of her period), 不再致电 (no care call again).
// Done and 不再致电 are final. Staff and owner accounts of the store may mark;
// a read-only one sees the list (the gate's 403 on the POST). The list is
// built by the scheduler; a store with care off says so. Answers a mark
// with a 303 back to the page and a notice.
#pragma once

#include "console/console_page.h"

namespace huitou {

class CarePage {
  public:
    explicit CarePage(ConsoleContext& context) : ctx_(context) {}

    void add_to(AdminServer& server);

    HttpReply show(const HttpRequest& req);
    HttpReply mark(const HttpRequest& req);

  private:
    ConsoleContext& ctx_;
};

}  // namespace huitou
