// worker_main.h — the main() shared by huitou-sms and huitou-wechat: parse
// options, build the channel's Sender from config, run the Worker until SIGTERM.
#pragma once

#include "core/job.h"

namespace huitou {

int worker_main(Channel channel, int argc, char** argv);

}  // namespace huitou
