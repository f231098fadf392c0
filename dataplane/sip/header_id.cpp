#include "sip/header_id.h"

#include <array>

#include "sip/lex.h"

namespace sipedge::sip {
namespace {

struct Info {
  std::string_view name;
  char compact;
  bool list;
};

constexpr Info kInfo[] = {
#define SIPEDGE_X(id, name, compact, list) {name, compact, list},
    SIPEDGE_SIP_HEADERS(SIPEDGE_X)
#undef SIPEDGE_X
    {"", 0, false},
};
static_assert(std::size(kInfo) == kHeaderIdCount);

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";

// The 26-entry compact-form table: letter -> id.
constexpr std::array<HeaderId, 26> make_compact() {
  std::array<HeaderId, 26> t{};
  for (auto& e : t) e = HeaderId::other;
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i)
    if (kInfo[i].compact != 0) t[static_cast<std::size_t>(kInfo[i].compact - 'a')] = static_cast<HeaderId>(i);
  return t;
}
constexpr auto kCompact = make_compact();

// Full names bucketed by (length, first letter): a lookup compares at most a
// handful of candidates.
constexpr std::size_t kMaxLen = 20;
constexpr std::size_t kPerBucket = 4;
struct Buckets {
  std::array<std::array<HeaderId, kPerBucket>, kMaxLen * 26> ids;
  bool overflow;
};
constexpr Buckets make_buckets() {
  Buckets b{};
  for (auto& bucket : b.ids)
    for (auto& e : bucket) e = HeaderId::other;
  b.overflow = false;
  for (std::size_t i = 0; i + 1 < kHeaderIdCount; ++i) {
    const std::string_view n = kInfo[i].name;
    if (n.size() >= kMaxLen) {
      b.overflow = true;
      continue;
    }
    auto& bucket = b.ids[n.size() * 26 + static_cast<std::size_t>(lex::lower(n[0]) - 'a')];
    std::size_t k = 0;
    while (k < kPerBucket && bucket[k] != HeaderId::other) ++k;
    if (k == kPerBucket) {
      b.overflow = true;
      continue;
    }
    bucket[k] = static_cast<HeaderId>(i);
  }
  return b;
}
constexpr Buckets kBuckets = make_buckets();
static_assert(!kBuckets.overflow, "grow kMaxLen or kPerBucket");

}  // namespace

HeaderId header_id_from_name(std::string_view name) noexcept {
  if (name.empty() || name.size() >= kMaxLen) return HeaderId::other;
  const char first = lex::lower(name[0]);
  if (first < 'a' || first > 'z') return HeaderId::other;
  const auto letter = static_cast<std::size_t>(first - 'a');
  if (name.size() == 1) return kCompact[letter];
  for (HeaderId id : kBuckets.ids[name.size() * 26 + letter]) {
    if (id == HeaderId::other) break;
    if (lex::iequals(name, kInfo[static_cast<std::size_t>(id)].name)) return id;
  }
  return HeaderId::other;
}

std::string_view header_name(HeaderId id) noexcept { return kInfo[static_cast<std::size_t>(id)].name; }

std::string_view header_compact_name(HeaderId id) noexcept {
  const char c = kInfo[static_cast<std::size_t>(id)].compact;
  return c == 0 ? std::string_view{} : kLetters.substr(static_cast<std::size_t>(c - 'a'), 1);
}

bool is_list_header(HeaderId id) noexcept { return kInfo[static_cast<std::size_t>(id)].list; }

}  // namespace sipedge::sip
