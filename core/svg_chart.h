// svg_chart.h — a bar chart as SVG text, drawn on the server.
//
// The console's charts (messages per day over 90 days: an accidental flood
// is one tall bar) must work without script and without anything loaded from
// outside, on a 360 px phone and a 1280 px desktop. So the chart is plain
// SVG in the page: a viewBox and width 100% (the stylesheet caps the width,
// so the text keeps a readable size), one <rect class="bar"> per value with
// its own <title> (a tooltip on a desktop, read by screen readers), a few
// round ticks on the y axis and the labels the caller gives on the x axis.
// Every text is XML-escaped. Pure: the caller supplies the labels already
// in Chinese. Deliberately not here: stacked or grouped bars, lines, colours
// per bar (the stylesheet colours .bar).
#pragma once

#include <string>
#include <vector>

namespace huitou {

struct BarChart {
    std::string id;          // the <svg> element's id ("" = none)
    std::string title;       // <title> and aria-label: what the chart shows
    std::string unit;        // after a value in a bar's tooltip: "条"
    std::string empty_text;  // drawn in the middle when every value is 0 (or none)
    struct Bar {
        std::string tick;     // the x-axis label under the bar ("" = none)
        std::string tooltip;  // the bar's <title> before its value: "9月15日"
        long long value = 0;  // ≥ 0 (a negative value is drawn as 0)
    };
    std::vector<Bar> bars;
};

// The y axis' top: the smallest of 1, 2, 5 × 10^k (k ≥ 0) ≥ `max`, at least 1.
long long chart_axis_top(long long max);

// The chart as an <svg> element (class "chart", viewBox 0 0 400 220,
// width 100%, role="img"). A bar's height is value / chart_axis_top(max) of
// the plot's height, so heights are proportional to the values.
std::string svg_bar_chart(const BarChart& chart);

}  // namespace huitou
