#include <catch2/catch.hpp>

#include <sstream>

#include "core/csv_reader.h"

using namespace huitou;

namespace {
std::vector<CsvRecord> read_all(const std::string& text, std::size_t max_field = 1 << 20) {
    std::istringstream in(text);
    CsvReader reader(in, max_field);
    std::vector<CsvRecord> out;
    while (auto r = reader.next())
        out.push_back(std::move(*r));
    return out;
}
using Fields = std::vector<std::string>;
}  // namespace

TEST_CASE("CSV records as RFC 4180 writes them") {
    SECTION("plain fields, LF and CRLF, a BOM, a last line without a newline") {
        const auto records = read_all(
            "\xEF\xBB\xBF"
            "a,b,c\r\n1,2,3\n4,5,6");
        REQUIRE(records.size() == 3);
        CHECK(records[0].fields == Fields{"a", "b", "c"});
        CHECK(records[1].fields == Fields{"1", "2", "3"});
        CHECK(records[2].fields == Fields{"4", "5", "6"});
        CHECK(records[2].line == 3);
    }
    SECTION("quoted fields hold commas, doubled quotes and line breaks") {
        const auto records = read_all("id,note\n1,\"a, \"\"quoted\"\"\r\nnote\"\n2,x\n");
        REQUIRE(records.size() == 3);
        CHECK(records[1].fields == Fields{"1", "a, \"quoted\"\nnote"});
        CHECK(records[1].line == 2);
        CHECK(records[2].line == 4);  // the record after a two-line field
    }
    SECTION("empty fields and blank lines") {
        const auto records = read_all("a,,c\n\n\n,,\n");
        REQUIRE(records.size() == 2);
        CHECK(records[0].fields == Fields{"a", "", "c"});
        CHECK(records[1].fields == Fields{"", "", ""});
        CHECK(records[1].line == 4);
    }
    SECTION("UTF-8 passes through untouched") {
        const auto records = read_all("王芳,欧阳娜娜 😀\n");
        CHECK(records[0].fields == Fields{"王芳", "欧阳娜娜 😀"});
    }
    SECTION("old Mac line ends") {
        const auto records = read_all("a,b\r1,2\r");
        REQUIRE(records.size() == 2);
        CHECK(records[1].fields == Fields{"1", "2"});
        CHECK(records[1].line == 2);
    }
}

TEST_CASE("an Excel export on Windows reads as written") {
    // A BOM, CRLF everywhere, quoted fields with commas and CRLF breaks,
    // blank lines, rows of empty cells, names outside the BMP.
    const auto records = read_all(
        "\xEF\xBB\xBF"
        "id,name,note\r\n"
        "1,王芳,\"Shenzhen, Futian\"\r\n"
        "\r\n"
        "2,\"𠮷田 😀\",\"line one\r\nline two, with a comma\"\r\n"
        ",,\r\n"
        "3,\"陈\"\"小\"\"明\",\r\n");
    REQUIRE(records.size() == 5);
    CHECK(records[0].fields == Fields{"id", "name", "note"});
    CHECK(records[1].fields == Fields{"1", "王芳", "Shenzhen, Futian"});
    CHECK(records[2].fields == Fields{"2", "𠮷田 😀", "line one\nline two, with a comma"});
    CHECK(records[2].line == 4);
    CHECK(records[3].fields == Fields{"", "", ""});
    CHECK(records[3].line == 6);
    CHECK(records[4].fields == Fields{"3", "陈\"小\"明", ""});
    CHECK(records[4].line == 7);
}

TEST_CASE("a 1 MB field is read — one byte more is an error, not a crash") {
    const std::size_t mb = 1 << 20;
    const auto records = read_all("id,note\n1," + std::string(mb, 'x') + "\n2,\"" +
                                  std::string(mb + 1, 'y') + "\"\n3,ok\n");
    REQUIRE(records.size() == 4);
    CHECK(records[1].fields[1].size() == mb);
    CHECK_THAT(records[2].error, Catch::Contains("longer than 1048576 bytes"));
    CHECK(records[3].fields == Fields{"3", "ok"});
    CHECK(records[3].line == 4);
}

TEST_CASE("a malformed record is reported and the next one still read") {
    SECTION("text after a closing quote") {
        const auto records = read_all("\"a\"b,c\nok,1\n");
        REQUIRE(records.size() == 2);
        CHECK_THAT(records[0].error, Catch::Contains("after a closing quote"));
        CHECK(records[1].error.empty());
        CHECK(records[1].fields == Fields{"ok", "1"});
        CHECK(records[1].line == 2);
    }
    SECTION("a field over the size limit") {
        const auto records = read_all("short,1\n" + std::string(100, 'x') + ",2\nnext,3\n", 64);
        REQUIRE(records.size() == 3);
        CHECK_THAT(records[1].error, Catch::Contains("longer than 64 bytes"));
        CHECK(records[2].fields == Fields{"next", "3"});
    }
    SECTION("a quoted field over the limit on its first line: the next line is read") {
        const auto records = read_all("\"" + std::string(100, 'x') + "\n" + "yy,2\nnext,3\n", 64);
        REQUIRE(records.size() == 3);
        CHECK_THAT(records[0].error, Catch::Contains("longer than 64 bytes"));
        CHECK(records[1].fields == Fields{"yy", "2"});
        CHECK(records[1].line == 2);
        CHECK(records[2].fields == Fields{"next", "3"});
    }
    SECTION("a quote left open at the end") {
        const auto records = read_all("a,b\n\"open,1\n");
        REQUIRE(records.size() == 2);
        CHECK_THAT(records[1].error, Catch::Contains("not closed"));
    }
    SECTION("a stray quote inside an unquoted field is text") {
        const auto records = read_all("5\"2,x\n");
        CHECK(records[0].fields == Fields{"5\"2", "x"});
    }
}

namespace {
// `n` rows "r<i>,x" on lines 1..n, row `broken` written with `broken_text`.
std::string rows(int n, int broken, const std::string& broken_text, const char* eol = "\n") {
    std::string text;
    for (int i = 1; i <= n; ++i)
        text += (i == broken ? broken_text : "r" + std::to_string(i) + ",x") + eol;
    return text;
}

// The records' lines, an error as a negative line.
std::vector<long> lines_of(const std::vector<CsvRecord>& records) {
    std::vector<long> out;
    for (const auto& r : records)
        out.push_back(r.error.empty() ? static_cast<long>(r.line) : -static_cast<long>(r.line));
    return out;
}
}  // namespace

TEST_CASE("a stray quote costs its own row, not the rows after it") {
    SECTION("a quote left open mid-file: rejected on its line, the next line read") {
        const auto records = read_all(rows(50, 3, "r3,\"Wang, Fang"));
        REQUIRE(records.size() == 50);
        CHECK(records[2].line == 3);
        CHECK_THAT(records[2].error, Catch::Contains("runs on for more than 5 lines"));
        for (int i = 4; i <= 50; ++i) {
            CHECK(records[static_cast<std::size_t>(i - 1)].line == static_cast<std::size_t>(i));
            CHECK(records[static_cast<std::size_t>(i - 1)].fields ==
                  Fields{"r" + std::to_string(i), "x"});
        }
    }
    SECTION("a quote left open near the end of the file") {
        const auto records = read_all(rows(6, 4, "r4,\"open"));
        CHECK(lines_of(records) == std::vector<long>{1, 2, 3, -4, 5, 6});
        CHECK_THAT(records[3].error, Catch::Contains("not closed before the end of the file"));
        CHECK(records[5].fields == Fields{"r6", "x"});
    }
    SECTION("CRLF and lone CR line ends count the same lines") {
        CHECK(lines_of(read_all(rows(12, 2, "r2,\"open", "\r\n"))) ==
              std::vector<long>{1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        CHECK(lines_of(read_all(rows(12, 2, "r2,\"open", "\r"))) ==
              std::vector<long>{1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    }
    SECTION("a stray quote closed by a later row's quote") {
        // The quote opened on line 2 closes at line 4's first quote, which
        // text follows: the record is broken, and lines 3 and 4 are read again.
        const auto records = read_all("r1,x\nr2,\"open\nr3,x\nr4,\"quoted\"\nr5,x\n");
        CHECK(lines_of(records) == std::vector<long>{1, -2, 3, 4, 5});
        CHECK(records[2].fields == Fields{"r3", "x"});
        CHECK(records[3].fields == Fields{"r4", "quoted"});
    }
    SECTION("two broken rows in a row, each named") {
        const auto records = read_all("r1,\"a\nr2,\"b\nr3,x\nr4,x\nr5,x\nr6,x\nr7,x\nr8,x\n");
        CHECK(lines_of(records) == std::vector<long>{-1, -2, 3, 4, 5, 6, 7, 8});
    }
    SECTION("a quoted field over the size limit across lines") {
        const auto records = read_all(
            "r1,\"" + std::string(40, 'x') + "\n" + std::string(40, 'y') + "\"\nr3,x\n", 64);
        CHECK(lines_of(records) == std::vector<long>{-1, 2, 3});
        CHECK_THAT(records[0].error, Catch::Contains("longer than 64 bytes"));
        CHECK(records[1].fields == Fields{std::string(40, 'y') + "\""});
    }
    SECTION("a quoted field of five lines is read; of six, rejected") {
        auto records = read_all("r1,\"1\n2\n3\n4\n5\"\nr6,x\n");
        CHECK(lines_of(records) == std::vector<long>{1, 6});
        CHECK(records[0].fields == Fields{"r1", "1\n2\n3\n4\n5"});
        records = read_all("r1,\"1\n2\n3\n4\n5\n6\"\nr7,x\n");
        CHECK(lines_of(records) == std::vector<long>{-1, 2, 3, 4, 5, 6, 7});
        CHECK(records[5].fields == Fields{"6\""});
    }
    SECTION("the bound is the reader's to set") {
        const auto text = "r1,\"1\n2\n3\n4\n5\n6\n7\"\nr8,x\n";
        std::istringstream in(text);
        CsvReader reader(in, 1 << 20, 7);
        const auto first = reader.next();
        REQUIRE(first);
        CHECK(first->error.empty());
        CHECK(first->fields[1] == "1\n2\n3\n4\n5\n6\n7");
        CHECK(reader.next()->line == 8);
    }
}
