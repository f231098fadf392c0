// Internal scanners: the SIMD paths agree with the character tables for
// every byte value at every position.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/header_id.h"
#include "sip/header_id_internal.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

TEST(Lex, SimdSpansMatchTables) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    for (std::size_t pos : {0u, 5u, 15u, 16u, 17u, 31u, 32u, 40u}) {
      std::string s(41, 'a');
      s[pos] = c;
      const bool uri_ok = lex::is(c, lex::kUriChar);
      EXPECT_EQ(lex::uri_span(s.data(), s.size()), uri_ok ? s.size() : pos) << b << "@" << pos;
      const bool stop = lex::is(c, lex::kParamStop);
      EXPECT_EQ(lex::param_value_span(s.data(), s.size()), stop ? pos : s.size()) << b << "@" << pos;
      const char* hit = lex::find_char(s.data(), s.size(), c);
      if (c == 'a') {
        EXPECT_EQ(hit, s.data()) << b;
      } else {
        EXPECT_EQ(hit, s.data() + pos) << b << "@" << pos;
      }
    }
  }
  EXPECT_EQ(lex::find_char("abc", 3, 'z'), nullptr);
  EXPECT_EQ(lex::find_char("", 0, 'z'), nullptr);
}

TEST(Lex, SimdTailsAtEveryLengthAndPosition) {
  // The last block overlaps bytes already checked: every length around the
  // block size, a stop byte at every position or none.
  for (std::size_t len = 0; len <= 50; ++len) {
    for (std::size_t pos = 0; pos <= len; ++pos) {
      std::string s(len, 'a');
      if (pos < len) s[pos] = ':';
      const std::size_t want = pos;  // == len when no stop byte
      EXPECT_EQ((lex::span_none_of<':', ';'>(s.data(), s.size())), want) << len << " " << pos;
      EXPECT_EQ(lex::host_span(s.data(), s.size()), want) << len << " " << pos;
      EXPECT_EQ(lex::uri_span(s.data(), s.size()), len) << len << " " << pos;
      const char* hit = lex::find_char(s.data(), s.size(), ':');
      EXPECT_EQ(hit, pos < len ? s.data() + pos : nullptr) << len << " " << pos;
      std::string t(len, 'a');
      if (pos < len) t[pos] = ' ';
      EXPECT_EQ(lex::param_value_span(t.data(), t.size()), want) << len << " " << pos;
      EXPECT_EQ(lex::uri_span(t.data(), t.size()), want) << len << " " << pos;
    }
  }
}

TEST(Lex, SpanNoneOfAndHostSpanMatchTables) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    for (std::size_t pos : {0u, 5u, 15u, 16u, 17u, 31u, 32u, 40u}) {
      std::string s(41, 'a');
      s[pos] = c;
      const bool stop = c == ':' || c == ';' || c == '?';
      EXPECT_EQ((lex::span_none_of<':', ';', '?'>(s.data(), s.size())), stop ? pos : s.size()) << b << "@" << pos;
      const bool host = lex::is(c, lex::kHost);
      EXPECT_EQ(lex::host_span(s.data(), s.size()), host ? s.size() : pos) << b << "@" << pos;
    }
  }
  EXPECT_EQ((lex::span_none_of<','>("", 0)), 0u);
  EXPECT_EQ(lex::host_span("", 0), 0u);
  EXPECT_EQ(lex::host_span("a.b-C9:5060", 11), 6u);
}

// The list splitter before it jumped between special bytes: one byte at a
// time from the start of the element.
std::string_view split_element_reference(std::string_view& rest) {
  bool in_quotes = false;
  bool in_angle = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (in_quotes) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      const std::string_view element = rest.substr(0, i);
      rest = rest.substr(i + 1);
      return element;
    }
  }
  const std::string_view element = rest;
  rest = {};
  return element;
}

TEST(Lex, SplitElementMatchesReference) {
  // Every string over a small alphabet of the bytes that matter, up to 6
  // long, plus long ones that cross the 16-byte SIMD blocks.
  constexpr std::string_view kAlphabet = "a,\"<>\\";
  std::vector<std::string> inputs;
  for (std::size_t len = 0; len <= 6; ++len) {
    std::size_t total = 1;
    for (std::size_t k = 0; k < len; ++k) total *= kAlphabet.size();
    for (std::size_t code = 0; code < total; ++code) {
      std::string s;
      for (std::size_t k = 0, c = code; k < len; ++k, c /= kAlphabet.size()) s += kAlphabet[c % kAlphabet.size()];
      inputs.push_back(s);
    }
  }
  // Longer strings (the 16-byte blocks, the overlapping last block and a
  // quoted-pair across a block edge), mostly 'a' so elements run long.
  std::uint32_t seed = 12345;
  for (int k = 0; k < 4000; ++k) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t len = 15 + (seed >> 16) % 56;
    std::string s;
    for (std::size_t c = 0; c < len; ++c) {
      seed = seed * 1103515245u + 12345u;
      const std::uint32_t r = (seed >> 16) % 24;
      s += r < kAlphabet.size() ? kAlphabet[r] : 'a';
    }
    inputs.push_back(s);
  }
  inputs.push_back("<sip:203.0.113.1:5060;lr>, <sip:198.51.100.1:5060;lr>,<sip:x@y;a=\"1,2\">");
  inputs.push_back("\"A very long display name, with a comma\" <sip:alice@example.com;x=1,2>;tag=1, b");
  inputs.push_back(std::string(40, 'x') + "\"" + std::string(20, ',') + "\\\"" + std::string(20, ',') + "\", z");
  for (const std::string& in : inputs) {
    std::string_view a = in;
    std::string_view b = in;
    for (int guard = 0; guard < 64 && !(a.empty() && b.empty()); ++guard) {
      const std::string_view ea = lex::split_element(a);
      const std::string_view eb = split_element_reference(b);
      ASSERT_EQ(ea.data(), eb.data()) << in;
      ASSERT_EQ(ea.size(), eb.size()) << in;
      ASSERT_EQ(a.data(), b.data()) << in;
      ASSERT_EQ(a.size(), b.size()) << in;
    }
  }
}

TEST(Lex, SplitElementFastAndSlowPaths) {
  std::string_view rest = "a, b;x=\"1,2\", <sip:c,d@h>, e";
  EXPECT_EQ(lex::split_element(rest), "a");
  EXPECT_EQ(lex::split_element(rest), " b;x=\"1,2\"");
  EXPECT_EQ(lex::split_element(rest), " <sip:c,d@h>");
  EXPECT_EQ(lex::split_element(rest), " e");
  EXPECT_TRUE(rest.empty());
  rest = "\"open, never closed";
  EXPECT_EQ(lex::split_element(rest), "\"open, never closed");
  rest = "\"esc \\\", still quoted\", next";
  EXPECT_EQ(lex::split_element(rest), "\"esc \\\", still quoted\"");
  EXPECT_EQ(rest, " next");
}

TEST(Lex, HeaderLookupIsExactForAnyBytes) {
  // CR | 0x20 == '-': a CR where the name has '-' must not match.
  EXPECT_EQ(header_id_from_token(std::string_view("Call\rID", 7)), HeaderId::other);
  EXPECT_EQ(header_id_from_token(std::string_view("Max\rForwards", 12)), HeaderId::other);
  EXPECT_EQ(header_id_from_token(std::string_view("CONTENT-LENGTH", 14)), HeaderId::content_length);
  EXPECT_EQ(header_id_from_token(std::string_view("T\x0f", 2)), HeaderId::other);
  EXPECT_EQ(header_id_from_token(std::string_view("V\x09\x01", 3)), HeaderId::other);
  EXPECT_EQ(header_id_from_token(std::string_view("@", 1)), HeaderId::other);
  EXPECT_EQ(header_id_from_name("Call\rID"), HeaderId::other);
  // Every byte substituted into every position of every name never yields
  // that name unless it is the same letter in either case.
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    const auto id = static_cast<HeaderId>(i);
    const std::string name(header_name(id));
    for (std::size_t k = 0; k < name.size(); ++k) {
      for (int b = 0; b < 256; ++b) {
        std::string probe = name;
        probe[k] = static_cast<char>(b);
        const bool same = lex::lower(static_cast<char>(b)) == lex::lower(name[k]);
        EXPECT_EQ(header_id_from_token(probe) == id, same) << name << " " << k << " " << b;
      }
    }
  }
}

}  // namespace
}  // namespace sipedge::sip
