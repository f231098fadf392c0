#pragma once
// A real redis-server for tests: started on a free loopback port with no
// persistence, stopped by PID (never by name). Tests skip when redis-server
// is not installed. Not thread-safe; one instance per test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sipedge::store::testing {

inline bool redis_server_installed() { return ::access("/usr/bin/redis-server", X_OK) == 0; }

// A port the kernel just handed out on 127.0.0.1 (free at that instant).
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

class RedisServer {
 public:
  explicit RedisServer(std::uint16_t port = free_loopback_port(), std::vector<std::string> extra = {})
      : port_(port), extra_(std::move(extra)) {
    start();
  }
  // A sentinel on `port` started from the config file `conf` (which it rewrites).
  static std::unique_ptr<RedisServer> sentinel(std::uint16_t port, const std::string& conf) {
    auto s = std::unique_ptr<RedisServer>(new RedisServer(port, conf));
    return s;
  }
  ~RedisServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // Starts (again) on the same port; waits until it answers PING (at most 5 s).
  void start() {
    // Its own working directory: a replica's full sync writes dump.rdb there.
    std::filesystem::create_directories(dir_);
    std::vector<std::string> args;
    if (!sentinel_conf_.empty()) {
      args = {"redis-server", sentinel_conf_, "--sentinel", "--port", std::to_string(port_), "--bind", "127.0.0.1",
              "--logfile", sentinel_conf_ + ".log"};
    } else {
      args = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", "--logfile", "",
              "--dir", dir_.string()};
    }
    for (const auto& a : extra_) args.push_back(a);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int null_fd = ::open("/dev/null", O_WRONLY);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv("/usr/bin/redis-server", argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (redisReply* r = command("PING")) {
        freeReplyObject(r);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGKILL (a crash, no goodbye) or SIGTERM, then reaps it.
  void stop(bool kill = false) {
    if (pid_ <= 0) return;
    ::kill(pid_, kill ? SIGKILL : SIGTERM);
    ::kill(pid_, SIGCONT);  // a paused server acts on SIGTERM only once resumed
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // SIGSTOP / SIGCONT: a hung server (accepts TCP, answers nothing).
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }

  // A blocking command on a fresh connection (tests only); nullptr when unreachable.
  template <typename... Args>
  redisReply* command(const char* format, Args... args) const {
    const timeval timeout{1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeout);
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      return nullptr;
    }
    auto* r = static_cast<redisReply*>(redisCommand(c, format, args...));
    redisFree(c);
    return r;
  }
  long long integer(const char* format, auto... args) const {
    redisReply* r = command(format, args...);
    const long long v = r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r != nullptr) freeReplyObject(r);
    return v;
  }
  std::string string(const char* format, auto... args) const {
    redisReply* r = command(format, args...);
    std::string v = r != nullptr && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string();
    if (r != nullptr) freeReplyObject(r);
    return v;
  }

 private:
  RedisServer(std::uint16_t port, std::string sentinel_conf) : port_(port), sentinel_conf_(std::move(sentinel_conf)) {
    start();
  }

  std::uint16_t port_;
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("sipedge-redis-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
  std::vector<std::string> extra_;
  std::string sentinel_conf_;
  pid_t pid_ = -1;
};

}  // namespace sipedge::store::testing
