// care_robot.h — posts a day's care list to a store's WeChat Work (企业微信)
// group robot.
//
// POST <robot_url>?key=<key> with {"msgtype":"markdown","markdown":
// {"content":"..."}} — one request per part (core/care_message.h cuts a long
// list at 4096 bytes); the robot answers {"errcode":0,"errmsg":"ok"}. Any
// other answer, or a transport failure, stops the post there: the caller
// retries with backoff from the first part not taken (the robot takes 20
// messages a minute, and a day's list is one or two), so the group never
// reads a part twice while the scheduler runs. The key is a secret (robot_key_file /
// robot_key_env): it is read at each post and never logged — errors name
// the store, not the URL. Blocking, with a short timeout: once a day a store.
#pragma once

#include <string>

#include "core/care_list.h"
#include "core/config.h"
#include "io/http_client.h"

namespace huitou {

class CareRobot {
  public:
    struct Outcome {
        std::size_t taken = 0;  // parts the robot has taken, `from` included
        std::string why;        // "" when it took the last part
    };
    // Posts the parts of `day` for `store` (whose care.has_robot()) from
    // part `from` on. `why` is "" when the robot took every part (or the
    // list is empty: nothing is posted), else why not ("errcode 93000:
    // invalid webhook url", "HTTP 502", "transport: ..."). Throws
    // ConfigError when the key cannot be read.
    Outcome post(const StoreConfig& store, const CareDay& day, std::size_t from = 0);

  private:
    HttpClient http_;
};

}  // namespace huitou
