#pragma once
// sipedge::cp::BirdClient — BIRD's control socket (the unix socket birdc
// uses, bird -s PATH) driven from sipedge-cp's event loop: it keeps one
// protocol (announce.protocol, the static protocol holding the VIP route)
// enabled or disabled as told.
//
// The protocol is BIRD's CLI text protocol: the server greets with
// "0001 ... ready."; a command is one line; its reply is lines of a 4-digit
// code followed by '-' (more follows) or ' ' (the last line), or a line that
// starts with a space (continuation). 0008/0009 say disabled, 0010/0011
// enabled; 8xxx (run-time) and 9xxx (parse) are errors.
//
// Non-blocking and reconnecting: connect() to a unix socket answers at once;
// a lost or refused connection is retried with backoff (0.1 s doubling to
// 2 s). One command at a time. The desired state is re-asserted after every
// reconnect and every kReassertUs even when BIRD confirmed it, because the
// guardian (cp/guardian.h) or an operator's birdc may have changed it behind
// our back; "already enabled" costs BIRD nothing.
//
// Thread-safety: none (the event loop thread). Errors: logged to stderr
// (rate-limited to state changes) and counted in stats().
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sipedge::cp {

inline constexpr std::int64_t kBirdReconnectMinUs = 100'000;
inline constexpr std::int64_t kBirdReconnectMaxUs = 2'000'000;
inline constexpr std::int64_t kBirdReplyTimeoutUs = 2'000'000;
inline constexpr std::int64_t kReassertUs = 2'000'000;
inline constexpr std::size_t kMaxBirdReply = 64 * 1024;

struct BirdClientStats {
  std::uint64_t connects = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t commands = 0;
  std::uint64_t errors = 0;  // 8xxx/9xxx replies, timeouts, unparsable replies
};

class BirdClient {
 public:
  // `watch(fd, events)` registers fd with the caller's epoll for `events`
  // (EPOLLIN and/or EPOLLOUT); events 0 removes it. Called on connect,
  // disconnect and when the wanted events change.
  using Watch = std::function<void(int fd, std::uint32_t events)>;

  BirdClient(std::string socket_path, std::string protocol, Watch watch);
  ~BirdClient();
  BirdClient(const BirdClient&) = delete;
  BirdClient& operator=(const BirdClient&) = delete;

  // What BIRD should have; sent at once when connected and idle.
  void set_enabled(bool enabled, std::int64_t now_us);
  // Timers: reconnect, reply timeout, re-assert.
  void tick(std::int64_t now_us);
  // The caller's epoll reported events on fd().
  void on_events(std::uint32_t events, std::int64_t now_us);

  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0 && greeted_; }
  // What BIRD last confirmed for the protocol (nullopt: not since connecting).
  std::optional<bool> confirmed() const { return confirmed_; }
  const std::string& last_error() const { return last_error_; }
  const BirdClientStats& stats() const { return stats_; }

 private:
  void connect(std::int64_t now_us);
  void disconnect(std::string_view why, std::int64_t now_us);
  void send_desired(std::int64_t now_us);
  void read_replies(std::int64_t now_us);
  // One complete reply (every line of it) to the command in flight.
  void on_reply(std::string_view reply, std::int64_t now_us);

  std::string path_;
  std::string protocol_;
  Watch watch_;
  int fd_ = -1;
  bool greeted_ = false;
  bool want_ = false;
  std::optional<bool> in_flight_;  // the state the command in flight asks for
  std::optional<bool> confirmed_;
  std::int64_t sent_us_ = 0;
  std::int64_t confirmed_us_ = 0;
  std::int64_t next_connect_us_ = 0;
  std::int64_t backoff_us_ = kBirdReconnectMinUs;
  std::string in_;
  std::string out_;
  std::string last_error_;
  BirdClientStats stats_;
};

// One command over a fresh blocking connection: the whole reply, or nullopt
// (error in `error`) when BIRD cannot be reached or answer within
// `timeout_ms`. For the guardian and for tests; never on the event loop.
std::optional<std::string> bird_command(const std::string& socket_path, std::string_view command, int timeout_ms,
                                        std::string* error = nullptr);

// Where a reply in `buffer` ends (one past its last line's '\n'), or 0 when
// incomplete. A reply's last line is "DDDD " + text (a space after the code).
std::size_t bird_reply_end(std::string_view buffer);

}  // namespace sipedge::cp
