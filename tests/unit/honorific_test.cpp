#include <catch2/catch.hpp>

#include "core/honorific.h"

using namespace huitou;

TEST_CASE("members are addressed by surname and title") {
    const auto [name, gender, expected] = GENERATE(table<std::string, Gender, std::string>({
        {"王芳", Gender::female, "王女士"},
        {"李强", Gender::male, "李先生"},
        {"欧阳娜娜", Gender::female, "欧阳女士"},
        {"司马相如", Gender::male, "司马先生"},
        {"欧阳", Gender::female, "欧女士"},  // a two-character name is surname + given name
        {"王芳", Gender::unknown, "王芳"},   // no safe title without a gender
        {"Lily Wang", Gender::female, "Lily Wang"},
        {"  陈静　", Gender::female, "陈女士"},  // spaces, full-width too
        {"𠮷田", Gender::male, "𠮷先生"},        // a surname outside the BMP
        {"", Gender::female, ""},
    }));
    CHECK(honorific(name, gender) == expected);
}
