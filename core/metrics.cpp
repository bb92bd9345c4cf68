#include "core/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <set>

namespace huitou {

struct MetricSeries {
    double value = 0;                    // counter, gauge
    std::vector<std::uint64_t> buckets;  // histogram: per bucket, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
};

struct MetricFamily {
    std::string name;
    std::string help;
    std::string_view type;  // counter, gauge, histogram
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::map<LabelValues, MetricSeries> series;

    MetricSeries& at(const LabelValues& labels) {
        assert(labels.size() == label_names.size() && "wrong number of label values");
        auto [it, fresh] = series.try_emplace(labels);
        if (fresh) it->second.buckets.assign(bounds.size(), 0);
        return it->second;
    }
    const MetricSeries* find(const LabelValues& labels) const {
        const auto it = series.find(labels);
        return it == series.end() ? nullptr : &it->second;
    }
};

namespace {

[[maybe_unused]] bool valid_name(std::string_view name, bool colons) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

[[maybe_unused]] bool valid_labels(const std::vector<std::string>& names, std::string_view type) {
    std::set<std::string> seen;
    for (const auto& l : names) {
        if (!valid_name(l, false) || l.starts_with("__")) return false;
        if (type == "histogram" && l == "le") return false;  // the histogram's own label
        if (!seen.insert(l).second) return false;
    }
    return true;
}

std::string escape_help(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// {a="x",b="y"} with an optional extra label (le) at the end; "" when empty.
std::string label_set(const std::vector<std::string>& names, const LabelValues& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (out.empty() ? "{" : ",") + names[i] + "=\"" + escape_label_value(values[i]) + "\"";
    }
    if (!extra_name.empty()) {
        out += (out.empty() ? "{" : ",") + std::string(extra_name) + "=\"" +
               std::string(extra_value) + "\"";
    }
    return out.empty() ? out : out + "}";
}

}  // namespace

std::string format_metric_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string escape_label_value(std::string_view v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricFamily* MetricsRegistry::add(std::string name, std::string help, std::string_view type,
                                   std::vector<std::string> label_names,
                                   std::vector<double> bounds) {
    assert(valid_name(name, true) && "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*");
    assert(valid_labels(label_names, type) && "bad, repeated or reserved label name");
    assert(std::is_sorted(bounds.begin(), bounds.end()) && "bucket bounds ascend");
    std::lock_guard lock(mutex_);
    assert(std::none_of(families_.begin(), families_.end(),
                        [&](const auto& f) { return f->name == name; }) &&
           "metric registered twice");
    auto family = std::make_unique<MetricFamily>();
    family->name = std::move(name);
    family->help = std::move(help);
    family->type = type;
    family->label_names = std::move(label_names);
    family->bounds = std::move(bounds);
    if (family->label_names.empty()) family->at({});
    families_.push_back(std::move(family));
    return families_.back().get();
}

Counter MetricsRegistry::counter(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
    assert(name.ends_with("_total") && "counter names end in _total");
    return {this, add(std::move(name), std::move(help), "counter", std::move(label_names), {})};
}

Gauge MetricsRegistry::gauge(std::string name, std::string help,
                             std::vector<std::string> label_names) {
    return {this, add(std::move(name), std::move(help), "gauge", std::move(label_names), {})};
}

Histogram MetricsRegistry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                     std::vector<std::string> label_names) {
    return {this, add(std::move(name), std::move(help), "histogram", std::move(label_names),
                      std::move(bounds))};
}

std::string MetricsRegistry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& f : families_) {
        out += "# HELP " + f->name + " " + escape_help(f->help) + "\n";
        out += "# TYPE " + f->name + " " + std::string(f->type) + "\n";
        for (const auto& [labels, s] : f->series) {
            if (f->type != "histogram") {
                out += f->name + label_set(f->label_names, labels) + " " +
                       format_metric_value(s.value) + "\n";
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < f->bounds.size(); ++i) {
                cumulative += s.buckets[i];
                out += f->name + "_bucket" +
                       label_set(f->label_names, labels, "le", format_metric_value(f->bounds[i])) +
                       " " + std::to_string(cumulative) + "\n";
            }
            out += f->name + "_bucket" + label_set(f->label_names, labels, "le", "+Inf") + " " +
                   std::to_string(s.count) + "\n";
            out += f->name + "_sum" + label_set(f->label_names, labels) + " " +
                   format_metric_value(s.sum) + "\n";
            out += f->name + "_count" + label_set(f->label_names, labels) + " " +
                   std::to_string(s.count) + "\n";
        }
    }
    return out;
}

void Counter::inc(const LabelValues& labels, double by) const {
    assert(by >= 0 && "counters only go up");
    std::lock_guard lock(registry_->mutex_);
    family_->at(labels).value += by;
}

double Counter::value(const LabelValues& labels) const {
    std::lock_guard lock(registry_->mutex_);
    const auto* s = family_->find(labels);
    return s ? s->value : 0;
}

void Gauge::set(const LabelValues& labels, double v) const {
    std::lock_guard lock(registry_->mutex_);
    family_->at(labels).value = v;
}

void Gauge::add(const LabelValues& labels, double by) const {
    std::lock_guard lock(registry_->mutex_);
    family_->at(labels).value += by;
}

double Gauge::value(const LabelValues& labels) const {
    std::lock_guard lock(registry_->mutex_);
    const auto* s = family_->find(labels);
    return s ? s->value : 0;
}

void Gauge::clear() const {
    std::lock_guard lock(registry_->mutex_);
    family_->series.clear();
    if (family_->label_names.empty()) family_->at({});
}

void Histogram::observe(const LabelValues& labels, double v) const {
    std::lock_guard lock(registry_->mutex_);
    auto& s = family_->at(labels);
    // The first bucket whose upper bound holds v; past the last, only +Inf (count).
    const auto it = std::lower_bound(family_->bounds.begin(), family_->bounds.end(), v);
    if (it != family_->bounds.end())
        ++s.buckets[static_cast<std::size_t>(it - family_->bounds.begin())];
    s.sum += v;
    ++s.count;
}

std::uint64_t Histogram::count(const LabelValues& labels) const {
    std::lock_guard lock(registry_->mutex_);
    const auto* s = family_->find(labels);
    return s ? s->count : 0;
}

}  // namespace huitou
