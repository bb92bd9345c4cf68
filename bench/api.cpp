// bench/api — members upserted per second over the HTTP API, next to
// `huitou import` (bench/run.sh --only api).
//
// Reads the member CSV bench_gen_members wrote (the file `huitou import`
// reads in the same run), turns each row into the JSON object a POS would
// send (the CSV's header names are the import's own keys, empty cells left
// out), and writes them to a running huitou-scheduler's admin server:
//   --mode single   PUT /api/v1/stores/<S>/members/<id>, one member a request
//   --mode batch    POST /api/v1/stores/<S>/members:batch, --batch members a
//                   request (one store per request, as a POS of one shop sends)
// from --connections keep-alive connections (one thread each). Prints the
// members written, the seconds, members/s and the requests' median and 99th
// percentile latency; exits 1 if any request or item failed (a benchmark
// that measures failures is no benchmark).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/csv_reader.h"

namespace {

struct Request {
    std::string path;
    std::string body;
    std::size_t members = 0;
};

// The CSV's rows as JSON member objects, by store, in file order.
std::map<std::string, std::vector<nlohmann::json>> read_members(const std::string& file,
                                                                std::size_t limit) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    huitou::CsvReader reader(in);
    auto header = reader.next();
    if (!header) throw std::runtime_error(file + ": empty");
    std::map<std::string, std::vector<nlohmann::json>> by_store;
    std::size_t n = 0;
    while (auto record = reader.next()) {
        if (!record->error.empty()) throw std::runtime_error(file + ": " + record->error);
        if (n++ == limit) break;
        nlohmann::json m = nlohmann::json::object();
        std::string store;
        for (std::size_t i = 0; i < header->fields.size() && i < record->fields.size(); ++i) {
            const auto& key = header->fields[i];
            const auto& value = record->fields[i];
            if (key == "store") store = value;
            if (!value.empty()) m[key] = value;
        }
        by_store[store].push_back(std::move(m));
    }
    return by_store;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_api: members upserted per second over the HTTP API"};
    std::string members_file, host = "127.0.0.1", token, mode = "batch";
    int port = 0, connections = 4;
    std::size_t batch = 1000, limit = static_cast<std::size_t>(-1);
    bool nodelay = true;
    app.add_option("--members-file", members_file, "bench_gen_members' CSV")->required();
    app.add_option("--host", host);
    app.add_option("--port", port, "the admin server's port")->required();
    app.add_option("--token", token, "the admin token or a write API key")->required();
    app.add_option("--mode", mode, "single or batch")->check(CLI::IsMember({"single", "batch"}));
    app.add_option("--connections", connections)->check(CLI::Range(1, 64));
    app.add_option("--batch", batch, "members a batch request")->check(CLI::Range(1, 1000));
    app.add_option("--limit", limit, "write at most this many members");
    app.add_option("--nodelay", nodelay, "the client's TCP_NODELAY (a POS may not set it)");
    CLI11_PARSE(app, argc, argv);

    std::vector<Request> requests;
    try {
        for (auto& [store, members] : read_members(members_file, limit)) {
            const std::string prefix = "/api/v1/stores/" + store + "/members";
            if (mode == "single") {
                for (auto& m : members) {
                    const std::string id = m.at("member_id");
                    requests.push_back({prefix + "/" + id, m.dump(), 1});
                }
                continue;
            }
            for (std::size_t i = 0; i < members.size(); i += batch) {
                nlohmann::json items = nlohmann::json::array();
                for (std::size_t j = i; j < std::min(members.size(), i + batch); ++j)
                    items.push_back(std::move(members[j]));
                const auto n = items.size();
                requests.push_back(
                    {prefix + ":batch", nlohmann::json{{"members", std::move(items)}}.dump(), n});
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "bench_api: " << e.what() << "\n";
        return 2;
    }

    std::atomic<std::size_t> next{0}, written{0}, failed{0};
    std::mutex mutex;
    std::vector<double> latencies_ms;
    std::string first_error;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&] {
            httplib::Client http(host, port);
            http.set_keep_alive(true);
            http.set_tcp_nodelay(nodelay);
            http.set_read_timeout(120);
            const httplib::Headers auth{{"Authorization", "Bearer " + token}};
            std::vector<double> mine;
            for (std::size_t i; (i = next++) < requests.size();) {
                const auto& r = requests[i];
                const auto t0 = std::chrono::steady_clock::now();
                auto res = mode == "single" ? http.Put(r.path, auth, r.body, "application/json")
                                            : http.Post(r.path, auth, r.body, "application/json");
                mine.push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count());
                std::string error;
                std::size_t ok = 0;
                if (!res) {
                    error = "no answer: " + httplib::to_string(res.error());
                } else if (res->status != 200 && res->status != 201) {
                    error = std::to_string(res->status) + " " + res->body.substr(0, 300);
                } else if (mode == "single") {
                    ok = 1;
                } else {
                    const auto answer = nlohmann::json::parse(res->body, nullptr, false);
                    const auto bad = answer.is_object() ? answer.value("failed", -1) : -1;
                    if (bad != 0)
                        error = "items failed: " + res->body.substr(0, 300);
                    else
                        ok = r.members;
                }
                written += ok;
                if (!error.empty()) {
                    failed += r.members - ok;
                    std::lock_guard lock(mutex);
                    if (first_error.empty()) first_error = r.path + ": " + error;
                }
            }
            std::lock_guard lock(mutex);
            latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : threads)
        t.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const auto pct = [&](double p) {
        return latencies_ms.empty()
                   ? 0.0
                   : latencies_ms[std::min(latencies_ms.size() - 1,
                                           static_cast<std::size_t>(p * latencies_ms.size()))];
    };
    std::printf(
        "%s: %zu members in %zu requests over %d connections: %.2f s, %.0f members/s; "
        "request latency median %.1f ms, p99 %.1f ms; %zu failed\n",
        mode.c_str(), written.load(), requests.size(), connections, seconds,
        static_cast<double>(written.load()) / seconds, pct(0.5), pct(0.99), failed.load());
    if (failed > 0 || written == 0) {
        std::cerr << "bench_api: " << (first_error.empty() ? "nothing written" : first_error)
                  << "\n";
        return 1;
    }
    return 0;
}
