#include "core/svg_chart.h"

#include <algorithm>
#include <cstdio>

#include "core/markup_escape.h"

namespace huitou {

namespace {

// The drawing's coordinates: a 400 × 220 box (on a 360 px phone a unit is
// about 0.8 px, so 12-unit text stays readable), the plot inside the margins
// (left for the y labels, bottom for the x labels).
constexpr double kWidth = 400, kHeight = 220;
constexpr double kLeft = 40, kRight = 8, kTop = 28, kBottom = 26;
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kPlotHeight = kHeight - kTop - kBottom;

// Two decimals at most, no trailing zeros: SVG wants numbers, not locale.
std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0')
        s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

}  // namespace

long long chart_axis_top(long long max) {
    for (long long scale = 1;; scale *= 10) {
        for (const long long step : {1LL, 2LL, 5LL}) {
            if (step * scale >= max) return step * scale;
        }
    }
}

std::string svg_bar_chart(const BarChart& chart) {
    long long max = 0;
    for (const auto& bar : chart.bars)
        max = std::max(max, bar.value);
    const long long top = chart_axis_top(max);
    const std::string title = markup_escape(chart.title);

    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"";
    if (!chart.id.empty()) svg += " id=\"" + markup_escape(chart.id) + "\"";
    svg += " viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
           "\" width=\"100%\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"" +
           title + "\">";
    svg += "<title>" + title + "</title>";
    svg += "<text class=\"chart-title\" x=\"" + num(kLeft) + "\" y=\"18\" font-size=\"13\">" +
           title + "</text>";

    // The y axis: 0, a half and the top (and quarters when they are whole),
    // each a faint grid line, so a bar's value can be read off.
    const long long ticks = top % 4 == 0 ? 4 : 2;
    for (long long i = 0; i <= ticks; ++i) {
        const long long value = top * i / ticks;
        const double y = kTop + kPlotHeight -
                         kPlotHeight * static_cast<double>(value) / static_cast<double>(top);
        svg += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kWidth - kRight) +
               "\" y1=\"" + num(y) + "\" y2=\"" + num(y) +
               "\" stroke=\"#d9dee3\" stroke-width=\"1\"/>";
        svg += "<text class=\"y-tick\" x=\"" + num(kLeft - 4) + "\" y=\"" + num(y + 4) +
               "\" font-size=\"12\" text-anchor=\"end\" fill=\"#616e7c\">" + std::to_string(value) +
               "</text>";
    }

    if (max == 0) {
        svg += "<text class=\"empty\" x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" +
               num(kTop + kPlotHeight / 2) +
               "\" font-size=\"14\" text-anchor=\"middle\" fill=\"#616e7c\">" +
               markup_escape(chart.empty_text) + "</text>";
    }

    const double slot = chart.bars.empty() ? kPlotWidth : kPlotWidth / chart.bars.size();
    // A gap between bars while they are wide enough to show one.
    const double gap = slot >= 4 ? slot * 0.2 : 0;
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const auto& bar = chart.bars[i];
        const long long value = std::max(0LL, bar.value);
        const double h = kPlotHeight * static_cast<double>(value) / static_cast<double>(top);
        const double x = kLeft + slot * static_cast<double>(i);
        svg += "<rect class=\"bar\" x=\"" + num(x + gap / 2) + "\" y=\"" +
               num(kTop + kPlotHeight - h) + "\" width=\"" + num(slot - gap) + "\" height=\"" +
               num(h) + "\" data-value=\"" + std::to_string(value) + "\" fill=\"#c2410c\"><title>" +
               markup_escape(bar.tooltip) + "：" + std::to_string(value) +
               markup_escape(chart.unit) + "</title></rect>";
        if (!bar.tick.empty()) {
            const double cx = x + slot / 2;
            svg += "<line class=\"x-tick\" x1=\"" + num(cx) + "\" x2=\"" + num(cx) + "\" y1=\"" +
                   num(kTop + kPlotHeight) + "\" y2=\"" + num(kTop + kPlotHeight + 4) +
                   "\" stroke=\"#616e7c\"/>";
            svg += "<text class=\"x-label\" x=\"" + num(cx) + "\" y=\"" + num(kHeight - 8) +
                   "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#616e7c\">" +
                   markup_escape(bar.tick) + "</text>";
        }
    }
    svg += "<line class=\"axis\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kWidth - kRight) +
           "\" y1=\"" + num(kTop + kPlotHeight) + "\" y2=\"" + num(kTop + kPlotHeight) +
           "\" stroke=\"#616e7c\"/>";
    svg += "</svg>";
    return svg;
}

}  // namespace huitou
