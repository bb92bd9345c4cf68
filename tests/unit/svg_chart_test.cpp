// svg_chart (core/svg_chart.h): the SVG parses as XML, bars are
// proportional to their values, an empty chart says so, text is escaped.
#include <catch2/catch.hpp>

#include <expat.h>

#include <map>
#include <string>
#include <vector>

#include "core/svg_chart.h"

using namespace huitou;

namespace {

struct Element {
    std::string name;
    std::map<std::string, std::string> attributes;
    std::string text;  // the character data directly inside it
};

// The document's elements in order, or an error: parsed by expat, so a
// chart that is not well-formed XML fails here.
struct Parsed {
    std::vector<Element> elements;
    std::vector<std::size_t> open;
    std::string error;
};

Parsed parse(const std::string& xml) {
    Parsed p;
    XML_Parser parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(parser, &p);
    XML_SetElementHandler(
        parser,
        [](void* data, const XML_Char* name, const XML_Char** attrs) {
            auto& p = *static_cast<Parsed*>(data);
            Element e{name, {}, {}};
            for (int i = 0; attrs[i]; i += 2)
                e.attributes[attrs[i]] = attrs[i + 1];
            p.open.push_back(p.elements.size());
            p.elements.push_back(std::move(e));
        },
        [](void* data, const XML_Char*) { static_cast<Parsed*>(data)->open.pop_back(); });
    XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* s, int len) {
        auto& p = *static_cast<Parsed*>(data);
        if (!p.open.empty())
            p.elements[p.open.back()].text.append(s, static_cast<std::size_t>(len));
    });
    if (XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_ERROR)
        p.error = XML_ErrorString(XML_GetErrorCode(parser));
    XML_ParserFree(parser);
    return p;
}

std::vector<Element> with_class(const Parsed& p, const std::string& cls) {
    std::vector<Element> out;
    for (const auto& e : p.elements) {
        const auto it = e.attributes.find("class");
        if (it != e.attributes.end() && it->second == cls) out.push_back(e);
    }
    return out;
}

}  // namespace

TEST_CASE("chart_axis_top: 1, 2, 5 times a power of ten", "[svg_chart]") {
    CHECK(chart_axis_top(0) == 1);
    CHECK(chart_axis_top(1) == 1);
    CHECK(chart_axis_top(2) == 2);
    CHECK(chart_axis_top(3) == 5);
    CHECK(chart_axis_top(7) == 10);
    CHECK(chart_axis_top(11) == 20);
    CHECK(chart_axis_top(200) == 200);
    CHECK(chart_axis_top(201) == 500);
    CHECK(chart_axis_top(123456) == 200000);
}

TEST_CASE("svg_bar_chart: XML, proportional bars, escaping, empty", "[svg_chart]") {
    BarChart chart;
    chart.id = "chart-daily";
    chart.title = "每天发出的消息 <近90天> & \"更多\"";
    chart.unit = "条";
    chart.empty_text = "这段时间没有发出消息";

    SECTION("one bar per value, heights proportional to the values") {
        chart.bars = {{"9月1日", "9月1日", 10},
                      {"", "9月2日", 0},
                      {"", "9月3日", 5},
                      {"9月4日", "9月4日", 20}};
        const auto svg = svg_bar_chart(chart);
        const auto p = parse(svg);
        REQUIRE(p.error.empty());
        REQUIRE(p.elements.front().name == "svg");
        CHECK(p.elements.front().attributes.at("id") == "chart-daily");
        CHECK(p.elements.front().attributes.at("width") == "100%");
        CHECK(p.elements.front().attributes.at("aria-label") == chart.title);
        const auto bars = with_class(p, "bar");
        REQUIRE(bars.size() == 4);
        std::vector<double> heights;
        for (const auto& b : bars)
            heights.push_back(std::stod(b.attributes.at("height")));
        // The axis' top is 20: the tallest bar fills the plot.
        CHECK(heights[3] == Approx(2 * heights[0]));
        CHECK(heights[0] == Approx(2 * heights[2]));
        CHECK(heights[1] == 0);
        CHECK(bars[0].attributes.at("data-value") == "10");
        // Bars stand on the same baseline.
        const double base0 = std::stod(bars[0].attributes.at("y")) + heights[0];
        const double base3 = std::stod(bars[3].attributes.at("y")) + heights[3];
        CHECK(base0 == Approx(base3));
        // The ticks the caller named, and no empty message.
        const auto labels = with_class(p, "x-label");
        REQUIRE(labels.size() == 2);
        CHECK(labels[0].text == "9月1日");
        CHECK(labels[1].text == "9月4日");
        CHECK(with_class(p, "empty").empty());
        const auto y = with_class(p, "y-tick");
        REQUIRE(y.size() == 5);
        CHECK(y.back().text == "20");
        // Each bar's tooltip names its day and value.
        CHECK(svg.find("<title>9月3日：5条</title>") != std::string::npos);
    }
    SECTION("no data: an empty chart with its message") {
        for (const auto& bars : {std::vector<BarChart::Bar>{},
                                 std::vector<BarChart::Bar>{{"", "a", 0}, {"", "b", 0}}}) {
            chart.bars = bars;
            const auto p = parse(svg_bar_chart(chart));
            REQUIRE(p.error.empty());
            const auto empty = with_class(p, "empty");
            REQUIRE(empty.size() == 1);
            CHECK(empty[0].text == "这段时间没有发出消息");
            for (const auto& b : with_class(p, "bar"))
                CHECK(b.attributes.at("height") == "0");
        }
    }
    SECTION("text is escaped: a label cannot break out of the SVG") {
        chart.bars = {{"<script>alert(1)</script>", "a&b", 3}};
        const auto svg = svg_bar_chart(chart);
        CHECK(svg.find("<script") == std::string::npos);
        const auto p = parse(svg);
        REQUIRE(p.error.empty());
        CHECK(with_class(p, "x-label").at(0).text == "<script>alert(1)</script>");
        CHECK(with_class(p, "chart-title").at(0).text == chart.title);
        CHECK(svg.find("a&amp;b：3条") != std::string::npos);
    }
}
