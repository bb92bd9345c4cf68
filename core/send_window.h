// send_window.h — when a store may send, and when each message of a day goes.
//
// A store's send windows are times of day in its own time zone ("09:00-12:00",
// "13:30-20:30": open in the morning and the afternoon, closed over lunch and
// at night). For one local day they become open intervals of Unix time
// (open_intervals), and everything else is arithmetic on those: whether an
// instant is open, the next opening, how much open time is left.
//
// A day's messages are spread over open time, not sent at its first second:
// a message is due `offset` seconds of open time after the day's start (the
// store's send_time, or now when planning later), where the offset comes from
// a hash of the message's key, modulo the spread (policy.spread_minutes,
// shortened to the open time that is left). Deterministic, so planning the
// day twice gives every message the same minute; bounded, so send_time still
// says when the day's messages begin. Lunch and the night are skipped, never
// landed in. When no open time is left the message has no due time: a
// greeting is not pushed to another day.
//
// Pure; DST is date/tz's business (local_instant). Windows are checked when
// the config loads (sorted, non-overlapping, begin before end).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"

namespace huitou {

// [begin, end) as local times of day; end may be 24:00.
struct TimeWindow {
    std::chrono::seconds begin{};
    std::chrono::seconds end{};

    friend bool operator==(const TimeWindow&, const TimeWindow&) = default;
};

// "09:00-12:00" (also with "–" or "~"), "20:00-24:00" → the window; else
// nullopt, and `error` says why.
std::optional<TimeWindow> parse_time_window(std::string_view text, std::string* error = nullptr);
// "09:00–12:00"
std::string format_time_window(const TimeWindow& w);
std::string format_time_windows(const std::vector<TimeWindow>& windows);

// An interval of Unix time, [begin, end).
struct OpenInterval {
    SysSeconds begin{};
    SysSeconds end{};

    friend bool operator==(const OpenInterval&, const OpenInterval&) = default;
};

// The open intervals of local `day` in `zone`, in order. `windows` must be
// sorted and non-overlapping (policy_config.cpp checks it).
std::vector<OpenInterval> open_intervals(const std::vector<TimeWindow>& windows, const Date& day,
                                         const date::time_zone* zone);

// True when `t` lies in one of `open`.
bool is_open(const std::vector<OpenInterval>& open, SysSeconds t);

// `t` when open; else the next opening after `t`; nullopt when none is left.
std::optional<SysSeconds> next_open(const std::vector<OpenInterval>& open, SysSeconds t);

// The open time from `t` to the end of the last interval.
std::chrono::seconds open_time_after(const std::vector<OpenInterval>& open, SysSeconds t);

// The instant reached after `offset` of open time from `from` (skipping the
// closed gaps), or nullopt when the open time runs out first.
std::optional<SysSeconds> after_open_time(const std::vector<OpenInterval>& open, SysSeconds from,
                                          std::chrono::seconds offset);

// When a message keyed `key` goes: `offset` = hash(key) mod the spread of
// open time beginning at next_open(start), the spread shortened to the open
// time left (a spread of 0: at the opening itself). nullopt when no open time
// is left after `start`.
std::optional<SysSeconds> spread_due(const std::vector<OpenInterval>& open, SysSeconds start,
                                     std::chrono::seconds spread, std::string_view key);

// FNV-1a, 64 bits: the same on every platform and run.
std::uint64_t stable_hash(std::string_view text);

}  // namespace huitou
