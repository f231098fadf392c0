#pragma once
// Shared by the config tests: a minimal valid node and error matchers.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/config.h"

namespace sipedge::config::testing {

// The smallest config that loads: 10 lines, so text appended to it starts at line 11.
inline constexpr std::string_view kBase = R"toml([node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
[sip]
vips = ["203.0.113.1"]
)toml";

inline LoadResult load(std::string_view text) { return load_string(text, "t.toml"); }
inline LoadResult load_with_base(std::string_view extra) { return load(std::string(kBase) + std::string(extra)); }

// Every error, one per line, for failure messages.
inline std::string dump(const LoadResult& result) {
  std::string text;
  for (const auto& error : result.errors) text += error.to_string() + "\n";
  return text;
}

// Passes when some error starts with `where` ("t.toml:12:9: path: ") and
// contains `fragment`; and the load was refused.
inline ::testing::AssertionResult has_error(const LoadResult& result, std::string_view where,
                                            std::string_view fragment) {
  if (result.config) return ::testing::AssertionFailure() << "config loaded; expected an error at " << where;
  for (const auto& error : result.errors) {
    const std::string text = error.to_string();
    if (text.rfind(where, 0) == 0 && text.find(fragment, where.size()) != std::string::npos)
      return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error '" << where << "...' containing '" << fragment << "' in:\n"
                                       << dump(result);
}

}  // namespace sipedge::config::testing
