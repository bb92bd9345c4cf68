// segment_config.h — a store's settings for its members' value segments.
//
// One number today: the period the segments look back over, in calendar
// months (core/value_segment.h says why months). Per store, because a bakery
// and a furniture shop see their members on different scales:
// `[store_defaults.segments]` sets it for every store and
// `[stores.<id>.segments]` overrides it (docs/configuration.md). Nothing
// here reads a clock.
#pragma once

namespace huitou {

struct SegmentConfig {
    int period_months = 12;  // the current calendar month and the months before it
};

namespace config_detail {
class Table;  // core/toml_walker.h, internal to the core

// [segments] of a store or of [store_defaults]; keys it lacks keep `s`'s
// values. Throws ConfigError naming the key.
void read_segments(Table& t, SegmentConfig& s);
}  // namespace config_detail

}  // namespace huitou
