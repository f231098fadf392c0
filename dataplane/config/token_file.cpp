#include "config/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sipedge::config {

std::string read_token_file(const std::string& path, std::string& token) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return "cannot read " + path + ": " + std::strerror(errno);
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot stat " + path + ": " + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = path + " is not a regular file";
  } else if ((st.st_mode & 007) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    problem = path + " is open to other users (mode " + mode + "): chmod o-rwx it (600 or 640)";
  } else {
    char buffer[kMaxTokenBytes + 4];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) problem = "cannot read " + path + ": " + std::strerror(errno);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
      if (text.size() > kMaxTokenBytes + 2) break;
    }
  }
  ::close(fd);
  if (!problem.empty()) return problem;
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  if (text.empty()) return path + " is empty: it must hold the API token";
  if (text.size() < kMinTokenBytes || text.size() > kMaxTokenBytes)
    return path + ": the token must be " + std::to_string(kMinTokenBytes) + ".." + std::to_string(kMaxTokenBytes) +
           " characters, got " + std::to_string(text.size()) + " (e.g. openssl rand -hex 32)";
  for (const char c : text)
    if (c <= 0x20 || c >= 0x7F)
      return path + ": the token must be one line of visible ASCII characters (no spaces)";
  token = std::move(text);
  return {};
}

}  // namespace sipedge::config
