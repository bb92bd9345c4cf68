// login_page.h — signing in and out of the console.
//
//   GET  /login   the form (username, password, and a CSRF field), after a
//                 sign-in 303 to `next` when it is a path of this server
//                 (core/local_path.h), else to "/"
//   POST /login   checks the password (io/account_store.h); on success a new
//                 session in the cookie huitou_session (HttpOnly,
//                 SameSite=Strict, Path=/, Secure when console.secure_cookies)
//   POST /logout  ends the session and clears the cookie
//
// There is no session yet to carry a CSRF token, so the form's is a
// double-submit cookie: GET /login sets a random huitou_login cookie
// (SameSite=Strict, Path=/login) and puts the same value in the form; a
// POST whose field and cookie differ is refused (403) — a page of another
// site can make a browser post a form, but cannot read or set our cookie, so
// it cannot sign a shop's browser in to an account of its own.
//
// A session token that came with the request is never kept: every sign-in
// opens a new session (and ends the old one), so a token planted before
// sign-in is worth nothing after. Checks run one at a time (a mutex): each
// takes 64 MiB and tens of milliseconds (io/password_hash.h), and counting
// wrong passwords in order keeps the slowdown (core/login_throttle.h) exact.
// Redis work goes through the context's connection, but the password check
// itself runs outside it, so other pages do not wait for it. Successful and
// failed sign-ins are logged with the login name and the remote address,
// never the password.
#pragma once

#include <mutex>

#include "console/console_page.h"

namespace huitou {

class LoginPage {
  public:
    // `ctx` must outlive it.
    explicit LoginPage(ConsoleContext& ctx) : ctx_(ctx) {}

    void add_to(AdminServer& server);

  private:
    HttpReply form(const HttpRequest& req);
    HttpReply log_in(const HttpRequest& req);
    HttpReply log_out(const HttpRequest& req);
    // The form again with `message`, a fresh login cookie, and `status`.
    HttpReply refuse(const HttpRequest& req, const std::string& message, int status,
                     const std::string& username);
    std::string cookie(std::string_view name, std::string_view value, std::string_view path,
                       bool expire) const;

    ConsoleContext& ctx_;
    std::mutex checking_;  // one password check at a time
};

}  // namespace huitou
