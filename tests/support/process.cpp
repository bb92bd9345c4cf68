#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace huitou::test {

Process::Process(std::vector<std::string> argv, std::vector<std::string> env,
                 std::string log_path) {
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e)
        environment.emplace_back(*e);
    environment.insert(environment.end(), env.begin(), env.end());
    // Everything the child needs is prepared before fork: between fork and
    // exec a multi-threaded parent's child may not allocate.
    std::vector<char*> args, envs;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : environment)
        envs.push_back(e.data());
    envs.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setpgid(0, 0);
        execve(args[0], args.data(), envs.data());
        _exit(127);
    }
}

Process::Process(Process&& other) noexcept : pid_(other.pid_), status_(other.status_) {
    other.pid_ = -1;
}

Process::~Process() {
    if (pid_ > 0 && !status_) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

void Process::signal(int sig) {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int Process::stop(std::chrono::milliseconds grace) {
    signal(SIGTERM);
    if (auto s = wait(grace)) return *s;
    signal(SIGKILL);
    return wait(std::chrono::seconds(5)).value_or(-1);
}

bool Process::running() {
    return !wait(std::chrono::milliseconds(0));
}

namespace {

// run() and run_with_input(): stdin from `input` when given, else inherited.
RunResult run_redirected(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string* input, std::chrono::seconds timeout) {
    TempDir dir;
    const std::string out = dir.file("out"), err = dir.file("err");
    std::string redirect = " >" + out + " 2>" + err;
    if (input) {
        write_file(dir.file("in"), *input);
        redirect += " <" + dir.file("in");
    }
    std::vector<std::string> wrapped{"/bin/sh", "-c", "exec \"$0\" \"$@\"" + redirect};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    Process p(wrapped, env, dir.file("log"));
    RunResult r;
    const auto status = p.wait(timeout);
    r.status = status ? *status : p.stop();
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
              std::chrono::seconds timeout) {
    return run_redirected(argv, env, nullptr, timeout);
}

RunResult run_with_input(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         const std::string& input, std::chrono::seconds timeout) {
    return run_redirected(argv, env, &input, timeout);
}

namespace {

// Whether `port` on 127.0.0.1 can be bound right now.
bool bindable(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

// The first port of the kernel's ephemeral range (32768 on Debian).
int ephemeral_low() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    return range >> low ? low : 32768;
}

}  // namespace

int free_port() {
    // Not a port the kernel picked (bind to port 0): those come from the
    // ephemeral range, from which every outgoing connection of every test
    // running in parallel also takes its local port — one of them could take
    // it between this call and the program's bind (the likely cause of the
    // CURVE test's 20 s wait for messages in two full runs; not caught in
    // the act).
    // Ports below that range are only ever taken by an explicit bind; each
    // test process walks them from its own pid-derived start.
    constexpr int first = 10000;
    const int last = ephemeral_low() - 1;
    if (last - first < 1000)
        throw std::runtime_error("free_port: no room below the ephemeral range");
    const int span = last - first + 1;
    static std::atomic<unsigned> next{static_cast<unsigned>(getpid()) * 7919u};
    for (int tries = 0; tries < span; ++tries) {
        const int port = first + static_cast<int>(next++ % static_cast<unsigned>(span));
        if (bindable(port)) return port;
    }
    throw std::runtime_error("free_port: no free port");
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "huitou-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

std::string bin(const std::string& program) {
    return std::string(HUITOU_BIN_DIR) + "/" + program;
}
std::string source(const std::string& relative) {
    return std::string(HUITOU_SOURCE_DIR) + "/" + relative;
}

}  // namespace huitou::test
