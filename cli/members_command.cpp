#include "cli/members_command.h"

#include <ostream>

#include "io/member_finder.h"

namespace huitou {

void MembersCommand::add_to(CLI::App& app) {
    auto* members = app.add_subcommand("members", "Member indexes (reindex)");
    members->require_subcommand(1);
    reindex_ = members->add_subcommand(
        "reindex",
        "Build the member indexes: the console's search (name, phone's last four "
        "digits) and the opt-outs' (openid's last two characters)");
    reindex_->add_option("--store", store_, "Only this store (default: every store)");
}

std::optional<int> MembersCommand::run(const Runtime& rt, std::ostream& out, std::ostream& err) {
    if (!reindex_ || !*reindex_) return std::nullopt;
    if (!store_.empty() && !rt.config.find_store(store_)) {
        err << "huitou members reindex: --store " << store_ << ": not a store of the config\n";
        return 2;
    }
    RedisConnection redis(rt.redis);
    MemberFinder finder(redis);
    for (const auto& [id, store] : rt.config.stores) {
        if (!store_.empty() && id != store_) continue;
        out << id << ": " << finder.reindex(id) << " members indexed\n";
    }
    return 0;
}

}  // namespace huitou
