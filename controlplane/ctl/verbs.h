#pragma once
// Each sipedgectl verb: takes the arguments after the verb, returns the exit code.
#include <span>
#include <string_view>

namespace sipedge::ctl {
int run_inspect(std::span<const std::string_view> args);
int run_check_config(std::span<const std::string_view> args);
int run_dp_stats(std::span<const std::string_view> args);
// Through sipedge-cp's HTTP API (api_verbs.cpp).
int run_stats(std::span<const std::string_view> args);
int run_regs(std::span<const std::string_view> args);
int run_unregister(std::span<const std::string_view> args);
int run_reload(std::span<const std::string_view> args);
int run_sets(std::span<const std::string_view> args);
int run_set_state(std::span<const std::string_view> args);
int run_drain(std::span<const std::string_view> args);    // drain.cpp
int run_undrain(std::span<const std::string_view> args);
int run_subscriber(std::span<const std::string_view> args);  // subscriber.cpp
}  // namespace sipedge::ctl
