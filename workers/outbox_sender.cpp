#include "workers/outbox_sender.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/sms_template_check.h"
#include "core/sms_text.h"

namespace huitou {

OutboxSender::OutboxSender(std::string path, const Config& config)
    : path_(std::move(path)), config_(config) {
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd_ < 0) throw std::runtime_error("outbox " + path_ + ": " + std::strerror(errno));
}

OutboxSender::~OutboxSender() {
    if (fd_ >= 0) ::close(fd_);
}

SendResult OutboxSender::send(const JobMessage& job, SysSeconds now) {
    const auto* store = config_.find_store(job.store);
    const auto* zone = store ? store->zone : date::locate_zone("UTC");
    // An SMS is written as the phone would show it: 【signature】, the text,
    // and the unsubscribe suffix on marketing kinds — what a real provider
    // would have sent, so the outbox is a faithful record of it.
    const std::string text_out = job.channel == Channel::sms && store
                                     ? compose_sms(store->sms_signature, job.text,
                                                   store->sms_unsubscribe, sms_purpose(job.kind))
                                     : job.text;
    const nlohmann::json line{{"job_id", job.job_id},
                              {"store", job.store},
                              {"member_id", job.member_id},
                              {"kind", to_string(job.kind)},
                              {"channel", to_string(job.channel)},
                              {"to", job.to},
                              {"text", text_out},
                              {"sent_at", format_instant(now, zone)}};
    const std::string text = line.dump() + "\n";
    const ssize_t written = ::write(fd_, text.data(), text.size());
    if (written != static_cast<ssize_t>(text.size())) {
        // Nothing (or a torn line) reached the file: say so and let it be retried.
        return {Outcome::retry,
                {},
                "outbox " + path_ + ": " + std::strerror(errno),
                now + std::chrono::seconds(60)};
    }
    return {Outcome::sent, job.job_id, {}, std::nullopt};
}

}  // namespace huitou
