// config.h — huitou's configuration, read from TOML and checked at once.
//
// One file configures every program (scheduler, workers, CLI), so a store's
// time zone or an endpoint is written once. The embedded default
// (config/huitou.toml, compiled in) runs the whole system locally with the
// outbox providers; a real deployment passes --config.
//
// Loading is strict: an unknown key, a value of the wrong type, an unknown
// time zone or a store without a name stops the program with one line naming
// the file and the key ("huitou.toml: stores.toyland.timezone: unknown time
// zone \"Asia/Shangai\""). A typo found at start-up is better than a greeting
// sent at the wrong hour. docs/configuration.md documents every key.
//
// The festivals come from a second file, config/holidays.toml (embedded; a
// configured calendar.holidays_file replaces it), read through the reader
// parse_config is given, and checked as strictly: a store celebrating a
// festival the file does not define is an error naming the key.
//
// The loader is split by table: core/toml_walker.h walks the TOML and checks
// each value; each table has its reader next to its settings
// (winback_config.h, policy_config.h, effect_config.h, provider_config.h,
// festival_config.h, config_override.h); parse_config (config.cpp) reads the
// small tables itself and ties the rest together.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <date/tz.h>

#include "core/care_config.h"
#include "core/config_error.h"
#include "core/config_override.h"
#include "core/effect_config.h"
#include "core/festival_config.h"
#include "core/holidays.h"
#include "core/job.h"
#include "core/policy_config.h"
#include "core/provider_config.h"
#include "core/segment_config.h"
#include "core/session_limits.h"
#include "core/winback_config.h"

namespace huitou {

// How many days before an occasion its greeting is due; the occasion's date
// (and the job's id) stays the day itself.
struct LeadDays {
    int birthday = 0;
    int child_birthday = 0;
    int festival = 0;

    friend bool operator==(const LeadDays&, const LeadDays&) = default;
};

struct StoreConfig {
    std::string id;    // the key under [stores]
    std::string name;  // shown to members: "童乐玩具"
    std::string zone_name = "Asia/Shanghai";
    const date::time_zone* zone = nullptr;
    std::vector<Channel> channels{Channel::wechat, Channel::sms};  // preference order
    std::chrono::seconds send_time{10 * 3600};                     // local time greetings are due
    std::vector<std::string> festivals;  // keys of the festivals it celebrates (holidays.toml)
    LeadDays lead_days;
    std::vector<int> card_expiry_days{7, 1};      // reminders this many days before; descending
    std::vector<int> points_reminder_days{7, 1};  // before points lapse; descending
    // SMS: 【signature】 first (default: the name), the unsubscribe suffix last on
    // marketing kinds, at most this many parts; `sms_from` is the store's sender
    // number at the gateway (Kannel's from=, and how a reply finds its store).
    std::string sms_signature;
    std::string sms_unsubscribe = "回TD退订";
    int sms_max_parts = 3;
    std::string sms_from;
    // Nothing of a day leaves before someone approves that day in the console
    // (core/day_approval.h): the scheduler claims only the approved jobs.
    bool approve_before_send = false;
    // A welcome after an opt-in at the counter or through the API, once per
    // member and channel (core/welcome.h).
    bool welcome = true;
    // How many shards the operator means the store to have (1..kMaxShards,
    // core/store_shards.h). Routing never reads it: K is the record in Redis,
    // hu:{S}:shards, which `huitou reshard` changes; `huitou check-config`
    // warns when the two differ. Only in [stores.<id>], not [store_defaults].
    int shards = 1;
    WinbackConfig winback;  // [winback]: visit cycles and reminders (winback_config.h)
    PolicyConfig policy;    // [policy]: windows, caps, cooldowns, consent (policy_config.h)
    EffectConfig effect;    // [effect]: holdout, attribution windows, SMS price (effect_config.h)
    // [segments]: the value segments' period (segment_config.h)
    SegmentConfig segments;
    // [care]: the staff's care list, calls to chosen segments (care_config.h)
    CareConfig care;
};

// [redis] wait_replicas, wait_timeout_ms: how sure a worker is that its call
// mark (scripts/mark_call.lua) survives a failover before it calls the
// provider. Redis replicates asynchronously: a master that dies before its
// replica has the mark leaves the job looking begun-but-not-called on the
// promoted replica, and it is sent again. With replicas > 0 the worker sends
// WAIT after each mark and calls the provider only when that many replicas
// acknowledged it within the timeout; otherwise the job goes back, not
// called, and is dispatched again shortly. 0: no WAIT (one server, or a
// cluster without replicas).
struct ReplicaWait {
    int replicas = 0;
    std::chrono::milliseconds timeout{1000};
};

struct Endpoints {
    std::string sms = "tcp://127.0.0.1:7301";      // scheduler PUSH → huitou-sms
    std::string wechat = "tcp://127.0.0.1:7302";   // scheduler PUSH → huitou-wechat
    std::string results = "tcp://127.0.0.1:7303";  // workers PUSH → scheduler PULL
    std::string visits = "tcp://127.0.0.1:7304";   // POS PUSH → scheduler PULL (daemon only)
};

// ZeroMQ CURVE between the scheduler and its workers (io/curve.h). Off while
// server_public_key is empty. Keys are Z85 text, 40 characters, as
// `huitou keygen` prints them; secret keys only from a file or the environment.
struct CurveConfig {
    std::string server_public_key;             // the scheduler's; every process
    SecretRef server_secret_key;               // the scheduler only
    std::string client_public_key;             // a worker's own
    SecretRef client_secret_key;               // a worker's own
    std::vector<std::string> allowed_clients;  // the scheduler: workers' public keys it accepts
    bool enabled() const { return !server_public_key.empty(); }
};

// The scheduler's admin HTTP server: visits, consent, the admin API, metrics.
struct AdminConfig {
    std::string listen = "127.0.0.1:7380";  // host:port; port 0 picks a free one; "" = off
    // The bearer token: admin.token_file / admin.token_env, else the variable
    // HUITOU_ADMIN_TOKEN; none at all is allowed on loopback only
    // (scheduler/admin_server.h). Never inline in the config.
    SecretRef token;
    // Requests a second one API key may make, and how many more at once from
    // idle (core/api_rate_limit.h); the admin token is not limited.
    long long api_requests_per_second = 50;
    long long api_burst = 100;
};

// [console] (console/console.h, docs/security.md): the console's sessions.
struct ConsoleConfig {
    SessionLimits session;        // session_idle_minutes, session_max_hours
    bool secure_cookies = false;  // true behind TLS: cookies get Secure
};

enum class JobStorage { hashes, sheets };

struct SchedulerConfig {
    std::chrono::seconds ack_timeout{300};  // dispatched without result → dispatched again
    std::chrono::seconds once_wait{30};     // --once: how long to wait for results (real time)
    std::chrono::seconds retry_delay{60};   // no worker reachable → try again after
    // Jobs claimed per claim_due call. A claim is one script that holds
    // Redis while it runs; 200 leaves room between claims for the workers'
    // begin and record calls (bench: 19,420 jobs/s against 15,188 at 500).
    int dispatch_batch = 200;
    int plan_batch = 500;  // members read per pipelined round trip when planning
    int max_attempts = 5;  // provider calls (not dispatches, not deferrals) before a job fails
    std::chrono::seconds job_retention{35 * 86400};  // finished jobs kept this long
    // Jobs of a store dispatched and without a result, at most: the rest wait
    // in Redis. Keep it below what the workers send in ack_timeout, or jobs
    // still queued in sockets time out and go again.
    int max_in_flight = 2000;
    // A replica's hold on a store (real time): a replica that dies gives its
    // stores up to another after at most this long.
    std::chrono::milliseconds lease{std::chrono::seconds(15)};
    // How planned jobs are stored (docs/architecture.md, "day sheets"):
    // `hashes`, a hash a job; `sheets`, records of day sheets, a hash from
    // the claim on. With `sheets` a store still on hashes is migrated when
    // the scheduler takes it. A store's data says its layout
    // (io/sheet_store.h), so a store on sheets stays on sheets.
    JobStorage job_storage = JobStorage::sheets;
};

struct Config {
    std::string origin;  // the file it came from, for messages
    std::string redis_url = "redis://127.0.0.1:6379/0";
    ReplicaWait replica_wait;
    Endpoints endpoints;
    AdminConfig admin;
    CurveConfig curve;
    SchedulerConfig scheduler;
    ConsoleConfig console;
    std::string template_dir;  // empty: only the embedded templates
    std::string locale = "zh-CN";
    std::map<std::string, StoreConfig, std::less<>> stores;
    std::string holidays_file;        // empty: the embedded config/holidays.toml
    std::vector<Festival> festivals;  // every festival defined, in key order
    ProviderConfig sms = make_provider_config("outbox", "outbox/sms.jsonl");
    ProviderConfig wechat = make_provider_config("outbox", "outbox/wechat.jsonl");

    // The store named `id`, or nullptr.
    const StoreConfig* find_store(std::string_view id) const;
    // The festival `key`, or nullptr.
    const Festival* find_festival(std::string_view key) const;
    // The festivals `store` celebrates (pointers into `festivals`).
    std::vector<const Festival*> festivals_of(const StoreConfig& store) const;
};

// Reads a file the config names (calendar.holidays_file); nullopt if it cannot.
using ConfigFileReader = std::function<std::optional<std::string>(const std::string& path)>;

// Parses and checks `toml_text` with `overrides` applied; `origin` names it
// in errors. Files it names are read with `read_file` (none: naming one is an
// error). Throws ConfigError.
Config parse_config(std::string_view toml_text, std::string origin,
                    const std::vector<ConfigOverride>& overrides = {},
                    const ConfigFileReader& read_file = {});

// "host:port" (port 0: any free port) → its parts, else nullopt.
struct ListenAddress {
    std::string host;
    int port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// The embedded default configuration (config/huitou.toml as built).
std::string_view default_config_text();

}  // namespace huitou
