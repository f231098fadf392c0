// sipedgectl subscriber's command line: the three actions, the credential
// options and their combinations, values refused before anything is sent
// (exit 1) versus usage errors (exit 2), --password - read from stdin, and
// the form body sent to sipedge-cp.
#include "subscriber_args.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace sipedge::ctl {
namespace {

SubscriberArgs parse(std::vector<std::string_view> args) { return parse_subscriber_args(args); }

const std::string kMd5(32, 'a');
const std::string kSha256(64, 'B');
const std::string kNotHex(32, 'g');  // named: the cases below hold string_views

TEST(SubscriberArgs, AddWithPassword) {
  const auto r = parse({"add", "node.toml", "alice@example.com", "--password", "s3cret"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.action, SubscriberAction::add);
  EXPECT_EQ(r.command.config, "node.toml");
  EXPECT_EQ(r.command.username, "alice");
  EXPECT_EQ(r.command.realm, "example.com");
  EXPECT_EQ(r.command.password, "s3cret");
  EXPECT_FALSE(r.command.password_from_stdin);
  EXPECT_EQ(subscriber_add_form(r.command), "username=alice&realm=example.com&password=s3cret");
}

TEST(SubscriberArgs, AddWithPasswordFromStdin) {
  const auto r = parse({"add", "node.toml", "--password", "-", "alice@example.com"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_TRUE(r.command.password_from_stdin);
  EXPECT_TRUE(r.command.password.empty());
}

TEST(SubscriberArgs, AddWithHa1s) {
  const auto r = parse({"add", "node.toml", "bob@example.com", "--ha1-md5", kMd5, "--ha1-sha256", kSha256});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.ha1_md5, kMd5);
  EXPECT_EQ(r.command.ha1_sha256, kSha256);
  EXPECT_EQ(subscriber_add_form(r.command),
            "username=bob&realm=example.com&ha1_md5=" + kMd5 + "&ha1_sha256=" + kSha256);
  const auto md5_only = parse({"add", "node.toml", "bob@example.com", "--ha1-md5", kMd5});
  ASSERT_EQ(md5_only.error, SubscriberArgsError::none) << md5_only.problem;
  EXPECT_EQ(subscriber_add_form(md5_only.command), "username=bob&realm=example.com&ha1_md5=" + kMd5);
}

TEST(SubscriberArgs, FormEncodesSpecialCharacters) {
  const auto r = parse({"add", "node.toml", "a+b@example.com", "--password", "p&w=1 %"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(subscriber_add_form(r.command), "username=a%2Bb&realm=example.com&password=p%26w%3D1%20%25");
}

TEST(SubscriberArgs, RealmsTakeWhatTheConfigsRealmTakes) {
  const auto r = parse({"add", "node.toml", "alice@Example Corp:5060", "--password", "x"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.realm, "Example Corp:5060");
  EXPECT_EQ(subscriber_add_form(r.command), "username=alice&realm=Example%20Corp%3A5060&password=x");
}

TEST(SubscriberArgs, DelAndList) {
  auto r = parse({"del", "node.toml", "alice@example.com"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.action, SubscriberAction::del);
  EXPECT_EQ(r.command.username, "alice");
  r = parse({"list", "node.toml"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.action, SubscriberAction::list);
  EXPECT_TRUE(r.command.realm.empty());
  EXPECT_FALSE(r.command.json);
  r = parse({"list", "node.toml", "example.com", "--json"});
  ASSERT_EQ(r.error, SubscriberArgsError::none) << r.problem;
  EXPECT_EQ(r.command.realm, "example.com");
  EXPECT_TRUE(r.command.json);
}

TEST(SubscriberArgs, UsageErrors) {
  const std::vector<std::vector<std::string_view>> cases = {
      {},
      {"frob", "node.toml"},
      {"add"},
      {"add", "node.toml"},
      {"add", "node.toml", "alice@example.com"},  // no credential
      {"add", "node.toml", "alice@example.com", "--password"},
      {"add", "node.toml", "alice@example.com", "--password", "x", "--ha1-md5", kMd5},
      {"add", "node.toml", "alice@example.com", "--ha1-sha256", kSha256},
      {"add", "node.toml", "alice@example.com", "--password", "x", "--bogus"},
      {"add", "node.toml", "alice@example.com", "extra", "--password", "x"},
      {"del", "node.toml"},
      {"del", "node.toml", "alice@example.com", "--password", "x"},
      {"list", "node.toml", "a.com", "b.com"},
      {"del", "node.toml", "alice@example.com", "--json"},
  };
  for (const auto& c : cases) {
    const auto r = parse(c);
    std::string joined;
    for (auto a : c) joined.append(a).append(" ");
    EXPECT_EQ(r.error, SubscriberArgsError::usage) << joined;
    EXPECT_FALSE(r.problem.empty()) << joined;
  }
}

TEST(SubscriberArgs, BadValuesAreRefused) {
  const std::vector<std::vector<std::string_view>> cases = {
      {"add", "node.toml", "alice", "--password", "x"},                      // no realm
      {"add", "node.toml", "@example.com", "--password", "x"},               // empty user
      {"add", "node.toml", "alice@", "--password", "x"},                     // empty realm
      {"add", "node.toml", "al\"ice@example.com", "--password", "x"},        // quote in the user
      {"add", "node.toml", "alice@exa\"mple.com", "--password", "x"},        // quote in the realm
      {"add", "node.toml", "alice@example.com", "--password", "tab\there"},  // control character
      {"add", "node.toml", "alice@example.com", "--ha1-md5", "abc"},         // short HA1
      {"add", "node.toml", "alice@example.com", "--ha1-md5", kNotHex},  // not hex
      {"add", "node.toml", "alice@example.com", "--ha1-md5", kMd5, "--ha1-sha256", kMd5},  // SHA-256 length
      {"del", "node.toml", "alice@ex\\ample.com"},
      {"list", "node.toml", "bad\trealm"},
  };
  for (const auto& c : cases) {
    const auto r = parse(c);
    std::string joined;
    for (auto a : c) joined.append(a).append(" ");
    EXPECT_EQ(r.error, SubscriberArgsError::invalid) << joined << " -> " << r.problem;
    EXPECT_FALSE(r.problem.empty()) << joined;
  }
}

TEST(SubscriberArgs, ReadsThePasswordsFirstLine) {
  char text[] = "hunter2\r\nsecond line\n";
  std::FILE* in = ::fmemopen(text, sizeof text - 1, "r");
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(read_password(in), "hunter2");
  std::fclose(in);
  char no_newline[] = "pw";
  in = ::fmemopen(no_newline, sizeof no_newline - 1, "r");
  EXPECT_EQ(read_password(in), "pw");
  std::fclose(in);
  char empty[] = "x";
  in = ::fmemopen(empty, 0, "r");
  EXPECT_EQ(read_password(in), std::nullopt);
  std::fclose(in);
}

}  // namespace
}  // namespace sipedge::ctl
