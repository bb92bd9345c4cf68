// huitou — the command-line tool: import members, inspect jobs and config,
// consent and previews.
//
// Exit statuses: 0 success; 1 an environment failure (Redis unreachable);
// 2 a usage or configuration error; 3 the command ran but some input was
// rejected (an import with bad rows).
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/calendar_command.h"
#include "cli/import_command.h"
#include "cli/job_commands.h"
#include "cli/keygen_command.h"
#include "cli/outbox_command.h"
#include "cli/policy_commands.h"
#include "cli/visit_commands.h"
#include "io/job_store.h"
#include "io/member_store.h"
#include "io/program_setup.h"

namespace {

using namespace huitou;

int run_jobs(const Runtime& rt, const std::string& store_filter) {
    RedisConnection redis(rt.redis);
    JobStore jobs(redis, rt.config.scheduler);
    for (const auto& [id, store] : rt.config.stores) {
        if (!store_filter.empty() && id != store_filter) continue;
        std::cout << id;
        for (const auto& [state, count] : jobs.counts(id)) {
            if (count != 0) std::cout << "  " << state << " " << count;
        }
        std::cout << "\n";
    }
    return 0;
}

int run_member(const Runtime& rt, const std::string& store, const std::string& id) {
    RedisConnection redis(rt.redis);
    MemberStore members(redis);
    const auto m = members.get(store, id);
    if (!m) {
        std::cerr << "huitou: no member " << id << " in store " << store << "\n";
        return 3;
    }
    std::cout << "store        " << m->store << "\nmember_id    " << m->id << "\n";
    for (const auto& [field, value] : to_fields(*m)) {
        std::cout << field << std::string(field.size() < 13 ? 13 - field.size() : 1, ' ') << value
                  << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"huitou: member import and inspection for the huitou scheduler"};
    app.require_subcommand(1);
    CommonOptions common;
    add_common_options(app, common);

    ImportOptions import;
    auto* import_cmd = app.add_subcommand("import", "Import members from CSV or JSON Lines");
    import_cmd->add_option("file", import.path, "CSV (with a header row) or .jsonl file")
        ->required();
    import_cmd->add_option("--format", import.format, "csv or jsonl (default: from the file name)")
        ->check(CLI::IsMember({"csv", "jsonl"}));
    import_cmd->add_option("--store", import.default_store,
                           "Store for rows without a store column");
    import_cmd->add_option("--batch", import.batch, "Rows per Redis round trip")
        ->check(CLI::Range(1, 100000));

    std::string jobs_store;
    auto* jobs_cmd = app.add_subcommand("jobs", "Jobs per store and state");
    jobs_cmd->add_option("--store", jobs_store, "Only this store");

    std::string member_store, member_id;
    auto* member_cmd = app.add_subcommand("member", "Show one member");
    member_cmd->add_option("store", member_store)->required();
    member_cmd->add_option("member_id", member_id)->required();

    auto* check_cmd =
        app.add_subcommand("check-config", "Load the config and templates, report problems");

    auto* calendar_cmd =
        app.add_subcommand("calendar", "The lunar calendar and the festivals huitou greets on");
    calendar_cmd->require_subcommand(1);
    std::string convert_date;
    auto* convert_cmd = calendar_cmd->add_subcommand(
        "convert", "Solar date to lunar (2027-09-15) or lunar to solar (lunar:2027-08-15)");
    convert_cmd
        ->add_option("date", convert_date, "YYYY-MM-DD, lunar:YYYY-MM-DD or lunar:YYYY-leapMM-DD")
        ->required();
    std::string holidays_year, holidays_store;
    auto* holidays_cmd =
        calendar_cmd->add_subcommand("holidays", "The festival days of a year, sorted by date");
    holidays_cmd->add_option("year", holidays_year, "1901..2099")->required();
    holidays_cmd->add_option("--store", holidays_store, "Only the festivals this store celebrates");

    std::vector<std::string> outbox_files;
    auto* outbox_cmd = app.add_subcommand("outbox", "Show the messages the outbox provider wrote");
    outbox_cmd->add_option("files", outbox_files, "Outbox files (JSON Lines)")->required();

    std::string keygen_role = "worker";
    auto* keygen_cmd = app.add_subcommand("keygen", "Print a new ZeroMQ CURVE key pair");
    keygen_cmd->add_option("role", keygen_role, "scheduler or worker (default)")
        ->check(CLI::IsMember({"scheduler", "worker"}));

    VisitCommands visit_commands;
    visit_commands.add_to(app);
    PolicyCommands policy_commands;
    policy_commands.add_to(app);
    JobCommands job_commands;
    job_commands.add_to(app, jobs_cmd);

    CLI11_PARSE(app, argc, argv);
    if (*outbox_cmd) {
        // Needs neither config nor Redis.
        const auto shown = print_outbox(outbox_files, std::cout, std::cerr);
        return shown > 0 ? 0 : 3;
    }
    // Needs neither config nor Redis.
    if (*keygen_cmd) return run_keygen(keygen_role, std::cout, std::cerr);
    if (*convert_cmd) return calendar_convert(convert_date, std::cout, std::cerr);  // no config
    try {
        setup_logging("huitou", common.log_level);
        const Runtime rt = make_runtime(common);
        if (*import_cmd) {
            RedisConnection redis(rt.redis);
            import.at = rt.clock->now();
            const auto r = import_members(import, rt.config, redis, std::cerr);
            std::cout << "imported " << r.rows - r.rejected << " of " << r.rows
                      << " rows: " << r.created << " new, " << r.updated << " updated, "
                      << r.unchanged << " unchanged; " << r.rejected << " rejected\n";
            return r.rejected == 0 ? 0 : 3;
        }
        if (*holidays_cmd)
            return calendar_holidays(rt.config, holidays_year, holidays_store, std::cout,
                                     std::cerr);
        if (const auto status = visit_commands.run(rt, std::cout, std::cerr)) return *status;
        if (const auto status = policy_commands.run(rt, std::cout, std::cerr)) return *status;
        if (const auto status = job_commands.run(rt, jobs_store, std::cout, std::cerr))
            return *status;
        if (*jobs_cmd) return run_jobs(rt, jobs_store);
        if (*member_cmd) return run_member(rt, member_store, member_id);
        if (*check_cmd) {
            load_templates(rt.config);
            std::cout << rt.config.origin << ": OK (" << rt.config.stores.size() << " stores)\n";
            return 0;
        }
    } catch (const ConfigError& e) {
        std::cerr << "huitou: " << e.what() << "\n";
        return 2;
    } catch (const RedisError& e) {
        std::cerr << "huitou: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
