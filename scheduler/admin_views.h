// admin_views.h — the JSON a script reads about jobs, consent and counts,
// the same from the `huitou` tool (--json) and from the admin API.
//
// Plain functions from what the stores read to nlohmann::json, so the CLI and
// the HTTP handlers cannot drift apart: `huitou jobs --json` and GET /api/jobs
// print job_json, `huitou consent --json` and GET /api/consent consent_json,
// `huitou stats --json` winback_json (GET /api/stats adds the job counts);
// `huitou member`, the member API and the console's member page segment_json.
// Recipients are masked (core/log_mask.h): these answers end up in tickets
// and chats. Nothing here writes to Redis.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "io/consent_store.h"
#include "io/winback_store.h"

namespace huitou {

// A job as listings show it: ids, state, masked recipient ("" when none is
// stored), attempts, error, due_at (Unix seconds), and text_note "(written
// at dispatch)" when no text is stored (a day-sheets store's job). With
// `full`, also the text, expires_at, created_at and the times in the
// store's `zone` (non-null).
nlohmann::json job_json(const Job& job, bool full = false, const date::time_zone* zone = nullptr);

// A member's consent at `store`: per channel what may be sent and why, and
// the member's ledger events, oldest first. Throws RedisError.
nlohmann::json consent_json(const Member& m, const StoreConfig& store, ConsentStore& consent);

// A store's members by win-back state and its win-back totals, on `today`.
nlohmann::json winback_json(const WinbackCounts& c, const Date& today);

// A member's value segment as last computed (core/value_segment.h): name,
// key, R (recency_days, on the day it was computed), F (visits), M
// (amount, yuan) and thresholds_date (the day of the store's thresholds it
// was scored against); null when she has none.
nlohmann::json segment_json(const Member& m);

}  // namespace huitou
