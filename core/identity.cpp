#include "core/identity.h"

#include <algorithm>

namespace huitou {

std::string_view to_string(Scope scope) {
    return scope == Scope::write ? "write" : "read";
}

std::optional<Scope> parse_scope(std::string_view text) {
    if (text == "read") return Scope::read;
    if (text == "write") return Scope::write;
    return std::nullopt;
}

Identity Identity::admin() {
    Identity who;
    who.kind = Kind::admin;
    who.name = "admin";
    who.all_stores = true;
    who.scope = Scope::write;
    return who;
}

Identity Identity::nobody() {
    Identity who;
    who.kind = Kind::nobody;
    who.name = "nobody";
    return who;
}

bool Identity::covers(std::string_view store) const {
    return all_stores || std::find(stores.begin(), stores.end(), store) != stores.end();
}

StoreAccess Identity::access(std::string_view store, bool write) const {
    if (!covers(store)) return StoreAccess::hidden;
    if (write && scope != Scope::write) return StoreAccess::read_only;
    return StoreAccess::allowed;
}

std::string Identity::describe() const {
    switch (kind) {
        case Kind::admin:
            return "admin";
        case Kind::api_key:
            return "API key " + id + " (" + name + ")";
        case Kind::account:
            return "account " + id;
        case Kind::nobody:
            return "not signed in";
    }
    return name;
}

}  // namespace huitou
