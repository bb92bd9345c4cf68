#include "core/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using namespace huitou;

TEST_CASE("metric values read as Prometheus parses them") {
    const auto [value, text] = GENERATE(table<double, std::string>({
        {0.0, "0"},
        {3.0, "3"},
        {0.25, "0.25"},
        {1e6, "1e+06"},
        {-2.5, "-2.5"},
        {std::numeric_limits<double>::infinity(), "+Inf"},
        {-std::numeric_limits<double>::infinity(), "-Inf"},
        {std::nan(""), "NaN"},
    }));
    CHECK(format_metric_value(value) == text);
}

TEST_CASE("label values are escaped: backslash, quote, newline") {
    CHECK(escape_label_value("toyland") == "toyland");
    CHECK(escape_label_value("a\\b") == "a\\\\b");
    CHECK(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
    CHECK(escape_label_value("two\nlines") == "two\\nlines");
    CHECK(escape_label_value("回头客") == "回头客");  // UTF-8 passes as it is
}

TEST_CASE("a counter without labels shows 0 before anything happened") {
    MetricsRegistry r;
    const auto c = r.counter("huitou_redis_reconnects_total", "Reconnections to Redis.");
    CHECK(r.render() ==
          "# HELP huitou_redis_reconnects_total Reconnections to Redis.\n"
          "# TYPE huitou_redis_reconnects_total counter\n"
          "huitou_redis_reconnects_total 0\n");
    c.inc();
    c.inc({}, 2);
    CHECK(c.value() == 3);
}

TEST_CASE("labelled series render in label order, values escaped") {
    MetricsRegistry r;
    const auto sent =
        r.counter("huitou_jobs_sent_total", "Jobs sent.\nBy store.", {"store", "kind", "channel"});
    sent.inc({"toyland", "birthday", "sms"});
    sent.inc({"toyland", "birthday", "sms"});
    sent.inc({"a\"b", "winback", "wechat"});
    CHECK(sent.value({"toyland", "birthday", "sms"}) == 2);
    CHECK(sent.value({"nowhere", "birthday", "sms"}) == 0);
    CHECK(r.render() ==
          "# HELP huitou_jobs_sent_total Jobs sent.\\nBy store.\n"
          "# TYPE huitou_jobs_sent_total counter\n"
          "huitou_jobs_sent_total{store=\"a\\\"b\",kind=\"winback\",channel=\"wechat\"} 1\n"
          "huitou_jobs_sent_total{store=\"toyland\",kind=\"birthday\",channel=\"sms\"} 2\n");
}

TEST_CASE("a gauge is set, moved and cleared") {
    MetricsRegistry r;
    const auto due = r.gauge("huitou_jobs_due", "Jobs due now.", {"store"});
    due.set({"toyland"}, 5);
    due.add({"toyland"}, -2);
    CHECK(due.value({"toyland"}) == 3);
    due.clear();
    CHECK(r.render() ==
          "# HELP huitou_jobs_due Jobs due now.\n"
          "# TYPE huitou_jobs_due gauge\n");
}

TEST_CASE("a histogram renders cumulative buckets up to +Inf, then sum and count") {
    MetricsRegistry r;
    const auto h = r.histogram("huitou_provider_latency_seconds", "Provider call time.",
                               {0.25, 0.5, 1}, {"provider"});
    h.observe({"kannel"}, 0.125);
    h.observe({"kannel"}, 0.25);  // on a bound: counts in that bucket (le = less or equal)
    h.observe({"kannel"}, 0.75);
    h.observe({"kannel"}, 3);
    CHECK(h.count({"kannel"}) == 4);
    CHECK(r.render() ==
          "# HELP huitou_provider_latency_seconds Provider call time.\n"
          "# TYPE huitou_provider_latency_seconds histogram\n"
          "huitou_provider_latency_seconds_bucket{provider=\"kannel\",le=\"0.25\"} 2\n"
          "huitou_provider_latency_seconds_bucket{provider=\"kannel\",le=\"0.5\"} 2\n"
          "huitou_provider_latency_seconds_bucket{provider=\"kannel\",le=\"1\"} 3\n"
          "huitou_provider_latency_seconds_bucket{provider=\"kannel\",le=\"+Inf\"} 4\n"
          "huitou_provider_latency_seconds_sum{provider=\"kannel\"} 4.125\n"
          "huitou_provider_latency_seconds_count{provider=\"kannel\"} 4\n");
}

TEST_CASE("families render in registration order") {
    MetricsRegistry r;
    r.gauge("huitou_b", "B.");
    r.histogram("huitou_a_seconds", "A.", {1});
    const auto text = r.render();
    CHECK(text.find("huitou_b") < text.find("huitou_a_seconds"));
    CHECK(text.find("huitou_a_seconds_bucket{le=\"1\"} 0\n") != std::string::npos);
    CHECK(text.find("huitou_a_seconds_bucket{le=\"+Inf\"} 0\n") != std::string::npos);
}
