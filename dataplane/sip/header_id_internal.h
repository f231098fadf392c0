#pragma once
// Internal: the header name tables, and the name lookup for names already
// known to be tokens, inline for the parser's per-line loop (header_id.cpp
// holds the public functions). Constant tables only: safe from any thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sip/header_id.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace header_detail {

struct Info {
  std::string_view name;
  char compact;
  bool list;
};

inline constexpr Info kInfo[] = {
#define SIPEDGE_X(id, name, compact, list) {name, compact, list},
    SIPEDGE_SIP_HEADERS(SIPEDGE_X)
#undef SIPEDGE_X
    {"", 0, false},
};
static_assert(std::size(kInfo) == kHeaderIdCount);

// The 26-entry compact-form table: letter -> id.
constexpr std::array<HeaderId, 26> make_compact() {
  std::array<HeaderId, 26> t{};
  for (auto& e : t) e = HeaderId::other;
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i)
    if (kInfo[i].compact != 0) t[static_cast<std::size_t>(kInfo[i].compact - 'a')] = static_cast<HeaderId>(i);
  return t;
}
inline constexpr auto kCompact = make_compact();

// Full names through a collision-free hash of (length, first, last char):
// one candidate per name, then one case-folded compare, 8 bytes at a time.
inline constexpr std::size_t kMaxLen = 24;
inline constexpr std::size_t kHashSize = 128;
constexpr std::size_t name_hash(std::size_t len, char first, char last) {
  return (len * 6 + static_cast<unsigned char>(first | 0x20) + static_cast<unsigned char>(last | 0x20) * 58) &
         (kHashSize - 1);
}

struct Table {
  std::array<HeaderId, kHashSize> ids;
  std::array<std::array<char, kMaxLen>, kHeaderIdCount> folded;  // names | 0x20
  bool collision;
};
constexpr Table make_table() {
  Table t{};
  for (auto& e : t.ids) e = HeaderId::other;
  t.collision = false;
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    const std::string_view n = kInfo[i].name;
    if (n.size() >= kMaxLen) t.collision = true;
    for (std::size_t k = 0; k < n.size() && k < kMaxLen; ++k) t.folded[i][k] = static_cast<char>(n[k] | 0x20);
    auto& slot = t.ids[name_hash(n.size(), n.front(), n.back())];
    if (slot != HeaderId::other) t.collision = true;
    slot = static_cast<HeaderId>(i);
  }
  return t;
}
inline constexpr Table kTable = make_table();
static_assert(!kTable.collision, "header name hash collides: change name_hash()");

inline std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint32_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint16_t load16(const char* p) {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Case-insensitive equality of a name with its folded (| 0x20) spelling, for
// any input bytes: x | 0x20 == f folds letters, and requiring bit 0x40 or 0x20
// in every byte rejects the control characters that would fold onto '-'
// (CR | 0x20 == '-'). The names hold only letters and '-'.
inline constexpr std::uint64_t kFold64 = 0x2020202020202020ull;
inline constexpr std::uint64_t kBit64 = 0x4040404040404040ull;
inline bool word_equal(std::uint64_t x, std::uint64_t f) { return (x | kFold64) == f && ((x | (x << 1)) & kBit64) == kBit64; }
inline bool word_equal(std::uint32_t x, std::uint32_t f) {
  return (x | 0x20202020u) == f && ((x | (x << 1)) & 0x40404040u) == 0x40404040u;
}

inline bool word_equal(std::uint16_t x, std::uint16_t f) {
  const unsigned w = x;
  return (w | 0x2020u) == f && ((w | (w << 1)) & 0x4040u) == 0x4040u;
}

inline bool fold_equal(const char* a, const char* folded, std::size_t n) {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if (!word_equal(load64(a + i), load64(folded + i))) return false;
    return word_equal(load64(a + n - 8), load64(folded + n - 8));
  }
  if (n >= 4) return word_equal(load32(a), load32(folded)) && word_equal(load32(a + n - 4), load32(folded + n - 4));
  // "To", "Via": two overlapping 2-byte words rather than a byte loop.
  if (n >= 2) return word_equal(load16(a), load16(folded)) && word_equal(load16(a + n - 2), load16(folded + n - 2));
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(a[i]);
    if ((c | 0x20) != static_cast<unsigned char>(folded[i]) || ((c | (c << 1)) & 0x40) == 0) return false;
  }
  return true;
}

}  // namespace header_detail

// header_id_from_name() without the token check: any bytes, but only an
// exact (case-insensitive) known name yields an id, so a caller need check
// only the names that come back HeaderId::other.
inline HeaderId header_id_from_token(std::string_view name) noexcept {
  using namespace header_detail;
  if (name.size() == 1) {
    const char c = lex::lower(name[0]);
    return c >= 'a' && c <= 'z' ? kCompact[static_cast<std::size_t>(c - 'a')] : HeaderId::other;
  }
  if (name.empty() || name.size() >= kMaxLen) return HeaderId::other;
  const HeaderId id = kTable.ids[name_hash(name.size(), name.front(), name.back())];
  if (id == HeaderId::other || kInfo[static_cast<std::size_t>(id)].name.size() != name.size()) return HeaderId::other;
  return fold_equal(name.data(), kTable.folded[static_cast<std::size_t>(id)].data(), name.size()) ? id
                                                                                                   : HeaderId::other;
}

}  // namespace sipedge::sip
