// console_fixture.h — the console on a real admin server and a real Redis,
// for the console's tests.
//
// The embedded config (stores toyland and babycare), the demo's members
// imported by the real `huitou` tool, and (with plan = true) the day planned
// by `huitou-scheduler --once` at `now`, so the pages show real jobs. The
// server is the scheduler's AdminServer with the Console's routes; requests
// are made over HTTP on loopback.
//
// Sessions: by default the fixture's own SessionChecker, a map from cookie
// token to a ConsoleSession the test creates with session() — so a page's
// test does not depend on how accounts are stored. Tests of the accounts
// themselves (io/account_store.h) set their real checker with
// set_session_checker before start().
#pragma once

#include <map>
#include <memory>
#include <string>

#include <httplib.h>

#include "console/console.h"
#include "io/program_setup.h"
#include "scheduler/admin_server.h"
#include "tests/support/process.h"
#include "tests/support/test_redis.h"

namespace huitou::test {

class ConsoleFixture {
  public:
    // `now` as HUITOU_NOW takes it (e.g. "2027-09-15T12:00:00+08:00");
    // `job_storage` the planning scheduler's scheduler.job_storage ("": the
    // config's default, day sheets).
    explicit ConsoleFixture(std::string now = "2027-09-15T12:00:00+08:00", bool plan = true,
                            const std::string& job_storage = "");
    ~ConsoleFixture();

    // Starts the server (the console's routes added, then `extra` routes).
    // Called by the first request if not before.
    void start();

    // A session for `login` ("owner" with every store when `stores` is
    // empty, else "staff" of those stores); returns its cookie token.
    std::string session(const std::string& login, std::vector<std::string> stores = {},
                        std::string role = "");
    // The CSRF token of the session `token`.
    std::string csrf(const std::string& token) const;

    // GET / POST (form-encoded) with the session cookie `token` ("" = none).
    httplib::Result get(const std::string& path, const std::string& token = "");
    httplib::Result post(const std::string& path, const httplib::Params& form,
                         const std::string& token = "");
    // Runs the `huitou` tool against the fixture's Redis and clock.
    RunResult huitou(std::vector<std::string> args);

    TestRedis redis_server;
    std::string now;
    std::vector<std::string> env;  // HUITOU_REDIS_URL, HUITOU_NOW, log level
    Runtime rt;
    TemplateSet templates;
    std::unique_ptr<Console> console;
    std::unique_ptr<AdminServer> server;
    std::map<std::string, ConsoleSession> sessions;

  private:
    std::unique_ptr<httplib::Client> http_;
};

}  // namespace huitou::test
