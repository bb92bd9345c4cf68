// program_setup.h — what every huitou program does before its real work.
//
// The options all programs share (--config, --redis, --now, --clock-rate,
// --log-level, with HUITOU_* environment fallbacks), reading the config file
// (or the embedded default), building the clock, loading templates from disk
// over the embedded ones, logging to stderr, and stop signals. main() stays
// a page: parse options, call these, build the objects, run the loop.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/clock.h"
#include "core/config.h"
#include "core/message_template.h"
#include "core/redis_url.h"

namespace huitou {

struct CommonOptions {
    std::string config_path;
    std::string redis_url;
    std::string now;
    double clock_rate = 0;          // 0: a fixed clock when --now is given
    long long clock_anchor_ms = 0;  // with a rate: the real Unix ms at which the clock shows --now
    std::string log_level = "info";
    std::vector<std::string> overrides;  // --set key=value
};

void add_common_options(CLI::App& app, CommonOptions& options);

// Parses the command line. nullopt: go on; else the status to exit with —
// 0 after --help, 2 for a usage error (CLI11's message on stderr). Used
// instead of CLI11_PARSE, which exits with CLI11's own codes (105–116), so
// that every usage error is 2, as docs/operations.md says.
std::optional<int> parse_options(CLI::App& app, int argc, char** argv);

struct Runtime {
    Config config;
    RedisEndpoint redis;
    std::unique_ptr<Clock> clock;
};

// Reads the config and builds the clock. Throws ConfigError with one line
// saying what is wrong.
Runtime make_runtime(const CommonOptions& options);

// Templates from the configured directory over the embedded ones. Throws ConfigError.
TemplateSet load_templates(const Config& config);

// The whole file, or nullopt if it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// spdlog to stderr with `program` in every line, at `level`.
void setup_logging(const std::string& program, const std::string& level);

// SIGTERM and SIGINT set a flag instead of killing the process.
void install_stop_signals();
bool stop_requested();
void request_stop();  // for tests and for --once

}  // namespace huitou
