// batch_body.h — the envelope of a :batch request, and of its answer.
//
// POST /api/v1/stores/<S>/members:batch and …/events:batch take one JSON
// object holding a list ("members", "events") of at most 1,000 items and a
// few options ("mode"); each item is then checked by the code that checks a
// single request (core/member_body.h, core/event_body.h), so a batch and
// single requests never disagree. The answer lists one result per item, in
// order, with its index: a bad item fails alone and the others are stored.
// An item's error is the single route's error ("birthday: …"); the index
// says which item. Pure: no I/O; the handlers do the storing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace huitou {

// At most this many items in one batch (a 413 beyond).
inline constexpr std::size_t kMaxBatchItems = 1000;
// The body limit of the :batch routes; single routes keep core/wire.h's 64 KiB.
inline constexpr std::size_t kMaxBatchBodyBytes = 2 * 1024 * 1024;

struct BatchBody {
    std::vector<nlohmann::json> items;                  // the list's items, unchecked
    nlohmann::json options = nlohmann::json::object();  // the other keys, all in `allowed`
    int status = 0;                                     // 0, else 400 or 413
    std::string error = {};                             // "field: what is wrong"
};

// Reads `body`: an object with the array `list` (1 to kMaxBatchItems items)
// and, besides, only keys in `allowed`.
BatchBody read_batch_body(std::string_view body, const std::string& list,
                          const std::vector<std::string>& allowed);

// One item's answer.
struct BatchResult {
    std::size_t index = 0;
    std::string id;             // the item's member or event id, when it has one
    int status = 200;           // 200, 201; 400, 404 … for an item refused
    std::string outcome = {};   // created | updated | unchanged | recorded | duplicate …
    std::string error = {};     // for an item refused
    nlohmann::json extra = {};  // more fields of the item's answer (an object), or null
};

// {"results": [{"index", "id", "status", "outcome" | "error", ...extra}],
//  "<outcome>": n for each of `outcomes` (counted among the items that passed),
//  "failed": n}.
nlohmann::json batch_answer(const std::vector<BatchResult>& results,
                            const std::vector<std::string>& outcomes);

}  // namespace huitou
