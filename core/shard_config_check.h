// shard_config_check.h — what `huitou check-config` says when a store's
// `shards` in the config and its shard record in Redis disagree, or when
// the record shows a reshard left under way.
//
// K lives in Redis (hu:{S}:shards, core/store_shards.h), where every
// process reads it; only `huitou reshard` changes it. The config's `shards`
// routes nothing: it says how many shards the operator means the store to
// have, so that check-config can point out a reshard not run yet, or one
// not finished. A warning, never an error: the config is not wrong because
// Redis has not caught up, and nothing breaks meanwhile.
//
// The advice follows core/reshard_plan.h: the `--shards` it names is the
// one reshard_next would carry on with, not a target it would refuse.
//
// Pure: cli/main.cpp reads the records.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/store_shards.h"

namespace huitou {

// The warning for `store` given its shard record `record` (read from
// `record_key`, named in the text); nullopt when the record's K is the
// config's `shards` and no reshard of the store is under way or left to
// clean up. One line, beginning "store <id>: ".
std::optional<std::string> shard_config_warning(const StoreConfig& store, const ShardRecord& record,
                                                std::string_view record_key);

}  // namespace huitou
