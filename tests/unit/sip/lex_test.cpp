// Internal scanners: the SIMD paths agree with the character tables for
// every byte value at every position.
#include <gtest/gtest.h>

#include <string>

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
