#include "core/effect_config.h"

#include "core/toml_walker.h"

namespace huitou::config_detail {
namespace {

// A share in [0, 0.5] of a TOML number (0.1) or integer (0).
double share_value(Table& t, std::string_view key, const toml::node& node) {
    double v = 0;
    if (const auto d = node.value_exact<double>()) {
        v = *d;
    } else if (const auto i = node.value_exact<int64_t>()) {
        v = static_cast<double>(*i);
    } else {
        t.fail(key, "expected a share between 0 and 0.5 (0.1 = 10 %)");
    }
    if (!(v >= 0.0 && v <= 0.5)) t.fail(key, "must be between 0 and 0.5 (0.1 = 10 %)");
    return v;
}

}  // namespace

void read_effect(Table& t, EffectConfig& e) {
    if (auto holdout = t.table("holdout")) {
        for (const auto& [key, node] : holdout->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) holdout->fail(kind, "unknown kind (known: " + kind_list() + ")");
            holdout->mark_read(kind);
            e.holdout[*k] = share_value(*holdout, kind, node);
            // A welcome answers her own opt-in: nobody is kept from it
            // (it is not planned, so no group could be drawn).
            if (*k == Kind::welcome && e.holdout[*k] > 0)
                holdout->fail(kind, "a welcome is never held out: 0 or leave it out");
        }
    }
    if (auto windows = t.table("window_days")) {
        for (const auto& [key, node] : windows->raw()) {
            const std::string kind(key.str());
            const auto k = parse_kind(kind);
            if (!k) windows->fail(kind, "unknown kind (known: " + kind_list() + ")");
            if (*k == Kind::card_expiry)
                windows->fail(kind,
                              "a card's window runs to its last day: set card_expiry_grace_days");
            e.window_days[*k] = integer_in(*windows, kind, 1, 365, 0);
        }
    }
    e.card_expiry_grace_days =
        integer_in(t, "card_expiry_grace_days", 0, 365, e.card_expiry_grace_days);
    if (const auto* node = t.raw().get("sms_part_price")) {
        t.mark_read("sms_part_price");
        const auto d = node->value<double>();
        if (!d || *d < 0 || *d > 100)
            t.fail("sms_part_price", "expected yuan per part, 0 to 100 (0.05)");
        e.sms_part_price = *d;
    }
    e.min_group_size = integer_in(t, "min_group_size", 1, 1000000, e.min_group_size);
    e.keep_days = integer_in(t, "keep_days", 30, 3650, e.keep_days);
    t.reject_unknown();
}

}  // namespace huitou::config_detail
