// daemons.h — the scheduler daemon and its workers as separate processes on
// one simulated clock, against a private Redis, for the reliability tests
// (Redis outages, scheduler replicas, graceful stop, crashes).
//
// The clock runs 60 times real speed from 2027-09-22 14:00 Beijing time (after the default lunch
// break, with the day's spread due times all passed) (after toyland's 10:00 send time, on no
// festival: one job a member), so a retry 30 s ahead comes half a real second later; every process
// gets the same anchor, so they agree on "now".
#pragma once

#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/test_redis.h"

namespace huitou::test {

// The endpoints one scheduler binds.
struct Endpoints {
    std::string sms, wechat, results;
    static Endpoints fresh() {
        const auto port = [] { return "tcp://127.0.0.1:" + std::to_string(free_port()); };
        return {port(), port(), port()};
    }
    std::vector<std::string> args() const {
        return {"--set", "endpoints.sms=" + sms,        "--set", "endpoints.wechat=" + wechat,
                "--set", "endpoints.results=" + results};
    }
};

struct Daemons {
    TestRedis server{true};
    TempDir dir;
    std::vector<std::string> env{"HUITOU_REDIS_URL=" + server.url(), "HUITOU_LOG_LEVEL=info"};
    std::vector<std::string> common;
    Endpoints endpoints = Endpoints::fresh();

    Daemons() {
        const auto anchor = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        common = {"--now", "2027-09-22T14:00:00+08:00", "--clock-rate", "60", "--clock-anchor",
                  std::to_string(anchor), "--set", "scheduler.ack_timeout_seconds=3600",
                  // Everything planned is due at once, not spread over the window.
                  "--set", "store_defaults.policy.spread_minutes=0"};
    }

    // `n` toyland members with an SMS birthday greeting due today, T0000...
    void import_members(int n, int first = 0) {
        std::ostringstream csv;
        csv << "member_id,store,name,birthday,phone,sms_optin\n";
        for (int i = first; i < first + n; ++i) {
            char line[128];
            std::snprintf(line, sizeof line, "T%04d,toyland,会员%d,1990-09-22,1380013%04d,1\n", i,
                          i, i);
            csv << line;
        }
        const auto file = dir.file("members" + std::to_string(first) + ".csv");
        write_file(file, csv.str());
        const auto r = run({bin("huitou"), "import", file}, env);
        REQUIRE(r.status == 0);
    }

    Process scheduler(const std::string& log, std::vector<std::string> extra = {},
                      const Endpoints* own = nullptr) {
        std::vector<std::string> a{bin("huitou-scheduler")};
        a.insert(a.end(), common.begin(), common.end());
        const auto ep = (own ? *own : endpoints).args();
        a.insert(a.end(), ep.begin(), ep.end());
        a.insert(a.end(), {"--set", "admin.listen=", "--set",
                           "endpoints.visits=tcp://127.0.0.1:" + std::to_string(free_port())});
        a.insert(a.end(), extra.begin(), extra.end());
        return Process(a, env, dir.file(log));
    }

    // A worker for every scheduler in `replicas` (default: the one).
    Process sms_worker(const std::string& log, std::vector<std::string> extra = {},
                       const std::vector<Endpoints>& replicas = {}) {
        std::vector<std::string> a{bin("huitou-sms"), "--outbox", dir.file("outbox.jsonl")};
        a.insert(a.end(), common.begin(), common.end());
        Endpoints all;
        for (const auto& r : replicas.empty() ? std::vector<Endpoints>{endpoints} : replicas) {
            const auto join = [](std::string& list, const std::string& e) {
                list += (list.empty() ? "" : ",") + e;
            };
            join(all.sms, r.sms);
            join(all.wechat, r.wechat);
            join(all.results, r.results);
        }
        const auto ep = all.args();
        a.insert(a.end(), ep.begin(), ep.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return Process(a, env, dir.file(log));
    }

    // Job ids in the outbox, one per line written (duplicates kept).
    std::vector<std::string> outbox() {
        std::vector<std::string> ids;
        std::istringstream in(read_file(dir.file("outbox.jsonl")));
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) ids.push_back(nlohmann::json::parse(line).at("job_id"));
        }
        return ids;
    }
    static std::size_t distinct(const std::vector<std::string>& ids) {
        return std::set<std::string>(ids.begin(), ids.end()).size();
    }

    bool log_has(const std::string& log, const std::string& text) {
        return read_file(dir.file(log)).find(text) != std::string::npos;
    }

    // The store's job counts by state.
    std::map<std::string, long long> counts(const std::string& store = "toyland") {
        auto redis = server.connect();
        const auto reply = redis.command({"HGETALL", "hu:{" + store + "}:counts"});
        std::map<std::string, long long> out;
        for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
            out[reply.elements[i].str] = std::stoll(reply.elements[i + 1].str);
        return out;
    }
};

}  // namespace huitou::test
