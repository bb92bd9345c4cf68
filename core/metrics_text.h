// metrics_text.h — reading numbers back out of the Prometheus text format.
//
// The workers keep their counts in memory and show them at GET /metrics
// (workers/worker_admin.h); the console's health page asks a worker for its
// page and reads a few counters (throttled, capped, failed) from it, rather
// than having the workers write the same numbers to Redis a second time.
// Only what that needs: sample lines "name{a="x",b="y"} value", summed over
// the samples whose labels include the ones asked for. Comments, other
// metrics and lines it cannot read are skipped. Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace huitou {

// The sum of the samples of metric `name` whose labels include every pair
// of `labels` (0 when none does).
double metric_total(std::string_view text, std::string_view name,
                    const std::vector<std::pair<std::string, std::string>>& labels = {});

}  // namespace huitou
