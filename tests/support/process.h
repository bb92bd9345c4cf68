// process.h — child processes for integration tests: the real binaries and
// servers, started with arguments and environment, output to a file, stopped
// by signal. The destructor kills what is still running, so a failed test
// leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace huitou::test {

class Process {
  public:
    // Starts `argv[0]` (a path) with `argv`, extra `env` ("K=V"), and stdout
    // and stderr appended to `log_path`. Throws std::runtime_error.
    Process(std::vector<std::string> argv, std::vector<std::string> env, std::string log_path);
    ~Process();
    Process(Process&& other) noexcept;
    Process& operator=(Process&&) = delete;
    Process(const Process&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig);
    // Waits for exit up to `timeout`; the exit status, or nullopt if still running.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGTERM, then SIGKILL after `grace`; returns the exit status (128+sig if killed).
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    bool running();

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// Runs a program to completion; returns its exit status and its output.
struct RunResult {
    int status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
              std::chrono::seconds timeout = std::chrono::seconds(60));
// As run(), with `input` as the program's standard input (a file, not a
// terminal).
RunResult run_with_input(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& input,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

// A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral
// range (outgoing connections never take it meanwhile).
int free_port();

// A fresh temporary directory, removed by its destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// Polls `condition` until it holds or `timeout` passes; returns its last value.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        struct timespec ts {
            0, 10'000'000
        };
        nanosleep(&ts, nullptr);
    }
}

// Paths of the built programs and the source tree.
std::string bin(const std::string& program);
std::string source(const std::string& relative);

}  // namespace huitou::test
