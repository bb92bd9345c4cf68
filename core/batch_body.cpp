#include "core/batch_body.h"

#include <algorithm>

namespace huitou {

BatchBody read_batch_body(std::string_view body, const std::string& list,
                          const std::vector<std::string>& allowed) {
    BatchBody out;
    const auto fail = [&out](int status, std::string why) {
        out.status = status;
        out.error = std::move(why);
        out.items.clear();
        return out;
    };
    nlohmann::json object;
    try {
        object = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        return fail(400, std::string("body: not valid JSON: ") + e.what());
    }
    if (!object.is_object()) return fail(400, "body: expected a JSON object");
    std::string unknown;
    for (const auto& [key, value] : object.items()) {
        if (key == list) continue;
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            unknown += (unknown.empty() ? "" : ", ") + key;
            continue;
        }
        out.options[key] = value;
    }
    if (!unknown.empty()) return fail(400, unknown + ": not a field of a batch");
    const auto it = object.find(list);
    if (it == object.end())
        return fail(400, list + ": required, an array of at most " +
                             std::to_string(kMaxBatchItems) + " items");
    if (!it->is_array()) return fail(400, list + ": expected an array");
    if (it->empty())
        return fail(400, list + ": empty; send 1 to " + std::to_string(kMaxBatchItems) + " items");
    if (it->size() > kMaxBatchItems) {
        return fail(413, list + ": " + std::to_string(it->size()) + " items; at most " +
                             std::to_string(kMaxBatchItems) + " in one batch");
    }
    out.items.reserve(it->size());
    for (auto& item : *it)
        out.items.push_back(std::move(item));
    return out;
}

nlohmann::json batch_answer(const std::vector<BatchResult>& results,
                            const std::vector<std::string>& outcomes) {
    nlohmann::json answer{{"results", nlohmann::json::array()}};
    for (const auto& o : outcomes)
        answer[o] = 0;
    long long failed = 0;
    for (const auto& r : results) {
        nlohmann::json item{{"index", r.index}, {"id", r.id}, {"status", r.status}};
        if (r.status >= 400) {
            item["error"] = r.error;
            ++failed;
        } else {
            item["outcome"] = r.outcome;
            if (answer.contains(r.outcome))
                answer[r.outcome] = answer[r.outcome].get<long long>() + 1;
        }
        if (r.extra.is_object()) {
            for (const auto& [k, v] : r.extra.items())
                item[k] = v;
        }
        answer["results"].push_back(std::move(item));
    }
    answer["failed"] = failed;
    return answer;
}

}  // namespace huitou
