#include "workers/worker.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "core/phone_number.h"
#include "io/program_setup.h"
#include "io/zmq_frames.h"

namespace huitou {

Worker::Worker(Channel channel, const Config& config, Sender& sender, RedisConnection& redis,
               zmq::context_t& zmq, const Clock& clock, std::string name,
               const std::string& job_endpoint, const std::string& results_endpoint)
    : channel_(channel),
      sender_(sender),
      redis_(redis),
      clock_(clock),
      name_(std::move(name)),
      jobs_(redis, config.scheduler),
      jobs_in_(zmq, zmq::socket_type::pull),
      results_out_(zmq, zmq::socket_type::push) {
    // A small receive queue spreads jobs evenly over workers and leaves few
    // behind when this one is stopped (those are dispatched again later).
    jobs_in_.set(zmq::sockopt::rcvhwm, 50);
    jobs_in_.set(zmq::sockopt::linger, 0);
    results_out_.set(zmq::sockopt::linger, 2000);
    jobs_in_.connect(job_endpoint);
    results_out_.connect(results_endpoint);
}

std::size_t Worker::poll(std::chrono::milliseconds wait) {
    zmq::pollitem_t items[] = {{jobs_in_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
        zmq::poll(items, 1, wait);
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
    }
    std::size_t handled = 0;
    // Stop between jobs, never in the middle of one.
    while (!stop_requested()) {
        auto frames = receive_frames(jobs_in_);
        if (!frames) break;
        handle(*frames);
        ++handled;
    }
    return handled;
}

void Worker::handle(const std::vector<std::string>& frames) {
    ++stats_.received;
    auto decoded = decode_job(frame_views(frames));
    if (!decoded.message) {
        ++stats_.bad_messages;
        spdlog::warn("dropped a malformed job: {}", decoded.error);
        return;
    }
    const JobMessage& job = *decoded.message;
    if (job.channel != channel_) {
        ++stats_.bad_messages;
        spdlog::warn("dropped job {} for channel {} (this worker sends {})", job.job_id,
                     to_string(job.channel), to_string(channel_));
        return;
    }
    const SysSeconds now = clock_.now();
    if (now >= job.expires_at) {
        report(job, {Outcome::expired, {}, "reached the worker after its expiry", std::nullopt},
               true);
        return;
    }
    std::string why;
    if (jobs_.begin_send(job.store, job.job_id, job.attempt, name_, now, &why) != BeginSend::ok) {
        ++stats_.refused;
        spdlog::info("{} {}: not sending ({})", job.store, job.job_id, why);
        report(job, {Outcome::refused, {}, why, std::nullopt}, false);
        return;
    }
    SendResult result;
    try {
        result = sender_.send(job, now);
    } catch (const std::exception& e) {
        result = {Outcome::retry, {}, e.what(), now + std::chrono::seconds(60)};
    }
    report(job, std::move(result), true);
}

void Worker::report(const JobMessage& job, SendResult result, bool record) {
    const SysSeconds now = clock_.now();
    ResultMessage r{job.store,
                    job.job_id,
                    result.outcome,
                    std::string(sender_.name()),
                    result.provider_ref,
                    result.error,
                    result.retry_at,
                    now,
                    name_};
    switch (result.outcome) {
        case Outcome::sent:
            ++stats_.sent;
            break;
        case Outcome::retry:
        case Outcome::account_problem:
            ++stats_.retried;
            break;
        case Outcome::expired:
            ++stats_.expired;
            break;
        case Outcome::refused:
            break;
        default:
            ++stats_.failed;
            break;
    }
    const std::string to =
        job.channel == Channel::sms ? mask_phone(job.to) : job.to.substr(0, 6) + "…";
    spdlog::info("{} {} → {}: {}{}", job.store, job.job_id, to, to_string(result.outcome),
                 result.error.empty() ? "" : " (" + result.error + ")");
    if (record) {
        try {
            jobs_.record(r);
        } catch (const RedisError& e) {
            // The scheduler records it from the result message below.
            spdlog::warn("could not record {} in Redis ({}); the scheduler will", job.job_id,
                         e.what());
        }
    }
    if (!send_frames(results_out_, encode(r))) {
        spdlog::warn("result queue full; {} is recorded in Redis only", job.job_id);
    }
}

void Worker::run() {
    auto backoff = std::chrono::milliseconds(100);
    while (!stop_requested()) {
        try {
            poll(std::chrono::milliseconds(200));
            backoff = std::chrono::milliseconds(100);
        } catch (const RedisError& e) {
            spdlog::error("{}; retrying in {} ms", e.what(), backoff.count());
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
            try {
                redis_.reconnect();
                spdlog::info("reconnected to Redis");
            } catch (const RedisError& again) {
                spdlog::warn("{}", again.what());
            }
        }
    }
}

}  // namespace huitou
