// policy_commands.h — the delivery policy's commands of the `huitou` tool:
//
//   huitou consent MEMBER [--store S]               a member's consent per channel, and why
//   huitou consent MEMBER --store S --channel sms --opt-out|--opt-in
//                 [--source counter] [--note TEXT]  record one (a shop assistant at the counter)
//   huitou preview --date D [--store S] [--json]    what a day sends, and why not the rest
//
// `consent` shows the member's ledger events (core/consent.h: found by
// scanning the store's ledger) and records events through ConsentStore, the
// same path the SMS worker and POST /api/consent take.
//
// `preview` runs the day planner (scheduler/day_planner.h: the same reads and
// the same pure policy planning uses) and writes nothing. A day in the future
// is shown as planning will see it at its midnight, with the contact history
// as it is now; today as planning would see it now. Where jobs of the day
// exist already, what they became (sent, expired, cancelled ...) is shown
// instead of what would be planned.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config.h"
#include "core/job.h"
#include "core/message_template.h"
#include "io/program_setup.h"
#include "io/redis_connection.h"

namespace huitou {

struct PreviewMessage {
    std::string member_id, member_name;
    Kind kind = Kind::birthday;
    std::string job_id;
    Channel channel = Channel::sms;
    SysSeconds at{};  // due (or sent) at
    std::string text;
    std::string state;   // "new": planning would create it; else the job's state
    std::string merged;  // the occasion merged into it, if any
};

struct PreviewSkip {
    std::string member_id, member_name;
    Kind kind = Kind::birthday;
    std::string occasion_id;
    std::string
        reason;  // no_consent, opted_out, capped, cooldown, merged, quiet_hours, expired, ...
    std::string detail;
};

struct StorePreview {
    std::string store;
    Date day;
    SysSeconds planned_at{};               // the moment planning is imagined at
    std::vector<PreviewMessage> messages;  // by time
    std::vector<PreviewSkip> skipped;      // by member
};

// What `day` brings at each store (or only `store_filter`), seen at `now`.
// Reads only. Throws RedisError.
std::vector<StorePreview> preview_day(RedisConnection& redis, const Config& config,
                                      const TemplateSet& templates, const Date& day,
                                      const std::string& store_filter, SysSeconds now);

// As a table for people, or as JSON.
void print_preview(const std::vector<StorePreview>& previews, const Config& config, bool json,
                   std::ostream& out);

class PolicyCommands {
  public:
    void add_to(CLI::App& app);

    // Runs the chosen subcommand and returns its exit status, or nullopt when
    // none of these was chosen. Throws RedisError and ConfigError.
    std::optional<int> run(const Runtime& rt, std::ostream& out, std::ostream& errors);

  private:
    int run_consent(const Runtime& rt, std::ostream& out, std::ostream& errors);
    int run_preview(const Runtime& rt, std::ostream& out, std::ostream& errors);

    CLI::App* consent_ = nullptr;
    CLI::App* preview_ = nullptr;
    std::string member_, store_, channel_, source_ = "counter", note_, date_;
    bool opt_in_ = false, opt_out_ = false, json_ = false;
};

}  // namespace huitou
