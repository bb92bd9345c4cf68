// welcome.h — the first message after a member says yes at the counter.
//
// "让客户决定是否要接收短信，并且还可以当场发送一个温情的短信作个示范": when a
// member's opt-in for a channel is recorded at the counter (the console, the
// CLI) or through the API, a welcome goes out on that channel within minutes,
// written with the store's `welcome` template — the first message she gets
// shows her what the others will be like. This is the rule, pure; the opt-in's
// script (scripts/record_consent.lua) applies it atomically with the opt-in.
//
// Once per member and channel, for good: hu:{S}:welcomed (field
// "<member>|<channel>", the time) is set with HSETNX in the opt-in's own
// script, so the same opt-in recorded twice, a retry or two replicas create
// one welcome. Never from an import (a shop's file of 100,000 members must not
// send 100,000 welcomes), a member write through the API (the shop's record),
// an SMS reply (never an opt-in) or a WeChat subscribe (the official account's
// own follow reply greets her there; a subscribe is not her word at a counter).
//
// Its job is marketing (it exists because she agreed to marketing on that
// channel: it needs the opt-in, and on WeChat the subscription), a job hash
// without text — its words are written at dispatch from her as she is then
// (core/job_render.h), on both job layouts — due at the channel's next
// opening, and it expires at the end of the day after the opt-in: one
// recorded at 22:30 goes at the next morning's opening, never at night, and
// never days late. It stays outside the caps and cooldowns and out of the
// contact history (core/contact_history.h): it answers her own act once, and
// must neither be cancelled by nor cancel the day's birthday greeting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/civil_time.h"
#include "core/config.h"
#include "core/consent.h"
#include "core/job.h"
#include "core/occasion.h"

namespace huitou {

// Whether recording `e` welcomes its member (when the store has `welcome` on
// and she was not welcomed on the channel before): an opt-in, not the shop's
// record, from the counter or the API, naming a member.
bool welcomes(const ConsentEvent& e);

// The welcome job of an opt-in at `at`.
struct WelcomePlan {
    std::string job_id;  // "welcome:<member>:<local date of the opt-in>:<channel>"
    Date day;            // the local date of the opt-in: the job's occasion
    SysSeconds due_at{};
    SysSeconds expires_at{};  // the end of the local day after the opt-in's
};

// The welcome of `member` on `channel` after an opt-in at `at`, or nullopt:
// the store has `welcome` off, or the channel's windows have no opening
// before the expiry.
std::optional<WelcomePlan> plan_welcome(const StoreConfig& store, std::string_view member,
                                        Channel channel, SysSeconds at);

// The field of hu:{S}:welcomed for `member` on `channel`: "<member>|<channel>".
std::string welcomed_field(std::string_view member, Channel channel);

// The occasion a welcome job stands for (template `welcome`, no values of
// its own), from the date and channel in its id — for its words at dispatch.
Occasion welcome_occasion(const Date& day, Channel channel);

}  // namespace huitou
