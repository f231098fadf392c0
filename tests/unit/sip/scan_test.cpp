// The structural scan: a table of heads and the lines each variant must
// find, and every variant against the portable one on generated inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sip/scan.h"

namespace sipedge::sip {
namespace {

struct Scanned {
  ScanResult result;
  std::vector<ScanLine> lines;
  bool operator==(const Scanned&) const = default;
};

Scanned run(ScanFn fn, std::string_view s, std::size_t pos = 0, std::size_t capacity = 64) {
  Scanned r;
  r.lines.resize(capacity + 1, ScanLine{0xAAAA, 0xAAAA});
  r.result = fn(s.data(), s.size(), pos, r.lines.data(), capacity);
  EXPECT_EQ(r.lines[capacity], (ScanLine{0xAAAA, 0xAAAA})) << "wrote past capacity";
  r.lines.resize(r.result.count);
  return r;
}

constexpr std::uint16_t N = kNoColon;

struct Case {
  const char* name;
  std::string input;
  std::size_t pos;
  std::size_t capacity;
  ScanResult result;
  std::vector<ScanLine> lines;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {"empty", "", 0, 64, {0, false}, {}},
      {"no line end", "INVITE sip:a@b SIP/2.0", 0, 64, {0, false}, {}},
      {"start line and end", "A sip:x\r\n\r\n", 0, 64, {2, true}, {{8, 5}, {10, N}}},
      {"header colons", "R\r\nVia: x:1\r\nTo:y\r\n\r\nbody:\n", 0, 64, {4, true},
       {{2, N}, {12, 6}, {18, 15}, {20, N}}},
      {"stops at bare LF line", "A\r\nB: c\r\n\nD: e\r\n", 0, 64, {3, true}, {{2, N}, {8, 4}, {9, N}}},
      {"stops at CR line", "A\r\n\rX\r\nB: c\r\n", 0, 64, {2, true}, {{2, N}, {6, N}}},
      {"unterminated last line", "A\r\nB: c", 0, 64, {1, false}, {{2, N}}},
      {"capacity", "A\r\nB: c\r\nD: e\r\n\r\n", 0, 2, {2, false}, {{2, N}, {8, 4}}},
      {"from pos", "xx:\nA\r\nB: c\r\n\r\n", 4, 64, {3, true}, {{6, N}, {12, 8}, {14, N}}},
      {"fold: colon in a later line", "A\r\nB\r\n c: d\r\n\r\n", 0, 64, {4, true},
       {{2, N}, {5, N}, {12, 8}, {14, N}}},
  };
  return c;
}

TEST(Scan, TableForEveryVariant) {
  for (const ScanVariant& v : scan_variants()) {
    for (const Case& c : cases()) {
      const Scanned got = run(v.fn, c.input, c.pos, c.capacity);
      EXPECT_EQ(got.result, c.result) << v.name << ": " << c.name;
      EXPECT_EQ(got.lines, c.lines) << v.name << ": " << c.name;
    }
  }
}

// Line ends and colons on both sides of every block boundary (16, 32 and
// 64 bytes) and in the partial tail.
TEST(Scan, EveryPositionAgreesWithPortable) {
  for (std::size_t size = 1; size <= 100; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      for (char c : {'\n', ':', '\r'}) {
        std::string s(size, 'a');
        s[at] = c;
        if (at + 2 < size) s[at + 2] = c == ':' ? '\n' : ':';
        for (std::size_t pos : {std::size_t{0}, std::size_t{1}, at}) {
          if (pos >= size) continue;
          const Scanned want = run(scan_lines_portable, s, pos);
          for (const ScanVariant& v : scan_variants())
            EXPECT_EQ(run(v.fn, s, pos), want) << v.name << " size " << size << " at " << at << " pos " << pos;
        }
      }
    }
  }
}

TEST(Scan, RandomHeadsAgreeWithPortable) {
  std::mt19937 rng(14);
  const char alphabet[] = {'a', 'B', ' ', '\t', ':', ':', '\r', '\n', '\n', '\r', 'x', '0', ';'};
  for (int round = 0; round < 4000; ++round) {
    std::string s(rng() % 300, 'a');
    for (char& ch : s) ch = alphabet[rng() % sizeof alphabet];
    const std::size_t capacity = 1 + rng() % 40;
    const Scanned want = run(scan_lines_portable, s, 0, capacity);
    for (const ScanVariant& v : scan_variants()) EXPECT_EQ(run(v.fn, s, 0, capacity), want) << v.name << " round " << round;
  }
}

TEST(Scan, DispatchUsesTheWidestVariant) {
  const auto variants = scan_variants();
  ASSERT_FALSE(variants.empty());
  EXPECT_EQ(variants.front().name, "portable");
  EXPECT_EQ(scan_variant_name(), variants.back().name);
  const std::string head = "A\r\nB: c\r\n\r\n";
  EXPECT_EQ(run(scan_lines, head), run(scan_lines_portable, head));
}

TEST(Scan, LineScannerRefillsPastOneBatch) {
  std::string head = "INVITE sip:a@b SIP/2.0\r\n";
  for (int i = 0; i < 100; ++i) head += "X-H" + std::to_string(i) + ": v\r\n";
  head += "\r\nbody";
  LineScanner lines(head.data(), head.size(), 0);
  std::size_t n = 0;
  std::size_t last_lf = 0;
  while (const ScanLine* l = lines.next()) {
    EXPECT_EQ(head[l->lf], '\n');
    EXPECT_GT(l->lf + 1, last_lf);
    last_lf = l->lf + 1u;
    ++n;
  }
  EXPECT_EQ(n, 102u);  // start line, 100 headers, the empty line
  EXPECT_EQ(head.substr(last_lf), "body");
}

}  // namespace
}  // namespace sipedge::sip
