// metrics_text (core/metrics_text.h): counters read back from the
// Prometheus text a worker serves, as the console's health page reads them.
#include <catch2/catch.hpp>

#include "core/metrics.h"
#include "core/metrics_text.h"

using namespace huitou;

TEST_CASE("metric_total sums the samples whose labels match", "[metrics_text]") {
    const std::string text =
        "# HELP huitou_worker_throttled_total Jobs that waited.\n"
        "# TYPE huitou_worker_throttled_total counter\n"
        "huitou_worker_throttled_total{channel=\"sms\"} 7\n"
        "huitou_worker_throttled_total{channel=\"wechat\"} 2\n"
        "huitou_worker_throttled_total_extra{channel=\"sms\"} 100\n"
        "huitou_worker_results_total{store=\"toyland\",kind=\"birthday\",channel=\"sms\","
        "outcome=\"failed\"} 3\n"
        "huitou_worker_results_total{store=\"babycare\",kind=\"birthday\",channel=\"sms\","
        "outcome=\"failed\"} 4\n"
        "huitou_worker_results_total{store=\"babycare\",kind=\"birthday\",channel=\"sms\","
        "outcome=\"sent\"} 40\n"
        "huitou_worker_messages_received_total 12\n"
        "huitou_broken{channel=\"sms 5\n";
    CHECK(metric_total(text, "huitou_worker_throttled_total") == 9);
    CHECK(metric_total(text, "huitou_worker_throttled_total", {{"channel", "sms"}}) == 7);
    CHECK(metric_total(text, "huitou_worker_results_total", {{"outcome", "failed"}}) == 7);
    CHECK(metric_total(text, "huitou_worker_results_total",
                       {{"outcome", "failed"}, {"store", "toyland"}}) == 3);
    CHECK(metric_total(text, "huitou_worker_messages_received_total") == 12);
    CHECK(metric_total(text, "huitou_nothing") == 0);
    CHECK(metric_total(text, "huitou_broken") == 0);
    CHECK(metric_total("", "huitou_worker_throttled_total") == 0);
}

TEST_CASE("metric_total reads what the registry renders", "[metrics_text]") {
    MetricsRegistry registry;
    auto throttled = registry.counter("huitou_worker_throttled_total", "help", {"channel"});
    throttled.inc({"sms"});
    throttled.inc({"sms"});
    throttled.inc({"wechat"});
    const auto text = registry.render();
    CHECK(metric_total(text, "huitou_worker_throttled_total", {{"channel", "sms"}}) == 2);
    CHECK(metric_total(text, "huitou_worker_throttled_total", {{"channel", "wechat"}}) == 1);
}
