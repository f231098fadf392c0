#pragma once
// sipedge::cp::Guardian — withdraws the VIP when sipedge-cp cannot.
//
// A SIGKILLed (or crashed, or OOM-killed) sipedge-cp cannot tell BIRD to
// withdraw, and BIRD keeps announcing a static route for ever. So
// sipedge-cp forks a guardian at start, before it opens anything else: a
// small child process ("sipedge-guard" in ps) holding one end of a
// socketpair whose other end only sipedge-cp holds. sipedge-cp writes one
// byte every kHeartbeatEveryUs (heartbeat()). The guardian disables announce.protocol in BIRD
// (a blocking "disable NAME" over BIRD's control socket) the moment
//   - the socket reads end-of-file: sipedge-cp is gone, however it died
//     (the kernel closes a killed process's sockets at once), then it exits;
//   - no heartbeat arrived for announce.guard_timeout_ms: sipedge-cp is
//     alive but stuck; it keeps watching, and sipedge-cp's BIRD client
//     re-asserts the announcement once the loop runs again (cp/bird_client.h);
//   - it gets SIGTERM/SIGINT/SIGHUP (service stop kills the whole group),
//     then it exits.
// Withdrawing when the node is already withdrawn is harmless ("already
// disabled"). The guardian retries BIRD for a few seconds if it is not
// reachable at that moment.
//
// Why a forked child and not a separate unit: it exists exactly as long as
// one sipedge-cp needs it, shares its config, and needs no setup. Why a
// socketpair and not PR_SET_PDEATHSIG: it also carries the heartbeat, and
// EOF is delivered for every kind of death, including the parent's exec.
//
// Thread-safety: spawn() must run before sipedge-cp starts any thread.
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace sipedge::cp {

inline constexpr std::int64_t kHeartbeatEveryUs = 100'000;

class Guardian {
 public:
  Guardian() = default;
  ~Guardian();
  Guardian(const Guardian&) = delete;
  Guardian& operator=(const Guardian&) = delete;

  // Forks the guardian (again, once alive() said the last one exited); false
  // (errno set) when fork or socketpair failed.
  bool spawn(const std::string& bird_socket, const std::string& protocol, std::uint32_t timeout_ms);
  // At most one byte per kHeartbeatEveryUs; never blocks.
  void heartbeat(std::int64_t now_us);
  pid_t pid() const { return pid_; }
  // False once the guardian has exited (reaped here).
  bool alive();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::int64_t last_us_ = 0;
};

// The guardian's body (runs in the child; also callable from tests with a
// socket of their own): watches `fd` and disables `protocol` as described
// above. Returns when the socket closed or a stop signal came.
void run_guardian(int fd, const std::string& bird_socket, const std::string& protocol, std::uint32_t timeout_ms);

}  // namespace sipedge::cp
