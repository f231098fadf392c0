#pragma once
// The HTTP API's bearer token (metrics.token_file): read and judged once,
// by the config loader and by sipedgectl --token-file.
//
// A token file must be a regular file that is neither readable nor writable
// by others (mode & 007 == 0, as ssh judges a private key: a world-readable
// secret is no secret), and hold one token of kMinTokenBytes..kMaxTokenBytes
// visible ASCII characters (RFC 6750 b64token and more), optionally followed
// by a newline. Group access is allowed so an operators' group can run
// sipedgectl.
//
// Thread-safety: reentrant. Errors: the reason in the Parsed result. Cold
// path: one open and read.
#include <cstddef>
#include <string>
#include <string_view>


namespace sipedge::config {

inline constexpr std::size_t kMinTokenBytes = 16;
inline constexpr std::size_t kMaxTokenBytes = 512;

// Fills `token` and returns "", or returns why the file is refused
// ("cannot read /x: Permission denied") and leaves `token` alone.
std::string read_token_file(const std::string& path, std::string& token);

}  // namespace sipedge::config
