// job_render.h — a job's words at dispatch, written from the member as she
// is now.
//
// The day sheets of issue 20 (core/job_record.h, docs/architecture.md) keep
// a job as a record of a few bytes and no text: a 中秋 greeting's text, in
// Chinese, was most of the 1,400 bytes a job cost. So the words are written
// again when the job is dispatched, from what the record keeps — the job id
// (kind, member, occasion date, detail), the channel, the ids of the
// occasions joined into the message — and the member's hash, read anyway to
// check consent and caps. This must write what planning wrote: the
// occasions are rebuilt by the planner's own functions (occasions_for on
// the due day's planning_day, winback_occasion for a win-back) and joined by
// the policy's own MessageDraft (core/message_draft.h). A test plans a year
// of generated members and checks that every job's words come out the same.
//
// What may differ, on purpose: a member changed since planning (a new name,
// a child added) is written to as she is now; a template saved in the
// console meanwhile is used. What cannot be written is said, not guessed:
// the occasion is no longer hers (her birthday was corrected), or the
// store has no template for it any more.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"

namespace huitou {

struct JobWords {
    std::optional<std::string> text;  // nullopt: not written, `problem` says why
    std::map<std::string, std::string> params;
    std::string problem;
};

// The words of job `job_id`, due on `due_day` on `channel`, to `m` of
// `store`, with the occasions `merged` (their job ids, in the order they
// joined: the job's params["merged"]) joined into it.
JobWords render_job(const Member& m, const Config& config, const StoreConfig& store,
                    const TemplateSet& templates, const Date& due_day, std::string_view job_id,
                    Channel channel, const std::vector<std::string>& merged);

}  // namespace huitou
