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

// metrics.listen takes IPv6 in brackets; ::1 is loopback (no token needed),
// any other v6 address needs token_file like a v4 one; bad forms are refused
// at the key's file:line:col with the reason.
TEST_F(TokenFile, Ipv6ListenIsParsedAndLoopbackIsOnlyOne) {
  const auto loopback = load_with_base(metrics("[::1]:9090", ""));
  ASSERT_TRUE(loopback.ok()) << dump(loopback);
  Ipv6 one{};
  one[15] = 1;
  EXPECT_EQ(loopback.config->metrics.listen, ListenAddress::ipv6(one, 9090));
  EXPECT_TRUE(loopback.config->metrics.listen.is_loopback());
  EXPECT_EQ(format_listen_address(loopback.config->metrics.listen), "[::1]:9090");

  EXPECT_TRUE(has_error(load_with_base(metrics("[2001:db8::5]:9090", "")), "t.toml:12:10: metrics.listen: ",
                        "[2001:db8::5] is not a loopback address: set metrics.token_file"));
  const auto path = write("api.token", kToken, 0600);
  const auto global = load_with_base(metrics("[2001:db8::5]:9090", path));
  ASSERT_TRUE(global.ok()) << dump(global);
  EXPECT_TRUE(global.config->metrics.listen.v6);
  EXPECT_EQ(format_listen_address(global.config->metrics.listen), "[2001:db8::5]:9090");
  EXPECT_FALSE(global.config->metrics.listen.is_loopback());
  // [::] is "off", as 0.0.0.0 is; a v4-mapped 127/8 address is loopback.
  const auto off = load_with_base(metrics("[::]:9090", ""));
  ASSERT_TRUE(off.ok()) << dump(off);
  EXPECT_TRUE(off.config->metrics.listen.off());
  EXPECT_TRUE(load_with_base(metrics("[::ffff:127.0.0.1]:9090", "")).ok());
}

// metrics.allow holds IPv4 prefixes: with a v6 listen it would refuse
// every client, so the pair is refused at the allow key.
TEST_F(TokenFile, AllowListWithAnIpv6ListenIsRefused) {
  EXPECT_TRUE(has_error(load_with_base("[metrics]\nlisten = \"[::1]:9090\"\nallow = [\"127.0.0.0/8\"]\n"),
                        "t.toml:13:9: metrics.allow: ", "no client of the IPv6 listen address [::1] is in"));
  EXPECT_TRUE(load_with_base("[metrics]\nlisten = \"[::1]:9090\"\nallow = []\n").ok());
}

TEST_F(TokenFile, BadIpv6ListenFormsAreRefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"::1:9090", "write an IPv6 address in brackets with the port"},
      {"2001:db8::5", "write an IPv6 address in brackets with the port"},
      {"[::1]", "needs a port 1..65535 after ']:'"},
      {"[::1]:0", "needs a port 1..65535 after ']:'"},
      {"[::1]:65536", "needs a port 1..65535 after ']:'"},
      {"[::1]9090", "needs a port 1..65535 after ']:'"},
      {"[::1:9090", "no ']' after the IPv6 address"},
      {"[fe80::1%eth0]:9090", "zone indexes are not allowed"},
      {"[198.51.100.1]:9090", "is not an IPv6 address"},
      {"[2001:db8::zz]:9090", "is not an IPv6 address"},
  };
  for (const auto& [text, why] : cases)
    EXPECT_TRUE(has_error(load_with_base(metrics(text, "")), "t.toml:12:10: metrics.listen: ", why)) << text;
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
