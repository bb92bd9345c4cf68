// metrics.h — counters, gauges and histograms, rendered for Prometheus.
//
// A process keeps one MetricsRegistry. Registering a metric returns a small
// handle (Counter, Gauge, Histogram) naming a family; a family holds one
// series per combination of label values, created on first use. render()
// writes the text exposition format 0.0.4: "# HELP" and "# TYPE" for every
// family, label values escaped, histograms as cumulative _bucket{le=...}
// series ending at le="+Inf", then _sum and _count.
//
// Why our own and not a client library: Debian ships none for C++, and the
// part we need is this page. It does no I/O — the HTTP listener that serves
// render() lives in the programs. One mutex guards everything: the loops that
// count and the HTTP thread that renders meet rarely, and an uncontended lock
// costs less than a provider call by orders of magnitude.
//
// Not here: summaries, timestamps, exemplars, the OpenMetrics format.
// Misuse (a bad name, a wrong number of label values) is a programming error
// and asserts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace huitou {

// Label values, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

struct MetricFamily;
class MetricsRegistry;

// Only goes up. Names end in _total (promtool insists).
class Counter {
  public:
    void inc(const LabelValues& labels = {}, double by = 1.0) const;  // by >= 0
    double value(const LabelValues& labels = {}) const;               // 0 if never counted

  private:
    friend class MetricsRegistry;
    Counter(MetricsRegistry* r, MetricFamily* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    MetricFamily* family_;
};

// Goes up and down; often set from a sample taken at scrape time.
class Gauge {
  public:
    void set(const LabelValues& labels, double v) const;
    void add(const LabelValues& labels, double by) const;
    double value(const LabelValues& labels = {}) const;
    // Forgets every series, e.g. before a fresh sample in which some label
    // combinations may no longer exist.
    void clear() const;

  private:
    friend class MetricsRegistry;
    Gauge(MetricsRegistry* r, MetricFamily* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    MetricFamily* family_;
};

// Counts observations into fixed buckets (upper bounds, ascending; +Inf is implied).
class Histogram {
  public:
    void observe(const LabelValues& labels, double v) const;
    std::uint64_t count(const LabelValues& labels = {}) const;

  private:
    friend class MetricsRegistry;
    Histogram(MetricsRegistry* r, MetricFamily* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    MetricFamily* family_;
};

class MetricsRegistry {
  public:
    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

    MetricsRegistry();
    ~MetricsRegistry();
    MetricsRegistry(const MetricsRegistry&) = delete;
    MetricsRegistry& operator=(const MetricsRegistry&) = delete;

    // Registers a family; each name once. Handles stay valid as long as the
    // registry. A family without labels starts with its one series at 0, so a
    // scrape shows it before anything happened.
    Counter counter(std::string name, std::string help, std::vector<std::string> label_names = {});
    Gauge gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
    Histogram histogram(std::string name, std::string help, std::vector<double> bounds,
                        std::vector<std::string> label_names = {});

    // The text exposition format, families in registration order, series in
    // label order.
    std::string render() const;

  private:
    friend class Counter;
    friend class Gauge;
    friend class Histogram;
    MetricFamily* add(std::string name, std::string help, std::string_view type,
                      std::vector<std::string> label_names, std::vector<double> bounds);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<MetricFamily>> families_;
};

// A sample value as Prometheus reads it: shortest round-trip decimal,
// "+Inf", "-Inf", "NaN".
std::string format_metric_value(double v);

// Label value escaping of the text format: \ → \\, " → \", newline → \n.
std::string escape_label_value(std::string_view v);

}  // namespace huitou
