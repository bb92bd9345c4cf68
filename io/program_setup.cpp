#include "io/program_setup.h"

#include <csignal>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/sms_template_check.h"

namespace huitou {
namespace {

std::atomic<bool> stop_flag{false};

extern "C" void on_stop_signal(int) {
    stop_flag.store(true);
}

}  // namespace

std::optional<int> parse_options(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);  // prints the help, or the error and a hint
        return status == 0 ? 0 : 2;
    }
}

void add_common_options(CLI::App& app, CommonOptions& o) {
    app.add_option("--config", o.config_path, "Config file (TOML); default: the embedded config")
        ->envname("HUITOU_CONFIG");
    app.add_option("--redis", o.redis_url, "Redis URL, e.g. redis://127.0.0.1:6379/0")
        ->envname("HUITOU_REDIS_URL");
    app.add_option("--now", o.now, "Fix the clock at this instant, e.g. 2027-09-15T10:00:00+08:00")
        ->envname("HUITOU_NOW");
    app.add_option(
           "--clock-rate", o.clock_rate,
           "With --now: let the clock run this many times real speed (3600: an hour a second)")
        ->envname("HUITOU_CLOCK_RATE")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--clock-anchor", o.clock_anchor_ms,
                   "With --clock-rate: the real Unix time (ms) at which the clock shows --now, so "
                   "that several processes share one simulated time (default: process start)")
        ->envname("HUITOU_CLOCK_ANCHOR");
    app.add_option("--set", o.overrides,
                   "Override a config key: --set endpoints.sms=tcp://127.0.0.1:7401")
        ->allow_extra_args(false);
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
        ->envname("HUITOU_LOG_LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
}

std::optional<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Runtime make_runtime(const CommonOptions& o) {
    Runtime rt;
    std::vector<ConfigOverride> overrides;
    for (const auto& text : o.overrides)
        overrides.push_back(parse_override(text));
    if (o.config_path.empty()) {
        rt.config = parse_config(default_config_text(), "huitou.toml (embedded)", overrides,
                                 read_text_file);
    } else {
        const auto text = read_text_file(o.config_path);
        if (!text) throw ConfigError(o.config_path + ": cannot read the file");
        rt.config = parse_config(*text, o.config_path, overrides, read_text_file);
    }
    const std::string url = o.redis_url.empty() ? rt.config.redis_url : o.redis_url;
    std::string error;
    const auto endpoint = parse_redis_url(url, &error);
    if (!endpoint) throw ConfigError(error);
    rt.redis = *endpoint;
    if (o.now.empty()) {
        if (o.clock_rate > 0)
            throw ConfigError("--clock-rate needs --now (where the clock starts)");
        rt.clock = std::make_unique<SystemClock>();
    } else {
        const auto start = parse_instant(o.now, &error);
        if (!start) throw ConfigError("--now: " + error);
        if (o.clock_rate > 0) {
            const auto anchor = o.clock_anchor_ms > 0
                                    ? std::chrono::system_clock::time_point(
                                          std::chrono::milliseconds(o.clock_anchor_ms))
                                    : std::chrono::system_clock::now();
            rt.clock = std::make_unique<ScaledClock>(*start, o.clock_rate, anchor);
        } else
            rt.clock = std::make_unique<FixedClock>(*start);
    }
    return rt;
}

TemplateSet load_templates(const Config& config) {
    TemplateSet::FileReader reader;
    if (!config.template_dir.empty()) {
        reader = [dir = config.template_dir](const std::string& path) {
            return read_text_file(dir + "/" + path);
        };
    }
    auto templates = TemplateSet::load(config, reader);
    // SMS compliance is part of loading: a template that could go out too
    // long, or that its provider refuses, stops the program at start-up.
    const auto problems = check_sms_templates(config, templates);
    if (!problems.empty()) {
        std::string text = problems.front();
        for (std::size_t i = 1; i < problems.size(); ++i)
            text += "\n" + problems[i];
        throw ConfigError(text);
    }
    return templates;
}

void setup_logging(const std::string& program, const std::string& level) {
    auto logger = spdlog::stderr_color_mt(program);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

void install_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() {
    return stop_flag.load();
}
void request_stop() {
    stop_flag.store(true);
}

}  // namespace huitou
