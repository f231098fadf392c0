#pragma once
// sipedge-cp's Loop on a thread of its own, as main runs it: started on
// construction, stopped through its stop eventfd and joined on destruction
// (or by stop(), which returns run()'s exit code).
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

#include "cp/loop.h"

namespace sipedge::cp::test {

class RunningLoop {
 public:
  enum class ReloadFd { none, eventfd };

  // `reload`: eventfd also hands run() a reload descriptor (SIGHUP's signalfd
  // in sipedge-cp), written by sighup().
  explicit RunningLoop(Loop& loop, ReloadFd reload = ReloadFd::none) : loop_(loop) {
    stop_ = ::eventfd(0, EFD_CLOEXEC);
    if (reload == ReloadFd::eventfd) reload_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    runner_ = std::thread([this] { rc_ = loop_.run(stop_, reload_); });
  }
  ~RunningLoop() { stop(); }
  RunningLoop(const RunningLoop&) = delete;
  RunningLoop& operator=(const RunningLoop&) = delete;

  // Signals the loop to stop and waits for it; run()'s exit code (-1 if the
  // write to the stop descriptor failed, after which the loop is not joined).
  int stop() {
    if (runner_.joinable()) {
      const std::uint64_t one = 1;
      if (::write(stop_, &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
        ADD_FAILURE() << "write to the stop eventfd";
        runner_.detach();
        return -1;
      }
      runner_.join();
      ::close(stop_);
      if (reload_ >= 0) ::close(reload_);
    }
    return rc_;
  }
  // What SIGHUP does to sipedge-cp.
  void sighup() {
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(reload_, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }
  std::uint16_t http_port() const { return loop_.http_port(); }

 private:
  Loop& loop_;
  int stop_ = -1;
  int reload_ = -1;
  int rc_ = -1;
  std::thread runner_;
};

}  // namespace sipedge::cp::test
