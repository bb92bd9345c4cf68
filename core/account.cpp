#include "core/account.h"

#include "core/utf8.h"

namespace huitou {

std::string_view to_string(AccountRole role) {
    return role == AccountRole::owner ? "owner" : "staff";
}

std::optional<AccountRole> parse_account_role(std::string_view text) {
    if (text == "owner") return AccountRole::owner;
    if (text == "staff") return AccountRole::staff;
    return std::nullopt;
}

std::string check_login_name(std::string_view name) {
    if (name.empty() || name.size() > kLoginNameMax) return "a login name has 1 to 32 characters";
    for (const char c : name) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return "a login name holds only a-z, 0-9, '.', '_' and '-'";
    }
    const char first = name.front();
    if (first == '.' || first == '_' || first == '-')
        return "a login name starts with a letter or a digit";
    return {};
}

std::string fold_login_name(std::string_view typed) {
    std::string out(trim(typed));
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string check_password(std::string_view password) {
    if (password.size() > kPasswordMaxBytes) return "a password has at most 128 bytes";
    if (!is_valid_utf8(password)) return "a password must be UTF-8 text";
    if (has_control_characters(password))
        return "a password holds no control characters (tab, newline, ...)";
    if (count_code_points(password) < kPasswordMinChars)
        return "a password has at least 8 characters";
    return {};
}

std::string check_account_stores(AccountRole role, bool all_stores,
                                 const std::vector<std::string>& stores) {
    if (role == AccountRole::staff) {
        if (all_stores || stores.size() != 1) return "a staff account has exactly one store";
        return {};
    }
    if (!all_stores && stores.empty()) return "an owner has every store or at least one";
    return {};
}

Identity account_identity(const std::string& login, AccountRole role, bool all_stores,
                          const std::vector<std::string>& stores) {
    Identity who;
    who.kind = Identity::Kind::account;
    who.id = login;
    who.name = login;
    who.role = std::string(to_string(role));
    who.all_stores = all_stores;
    if (!all_stores) who.stores = stores;
    who.scope = Scope::write;
    return who;
}

}  // namespace huitou
