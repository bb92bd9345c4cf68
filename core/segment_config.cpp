#include "core/segment_config.h"

#include "core/toml_walker.h"

namespace huitou::config_detail {

void read_segments(Table& t, SegmentConfig& s) {
    // At most three years: a member keeps one entry a month with a visit
    // (core/value_segment.h: MonthTotals), so the period bounds her bytes.
    s.period_months = integer_in(t, "period_months", 1, 36, s.period_months);
    t.reject_unknown();
}

}  // namespace huitou::config_detail
