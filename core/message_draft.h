// message_draft.h — one message's words in the making: the template it is
// written with, its values, and how another occasion of the same day joins
// it.
//
// The delivery policy (core/delivery_policy.h) decides *whether* a lower
// occasion joins the day's first message; this says *how*, and only here,
// because the words are made twice: at planning (the preview shows them, and
// the policy needs to know a template exists) and again at dispatch, where
// the day sheets of issue 20 (core/job_record.h) render the text from the
// member instead of storing it (core/job_render.h). Both must write the same
// message from the same occasions: one function for each step.
//   - a child's birthday joins a message that already names a child (twins,
//     or a merged child's birthday): the names are joined with 和, and the
//     age is dropped when the children's ages differ;
//   - any other occasion joins through its pair template
//     ("birthday+festival"): the template changes and the occasion's values
//     are added where the message has none of its own.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/job.h"
#include "core/member.h"
#include "core/message_template.h"
#include "core/occasion.h"

namespace huitou {

struct MessageDraft {
    std::string template_name;
    TemplateValues values;
    bool names_child = false;  // it names a child's birthday (its own, or one merged)
    std::string merged;        // the ids of the occasions joined into it, space-separated

    // The draft of `o`'s own message to `m`: the member's values, the occasion's over them.
    static MessageDraft of(const Member& m, const Occasion& o, const StoreConfig& store);

    // Whether an occasion of `kind` joins as a twin (a child's birthday into
    // a message naming a child), rather than through a pair template.
    bool joins_as_twin(Kind kind) const;
    // Joins `twin`'s child (occasion `id`): "小宝和小贝".
    void join_twin(const MessageDraft& twin, std::string_view id);
    // Joins `other` (occasion `id` of `kind`) through the pair template
    // `pair_template` (merge_template_name(own kind, kind)).
    void join(Kind kind, const MessageDraft& other, std::string_view id, std::string pair_template);

    // The job's params: its non-empty values (for providers that send a
    // template code and values), "template" when a pair template replaced
    // `own_template`, and "merged": what the one message stands for.
    std::map<std::string, std::string> params(std::string_view own_template) const;
};

}  // namespace huitou
