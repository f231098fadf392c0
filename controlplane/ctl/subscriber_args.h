#pragma once
// sipedgectl subscriber: its command line, read into a SubscriberCommand
// without touching the network, so the parsing is unit-tested on its own
// (subscriber.cpp sends it to sipedge-cp).
//
//   subscriber add CONFIG USER@REALM (--password P|- | --ha1-md5 H [--ha1-sha256 H2])
//   subscriber del CONFIG USER@REALM
//   subscriber list CONFIG [REALM] [--json]
//
// `--password -` reads the password from stdin (first line), so it is not
// in the process list. Values are checked with store/subscriber_check.h.
//
// Thread-safety: pure functions (read_password reads the FILE given).
// Errors: SubscriberArgs::problem with a message; usage (exit 2) versus a
// value sipedge-cp would refuse (exit 1) is kept apart.
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sipedge::ctl {

enum class SubscriberAction { add, del, list };

struct SubscriberCommand {
  SubscriberAction action = SubscriberAction::list;
  std::string config;
  std::string username;  // add, del
  std::string realm;     // add, del; list: the filter ("" = every realm)
  std::string password;  // add; empty with password_from_stdin or HA1s
  bool password_from_stdin = false;
  std::string ha1_md5;
  std::string ha1_sha256;
  bool json = false;  // list
};

enum class SubscriberArgsError { none, usage, invalid };

struct SubscriberArgs {
  SubscriberCommand command;
  SubscriberArgsError error = SubscriberArgsError::none;
  std::string problem;  // when error != none
};

inline constexpr std::string_view kSubscriberUsage =
    "usage: sipedgectl subscriber add CONFIG USER@REALM (--password PASSWORD|- | --ha1-md5 HEX [--ha1-sha256 HEX])\n"
    "       sipedgectl subscriber del CONFIG USER@REALM\n"
    "       sipedgectl subscriber list CONFIG [REALM] [--json]\n";

// `args`: what follows the verb `subscriber`.
SubscriberArgs parse_subscriber_args(std::span<const std::string_view> args);

// The first line of `in` without its line end; nullopt when there is none.
std::optional<std::string> read_password(std::FILE* in);

// The form-encoded body of POST /api/subscribers for an `add`.
std::string subscriber_add_form(const SubscriberCommand& command);

}  // namespace sipedge::ctl
