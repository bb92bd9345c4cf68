// bench/console — the console's member pages on a big store
// (bench/run.sh --only console; docs/BENCHMARKS.md).
//
// Serves the console as huitou-scheduler does (the admin server with the
// Console's routes, in this process) over a store already imported — and,
// for the member page to have something to show, with visits imported and
// the day planned — and times GET requests over loopback, one at a time:
//   search-surname   ?q=<the store's most common first character>: the
//                    largest name index, 50 shown of thousands
//   search-name      ?q=<a member's whole name>
//   search-phone     ?q=<a member's phone's last four digits>
//   search-id        ?q=<a member number>
//   member-page      /stores/<S>/members/<id>: archive, visits, messages
//                    (a SCAN of the store's jobs, io/job_listing.h), consent
//                    (the member's ledger events)
// The probes are drawn evenly from the store's members (read once, before
// timing). Prints per probe the median, the 99th percentile and the
// maximum in milliseconds: the request's whole round trip, so an upper
// bound of the server's time. Exits 1 when any answer is not a 200 page.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>

#include "console/console.h"
#include "core/member_search.h"
#include "core/utf8.h"
#include "io/member_store.h"
#include "io/program_setup.h"

using namespace huitou;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string first_char(const std::string& name) {
    const auto points = decode_utf8(name);
    return points.empty() ? std::string() : encode_utf8(points.substr(0, 1));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_console: the console's member search and member page on a big store"};
    CommonOptions common;
    add_common_options(app, common);
    std::string store;
    int repeat = 200;
    app.add_option("--store", store, "the store to search")->required();
    app.add_option("--repeat", repeat, "requests per probe")->check(CLI::Range(1, 100000));
    if (const auto status = parse_options(app, argc, argv)) return *status;
    setup_logging("bench_console", common.log_level);

    auto rt = make_runtime(common);
    rt.config.admin.listen = "127.0.0.1:0";
    const auto templates = load_templates(rt.config);

    // The probes, drawn from the store's members.
    std::vector<Member> all;
    {
        RedisConnection redis(rt.redis);
        MemberStore(redis).for_each_member(store, 1000, [&all](const std::vector<Member>& batch) {
            all.insert(all.end(), batch.begin(), batch.end());
        });
    }
    if (all.size() < 10) {
        std::cerr << "bench_console: store " << store << " has " << all.size() << " members\n";
        return 1;
    }
    std::sort(all.begin(), all.end(), [](const Member& a, const Member& b) { return a.id < b.id; });
    std::map<std::string, int> firsts;
    for (const auto& m : all)
        ++firsts[first_char(m.name)];
    firsts.erase("");
    const auto common_first =
        std::max_element(firsts.begin(), firsts.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
        })->first;
    std::vector<const Member*> sample;
    for (std::size_t i = 0; i < 100; ++i)
        sample.push_back(&all[i * all.size() / 100]);

    Console console(rt.config, templates, rt.redis, *rt.clock);
    AdminServer server(rt.config.admin, "bench-token");
    console.add_to(server);
    server.start();
    httplib::Client http("127.0.0.1", server.port());
    http.set_read_timeout(30);
    const httplib::Headers auth{{"Authorization", "Bearer bench-token"}};

    const std::string base = "/stores/" + url_encode(store) + "/members";
    auto probe = [&](const std::string& name, auto path_of) {
        std::vector<double> times;
        for (int i = 0; i < repeat; ++i) {
            const Member& m = *sample[static_cast<std::size_t>(i) % sample.size()];
            const std::string path = path_of(m);
            const auto t0 = std::chrono::steady_clock::now();
            const auto r = http.Get(path.c_str(), auth);
            times.push_back(ms_since(t0));
            if (!r || r->status != 200) {
                std::cerr << "bench_console: " << path << ": "
                          << (r ? std::to_string(r->status) : httplib::to_string(r.error()))
                          << "\n";
                std::exit(1);
            }
        }
        std::sort(times.begin(), times.end());
        const auto at = [&times](double q) {
            return times[std::min(times.size() - 1, static_cast<std::size_t>(q * times.size()))];
        };
        std::printf("%-16s median %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%d requests)\n",
                    name.c_str(), at(0.5), at(0.99), times.back(), repeat);
    };
    std::printf("store %s: %zu members; most common first character %s: %d members\n",
                store.c_str(), all.size(), common_first.c_str(), firsts[common_first]);
    probe("search-surname", [&](const Member&) { return base + "?q=" + url_encode(common_first); });
    probe("search-name", [&](const Member& m) { return base + "?q=" + url_encode(m.name); });
    probe("search-phone", [&](const Member& m) {
        const auto digits = m.phone.size() >= 4 ? m.phone.substr(m.phone.size() - 4) : "0000";
        return base + "?q=" + digits;
    });
    probe("search-id", [&](const Member& m) { return base + "?q=" + url_encode(m.id); });
    probe("member-page", [&](const Member& m) { return base + "/" + url_encode(m.id); });
    server.stop();
    return 0;
}
