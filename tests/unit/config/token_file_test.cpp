// metrics.token_file: the token is read at load, a file others may read, an
// empty or short one, or a missing one is refused at the key's position, and
// a non-loopback metrics.listen needs a token (file:line:col of listen).
#include "config/token_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "config_testing.h"
#include "fixtures/temp_dir.h"

namespace sipedge::config::testing {
namespace {

constexpr std::string_view kToken = "0123456789abcdef0123456789abcdef";

class TokenFile : public ::testing::Test {
 protected:
  TokenFile() : dir_(temp_.path()) {}
  std::string write(std::string_view name, std::string_view text, mode_t mode) {
    const std::string path = dir_ + "/" + std::string(name);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    ::chmod(path.c_str(), mode);
    return path;
  }
  static std::string metrics(std::string_view listen, std::string_view token_file) {
    std::string s = "[metrics]\nlisten = \"" + std::string(listen) + "\"\n";
    if (!token_file.empty()) s += "token_file = \"" + std::string(token_file) + "\"\n";
    return s;
  }
  fixtures::TempDir temp_{"sipedge-token-test"};
  const std::string dir_;
};

TEST_F(TokenFile, TheTokenIsReadAtLoad) {
  const auto path = write("api.token", std::string(kToken) + "\n", 0600);
  const auto r = load_with_base(metrics("127.0.0.1:9090", path));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.config->metrics.token_file, path);
  EXPECT_EQ(r.config->metrics.token, kToken);  // the newline is not part of it
  // Group-readable is fine (an operators' group runs sipedgectl).
  std::string token;
  EXPECT_EQ(read_token_file(write("group.token", kToken, 0640), token), "");
  EXPECT_EQ(token, kToken);
}

TEST_F(TokenFile, NoTokenFileNoToken) {
  const auto r = load_with_base(metrics("127.0.0.1:9090", ""));
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_TRUE(r.config->metrics.token.empty());
}

TEST_F(TokenFile, WorldReadableIsRefused) {
  const auto path = write("api.token", kToken, 0644);
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", path)), "t.toml:13:14: metrics.token_file: ",
                        "is open to other users (mode 0644)"));
  const auto writable = write("w.token", kToken, 0602);
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", writable)), "t.toml:13:14: metrics.token_file: ",
                        "mode 0602"));
}

TEST_F(TokenFile, EmptyShortOrSpacedTokensAreRefused) {
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", write("e", "\n", 0600))),
                        "t.toml:13:14: metrics.token_file: ", "is empty"));
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", write("s", "short\n", 0600))),
                        "t.toml:13:14: metrics.token_file: ", "must be 16..512 characters, got 5"));
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", write("sp", "0123456789 abcdef0123\n", 0600))),
                        "t.toml:13:14: metrics.token_file: ", "no spaces"));
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", write("two", "0123456789abcdef\nsecond\n", 0600))),
                        "t.toml:13:14: metrics.token_file: ", "one line"));
}

TEST_F(TokenFile, MissingFileOrDirectoryIsRefused) {
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", dir_ + "/absent")),
                        "t.toml:13:14: metrics.token_file: ", "cannot read " + dir_ + "/absent: No such file"));
  ::chmod(dir_.c_str(), 0700);
  EXPECT_TRUE(has_error(load_with_base(metrics("127.0.0.1:9090", dir_)), "t.toml:13:14: metrics.token_file: ",
                        "is not a regular file"));
  EXPECT_TRUE(has_error(load_with_base("[metrics]\ntoken_file = \"\"\n"), "t.toml:12:14: metrics.token_file: ",
                        "must not be empty"));
}

TEST_F(TokenFile, NonLoopbackListenNeedsAToken) {
  EXPECT_TRUE(has_error(load_with_base(metrics("198.51.100.1:9090", "")), "t.toml:12:10: metrics.listen: ",
                        "198.51.100.1 is not a loopback address: set metrics.token_file"));
  const auto path = write("api.token", kToken, 0600);
  const auto r = load_with_base(metrics("198.51.100.1:9090", path));
  EXPECT_TRUE(r.ok()) << dump(r);
  // Anywhere in 127/8 is loopback; address 0 turns HTTP off.
  EXPECT_TRUE(load_with_base(metrics("127.0.0.2:9090", "")).ok());
  EXPECT_TRUE(load_with_base(metrics("0.0.0.0:9090", "")).ok());
}

TEST_F(TokenFile, AllowListIsReadAsPrefixes) {
  const auto r = load_with_base("[metrics]\nallow = [\"198.51.100.0/24\", \"127.0.0.0/8\"]\n");
  ASSERT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.config->metrics.allow.size(), 2u);
  EXPECT_EQ(r.config->metrics.allow[0], (Ipv4Prefix{0xC6336400, 24}));
  EXPECT_TRUE(has_error(load_with_base("[metrics]\nallow = [\"198.51.100.1/24\"]\n"), "t.toml:12:10: metrics.allow[0]: ",
                        "has host bits set"));
}

}  // namespace
}  // namespace sipedge::config::testing
