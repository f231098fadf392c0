// IPv4 helpers, hash_bytes, header ids, method table.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <array>
#include <cctype>
#include <string>

#include "sip/hash.h"
#include "sip/header_id.h"
#include "sip/header_id_internal.h"
#include "sip/ipv4.h"
#include "sip/method.h"

namespace sipedge::sip {
namespace {

TEST(Ipv4, Parse) {
  EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
  EXPECT_EQ(parse_ipv4("1.2.3.4"), 0x01020304u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_EQ(parse_ipv4("010.001.0.9"), 0x0A010009u);
  for (std::string_view bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.",
                               "a.b.c.d", "1234.1.1.1", "1.2.3.4:5060", "1.2.3.0004", "1.2.3.-1", "::1"})
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
}

// The parser against a plain reading of its grammar (four 1*3DIGIT parts
// 0..255, dots between, nothing else) on many short strings of digits,
// dots and a stray byte.
TEST(Ipv4, ParseMatchesTheGrammarOnGeneratedStrings) {
  auto reference = [](std::string_view t) -> std::optional<std::uint32_t> {
    std::uint32_t addr = 0;
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
      if (part != 0) {
        if (i == t.size() || t[i] != '.') return std::nullopt;
        ++i;
      }
      std::size_t digits = 0;
      unsigned v = 0;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9' && digits < 3) v = v * 10 + unsigned(t[i++] - '0'), ++digits;
      if (digits == 0 || v > 255) return std::nullopt;
      addr = addr << 8 | v;
    }
    if (i != t.size()) return std::nullopt;
    return addr;
  };
  const char alphabet[] = {'0', '1', '2', '5', '9', '.', '.', 'x'};
  std::uint32_t seed = 12345;
  for (int k = 0; k < 200000; ++k) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t len = 5 + (seed >> 16) % 13;
    std::string s;
    for (std::size_t j = 0; j < len; ++j) {
      seed = seed * 1103515245u + 12345u;
      s += alphabet[(seed >> 16) % sizeof alphabet];
    }
    ASSERT_EQ(parse_ipv4(s), reference(s)) << s;
  }
  for (std::string_view s : {"1.2.3.4", "255.255.255.255", "0.0.0.0", "199.99.9.1", "1.22.333.4", "001.002.003.004"})
    ASSERT_EQ(parse_ipv4(s), reference(s)) << s;
}

TEST(Ipv4, Format) {
  for (std::string_view s : {"0.0.0.0", "1.2.3.4", "10.20.30.40", "100.200.255.9", "255.255.255.255"}) {
    const auto a = parse_ipv4(s);
    ASSERT_TRUE(a);
    EXPECT_EQ(ipv4_text(*a).view(), s);
    std::array<char, kIpv4TextMax> buf{};
    EXPECT_EQ(std::string_view(buf.data(), format_ipv4(*a, buf)), s);
  }
}

// Every octet value in every position, against std::to_string, and back.
TEST(Ipv4, FormatEveryOctetRoundTrips) {
  for (unsigned pos = 0; pos < 4; ++pos) {
    for (unsigned v = 0; v < 256; ++v) {
      const std::uint32_t others = pos % 2 == 0 ? 7u : 255u;
      std::uint32_t a = 0;
      std::string want;
      for (unsigned k = 0; k < 4; ++k) {
        const std::uint32_t octet = k == pos ? v : others;
        a = (a << 8) | octet;
        if (k != 0) want += '.';
        want += std::to_string(octet);
      }
      std::array<char, kIpv4TextMax> buf{};
      const std::string_view got(buf.data(), format_ipv4(a, buf));
      ASSERT_EQ(got, want);
      ASSERT_EQ(ipv4_text(a).view(), want);
      ASSERT_EQ(parse_ipv4(got), a) << got;
    }
  }
}

TEST(Ipv4, Private) {
  const std::pair<std::string_view, bool> cases[] = {
      {"10.0.0.0", true},        {"10.255.255.255", true}, {"9.255.255.255", false}, {"11.0.0.0", false},
      {"172.16.0.0", true},      {"172.31.255.255", true}, {"172.15.255.255", false}, {"172.32.0.0", false},
      {"192.168.0.1", true},     {"192.167.255.255", false}, {"192.169.0.0", false},
      {"100.64.0.0", true},      {"100.127.255.255", true}, {"100.63.255.255", false}, {"100.128.0.0", false},
      {"127.0.0.1", true},       {"169.254.1.1", true},    {"169.253.1.1", false},
      {"198.51.100.1", false},   {"203.0.113.9", false},   {"8.8.8.8", false},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(is_private(*parse_ipv4(text)), want) << text;
    EXPECT_EQ(is_private_ipv4_text(text), want) << text;
  }
  EXPECT_FALSE(is_private_ipv4_text("example.com"));
  EXPECT_FALSE(is_private_ipv4_text("fd00::1"));
  static_assert(is_private(0x0A000001u));
}

// Bitwise reference CRC32C, independent of the library's table/instruction.
std::uint32_t reference_crc32c(std::string_view s, std::uint32_t seed) {
  std::uint32_t c = ~seed;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

TEST(Hash, KnownVectorsAndReference) {
  EXPECT_EQ(hash_bytes("123456789"), 0xE3069283u);
  EXPECT_EQ(hash_bytes(""), 0u);
  EXPECT_EQ(hash_bytes_portable("123456789"), 0xE3069283u);
  std::string s;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(hash_bytes(s), reference_crc32c(s, 0)) << i;
    EXPECT_EQ(hash_bytes(s, 0x1234567u), reference_crc32c(s, 0x1234567u)) << i;
    EXPECT_EQ(hash_bytes_portable(s), reference_crc32c(s, 0)) << i;
    EXPECT_EQ(hash_bytes_portable(s, 77), reference_crc32c(s, 77)) << i;
    s.push_back(static_cast<char>(i * 37 + 11));
  }
  EXPECT_NE(hash_bytes("a84b4c76e66710@pc33"), hash_bytes("a84b4c76e66710@pc34"));
  EXPECT_NE(hash_bytes("abc", 1), hash_bytes("abc", 2));
}

TEST(HeaderIds, NamesRoundTrip) {
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    const auto id = static_cast<HeaderId>(i);
    const std::string_view name = header_name(id);
    ASSERT_FALSE(name.empty());
    EXPECT_EQ(header_id_from_name(name), id) << name;
    std::string upper(name), lower(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(header_id_from_name(upper), id) << upper;
    EXPECT_EQ(header_id_from_name(lower), id) << lower;
    const std::string_view compact = header_compact_name(id);
    if (!compact.empty()) {
      EXPECT_EQ(header_id_from_name(compact), id) << compact;
      EXPECT_EQ(header_id_from_name(std::string(1, static_cast<char>(std::toupper(compact[0])))), id);
    }
  }
  EXPECT_EQ(header_name(HeaderId::other), "");
  EXPECT_EQ(header_compact_name(HeaderId::cseq), "");
}

// The parser's lookup (any bytes, no token check first) against a plain
// ASCII case-insensitive compare: every byte value at every position of
// every full name, so each word width the compare uses (8, 4 and 2 bytes,
// "To" and "Via" included) meets control bytes that fold onto '-' or a letter.
TEST(HeaderIds, TokenLookupIsExactlyCaseInsensitive) {
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    const auto id = static_cast<HeaderId>(i);
    const std::string name(header_name(id));
    for (std::size_t at = 0; at < name.size(); ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string n = name;
        n[at] = static_cast<char>(b);
        const bool same = std::tolower(b) == std::tolower(static_cast<unsigned char>(name[at]));
        ASSERT_EQ(header_id_from_token(n) == id, same) << name << " byte " << b << " at " << at;
      }
    }
  }
}

TEST(HeaderIds, CompactTableMatchesRfcs) {
  const std::pair<char, HeaderId> table[] = {
      {'a', HeaderId::accept_contact}, {'b', HeaderId::referred_by},   {'c', HeaderId::content_type},
      {'d', HeaderId::request_disposition}, {'e', HeaderId::content_encoding}, {'f', HeaderId::from},
      {'i', HeaderId::call_id},        {'j', HeaderId::reject_contact}, {'k', HeaderId::supported},
      {'l', HeaderId::content_length}, {'m', HeaderId::contact},       {'n', HeaderId::identity_info},
      {'o', HeaderId::event},          {'r', HeaderId::refer_to},      {'s', HeaderId::subject},
      {'t', HeaderId::to},             {'u', HeaderId::allow_events},  {'v', HeaderId::via},
      {'x', HeaderId::session_expires}, {'y', HeaderId::identity},
  };
  for (const auto& [c, id] : table) EXPECT_EQ(header_id_from_name(std::string(1, c)), id) << c;
  for (char c : std::string_view("ghpqwz0-")) EXPECT_EQ(header_id_from_name(std::string(1, c)), HeaderId::other) << c;
}

TEST(HeaderIds, UnknownNames) {
  for (std::string_view n : {"", "X-Foo", "Vias", "Call-IDx", "Contacts", "Content-Length2", "Proxy-Authorizationn",
                             "A-Very-Long-Header-Name-Beyond-The-Table", "1nvite"})
    EXPECT_EQ(header_id_from_name(n), HeaderId::other) << n;
}

TEST(HeaderIds, ListHeaders) {
  EXPECT_TRUE(is_list_header(HeaderId::via));
  EXPECT_TRUE(is_list_header(HeaderId::contact));
  EXPECT_TRUE(is_list_header(HeaderId::route));
  EXPECT_TRUE(is_list_header(HeaderId::record_route));
  EXPECT_TRUE(is_list_header(HeaderId::path));
  EXPECT_FALSE(is_list_header(HeaderId::from));
  EXPECT_FALSE(is_list_header(HeaderId::www_authenticate));
  EXPECT_FALSE(is_list_header(HeaderId::other));
}

TEST(Methods, FromToken) {
  EXPECT_EQ(method_from_token("INVITE"), Method::invite);
  EXPECT_EQ(method_from_token("INVITEX"), Method::other);
  EXPECT_EQ(method_from_token("CANCEL"), Method::cancel);
  EXPECT_EQ(method_from_token("CANCEX"), Method::other);
  EXPECT_EQ(method_from_token("Invite"), Method::other);
  EXPECT_EQ(method_from_token(""), Method::other);
  EXPECT_EQ(method_name(static_cast<Method>(99)), "OTHER");
}

}  // namespace
}  // namespace sipedge::sip
