#pragma once
// A real bird2 for the tests (Debian's bird2), started in the foreground in
// a temp dir with only a static protocol, sipedge_vip, holding the VIP route
// (disabled at start, as conf/bird/bird.conf has it): no network involved.
// What BIRD did is read back over the same control socket.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "cp/bird_client.h"

namespace sipedge::cp::test {

inline constexpr const char* kBird = "/usr/sbin/bird";
inline constexpr const char* kVipRoute = "203.0.113.10/32";

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class BirdDaemon {
 public:
  explicit BirdDaemon(const std::string& dir) : dir_(dir), socket_(dir + "/bird.ctl") {
    std::ofstream(dir + "/bird.conf") << "router id 203.0.113.2;\n"
                                         "protocol static sipedge_vip {\n  disabled;\n  ipv4;\n  route "
                                      << kVipRoute << " blackhole;\n}\n";
  }
  ~BirdDaemon() { stop(); }

  bool start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a test that crashes does not leave its bird behind
      const std::string conf = dir_ + "/bird.conf";
      ::execl(kBird, kBird, "-f", "-c", conf.c_str(), "-s", socket_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      if (bird_command(socket_, "show status", 200)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::filesystem::remove(socket_);
  }
  const std::string& socket() const { return socket_; }

  // "up" / "down" of the protocol, or "" when BIRD does not answer.
  std::string protocol_state() const {
    const auto reply = bird_command(socket_, "show protocols sipedge_vip", 500);
    if (!reply) return {};
    if (reply->find(" up ") != std::string::npos) return "up";
    if (reply->find(" down ") != std::string::npos) return "down";
    return "?";
  }
  bool has_route() const {
    const auto reply = bird_command(socket_, std::string("show route ") + kVipRoute, 500);
    return reply && reply->find(kVipRoute) != std::string::npos;
  }

 private:
  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

// Polls BIRD until `want` holds; the elapsed milliseconds, or -1.
template <class Want>
inline long wait_for(Want want, int timeout_ms) {
  const std::int64_t start = now_us();
  while (now_us() - start < std::int64_t{timeout_ms} * 1000) {
    if (want()) return static_cast<long>((now_us() - start) / 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

}  // namespace sipedge::cp::test
