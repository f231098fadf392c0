#include "cp/guardian.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "cp/bird_client.h"

namespace sipedge::cp {
namespace {

constexpr int kBirdTimeoutMs = 500;
constexpr int kWithdrawAttempts = 20;  // 100 ms apart: BIRD restarting is given 2 s

std::int64_t mono_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

void withdraw(const std::string& bird_socket, const std::string& protocol, const char* why) {
  std::string error;
  for (int attempt = 0; attempt < kWithdrawAttempts; ++attempt) {
    if (const auto reply = bird_command(bird_socket, "disable " + protocol, kBirdTimeoutMs, &error)) {
      std::fprintf(stderr, "sipedge-guard: %s: disabled %s in bird\n", why, protocol.c_str());
      return;
    }
    ::usleep(100'000);
  }
  std::fprintf(stderr, "sipedge-guard: %s: could not disable %s in bird: %s\n", why, protocol.c_str(), error.c_str());
}

}  // namespace

void run_guardian(int fd, const std::string& bird_socket, const std::string& protocol, std::uint32_t timeout_ms) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int stop_fd = signalfd(-1, &mask, SFD_CLOEXEC);
  std::int64_t last_beat = mono_ms();
  bool stuck = false;  // withdrawn for a missing heartbeat, until the next one
  for (;;) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const std::int64_t wait = stuck ? -1 : std::max<std::int64_t>(0, last_beat + timeout_ms - mono_ms());
    const int n = ::poll(p, stop_fd >= 0 ? 2 : 1, static_cast<int>(wait));
    if (n < 0 && errno == EINTR) continue;
    if (p[1].revents & POLLIN) return withdraw(bird_socket, protocol, "stop signal");
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[256];
      const ssize_t r = ::read(fd, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) return withdraw(bird_socket, protocol, "sipedge-cp is gone");
      last_beat = mono_ms();
      stuck = false;
      continue;
    }
    if (!stuck && mono_ms() - last_beat >= timeout_ms) {
      withdraw(bird_socket, protocol, "no heartbeat from sipedge-cp");
      stuck = true;
      // Wake up only for the socket from now on (heartbeat back, or EOF).
    }
  }
}

Guardian::~Guardian() {
  if (fd_ >= 0) ::close(fd_);  // the guardian reads EOF and withdraws
  if (pid_ > 0) {
    for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) ::usleep(20'000);
  }
}

bool Guardian::spawn(const std::string& bird_socket, const std::string& protocol, std::uint32_t timeout_ms) {
  if (fd_ >= 0) ::close(fd_);  // a previous guardian's socket (it has exited)
  fd_ = -1;
  pid_ = -1;
  // A socketpair, not a pipe: send(MSG_NOSIGNAL) to a dead guardian fails
  // with EPIPE instead of raising SIGPIPE in a process that did not ignore it.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // Only the socket stays: an inherited listening socket (HTTP) or database
    // file would outlive sipedge-cp in here.
    ::close(fds[1]);
    int fd = fds[0];
    if (fd != 3) {
      ::dup2(fd, 3);
      fd = 3;
    }
    ::close_range(4, ~0U, 0);
    ::prctl(PR_SET_NAME, "sipedge-guard");
    run_guardian(fd, bird_socket, protocol, timeout_ms);
    ::_exit(0);
  }
  ::close(fds[0]);

  fd_ = fds[1];
  pid_ = pid;
  std::fprintf(stderr, "sipedge-cp: guardian %d withdraws %s if this process dies or stalls for %u ms\n",
               static_cast<int>(pid), protocol.c_str(), timeout_ms);
  return true;
}

void Guardian::heartbeat(std::int64_t now_us) {
  if (fd_ < 0 || now_us - last_us_ < kHeartbeatEveryUs) return;
  last_us_ = now_us;
  const char beat = 'h';
  // A full buffer already says "alive"; EPIPE: the guardian is gone (alive() notices).
  [[maybe_unused]] const auto n = ::send(fd_, &beat, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

bool Guardian::alive() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

}  // namespace sipedge::cp
