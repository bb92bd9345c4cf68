// core/account.h: login names, the password rule, stores per role.
#include <catch2/catch.hpp>

#include "core/account.h"

using namespace huitou;

TEST_CASE("login names: 1-32 of a-z 0-9 . _ -, starting with a letter or digit", "[account]") {
    for (const char* good :
         {"boss", "a", "xiao.li", "li_2", "shop-1", "0day", "abcdefghijklmnopqrstuvwxyz012345"}) {
        INFO(good);
        CHECK(check_login_name(good).empty());
    }
    for (const char* bad : {"", "Boss", "xiao li", "-x", ".x", "_x", "小李", "a/b", "a\nb",
                            "abcdefghijklmnopqrstuvwxyz0123456"}) {
        INFO(bad);
        CHECK_FALSE(check_login_name(bad).empty());
    }
}

TEST_CASE("a typed login name is trimmed and folded to lower case", "[account]") {
    CHECK(fold_login_name("  Boss ") == "boss");
    CHECK(fold_login_name("XiaoLi\t") == "xiaoli");
    CHECK(fold_login_name("\xe3\x80\x80li") == "li");  // the ideographic space
}

TEST_CASE("passwords: at least 8 characters, at most 128 bytes", "[account]") {
    CHECK(check_password("12345678").empty());
    CHECK_FALSE(check_password("1234567").empty());
    CHECK_FALSE(check_password("").empty());
    // Characters, not bytes: 8 Chinese characters pass, 7 (21 bytes) do not.
    CHECK(check_password("春眠不觉晓处处").find("8") != std::string::npos);
    CHECK(check_password("春眠不觉晓处处闻").empty());
    CHECK(check_password(std::string(128, 'x')).empty());
    CHECK_FALSE(check_password(std::string(129, 'x')).empty());
    CHECK_FALSE(check_password("password\n1").empty());
    CHECK_FALSE(check_password("pass\tword1").empty());
    CHECK_FALSE(check_password("\xff\xfe password").empty());
    CHECK(check_password("with spaces ok").empty());
}

TEST_CASE("stores per role: staff exactly one, owner all or some", "[account]") {
    CHECK(check_account_stores(AccountRole::staff, false, {"toyland"}).empty());
    CHECK_FALSE(check_account_stores(AccountRole::staff, true, {}).empty());
    CHECK_FALSE(check_account_stores(AccountRole::staff, false, {}).empty());
    CHECK_FALSE(check_account_stores(AccountRole::staff, false, {"toyland", "babycare"}).empty());
    CHECK(check_account_stores(AccountRole::owner, true, {}).empty());
    CHECK(check_account_stores(AccountRole::owner, false, {"toyland", "babycare"}).empty());
    CHECK_FALSE(check_account_stores(AccountRole::owner, false, {}).empty());
}

TEST_CASE("an account's identity: its login, role and stores, scope write", "[account]") {
    const auto staff = account_identity("xiaoli", AccountRole::staff, false, {"toyland"});
    CHECK(staff.kind == Identity::Kind::account);
    CHECK(staff.id == "xiaoli");
    CHECK(staff.role == "staff");
    CHECK(staff.may_write("toyland"));
    CHECK_FALSE(staff.may_read("babycare"));
    const auto owner = account_identity("boss", AccountRole::owner, true, {"ignored"});
    CHECK(owner.may_write("babycare"));
    CHECK(owner.stores.empty());
    CHECK(parse_account_role("owner") == AccountRole::owner);
    CHECK_FALSE(parse_account_role("admin"));
}
