// outbox_sender.h — the provider that writes messages to a file instead of a
// phone: the embedded default, so huitou runs end to end with no account.
//
// One JSON object per line (JSON Lines): job_id, store, member_id, kind,
// channel, to, text, sent_at (ISO 8601 in the store's time zone). Each line
// is written with a single write(2) on an O_APPEND descriptor, so several
// worker processes can share one outbox file without tearing lines.
#pragma once

#include <string>

#include "core/config.h"
#include "workers/sender.h"

namespace huitou {

class OutboxSender final : public Sender {
  public:
    // Opens (creating if needed) the file at `path`. Throws std::runtime_error.
    OutboxSender(std::string path, const Config& config);
    ~OutboxSender() override;
    OutboxSender(const OutboxSender&) = delete;
    OutboxSender& operator=(const OutboxSender&) = delete;

    std::string_view name() const override { return "outbox"; }
    SendResult send(const JobMessage& job, SysSeconds now) override;

  private:
    std::string path_;
    const Config& config_;
    int fd_ = -1;
};

}  // namespace huitou
