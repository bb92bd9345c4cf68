#include "io/care_robot.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/care_message.h"
#include "io/secret.h"

namespace huitou {

CareRobot::Outcome CareRobot::post(const StoreConfig& store, const CareDay& day, std::size_t from) {
    const auto texts =
        care_robot_texts(store.name.empty() ? store.id : store.name, day, store.care);
    Outcome out{std::min(from, texts.size()), {}};
    if (out.taken == texts.size()) return out;
    const std::string key =
        read_secret(store.care.robot_key, "stores." + store.id + ".care.robot_key");
    for (; out.taken < texts.size(); ++out.taken) {
        const auto& text = texts[out.taken];
        OutgoingRequest req;
        req.method = "POST";
        req.url = store.care.robot_url + "?key=" + key;
        req.headers = {"Content-Type: application/json"};
        req.body =
            nlohmann::json{{"msgtype", "markdown"}, {"markdown", {{"content", text}}}}.dump();
        req.timeout = std::chrono::milliseconds(5000);
        HttpResponse res;
        try {
            res = http_.perform(req);
        } catch (const HttpError& e) {
            // libcurl's words may name the URL: keep only that it failed.
            out.why = e.maybe_sent() ? "transport: no answer" : "transport: not reached";
            return out;
        }
        if (res.status != 200) {
            out.why = "HTTP " + std::to_string(res.status);
            return out;
        }
        const auto answer = nlohmann::json::parse(res.body, nullptr, false);
        if (!answer.is_object() || answer.value("errcode", -1) != 0) {
            out.why =
                "errcode " + (answer.is_object() ? std::to_string(answer.value("errcode", -1)) +
                                                       ": " + answer.value("errmsg", std::string{})
                                                 : std::string("? (not JSON)"));
            return out;
        }
    }
    return out;
}

}  // namespace huitou
