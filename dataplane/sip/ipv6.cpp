#include "sip/ipv6.h"

#include "sip/ipv4.h"

namespace sipedge::sip {
namespace {

constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Ipv6Address> parse_ipv6(std::string_view t) noexcept {
  // "::" is the shortest; 45 is eight groups' worth with an embedded IPv4
  // written as long as it may be ("ffff:...:ffff:255.255.255.255").
  if (t.size() < 2 || t.size() > 45) return std::nullopt;
  std::uint16_t groups[8] = {};
  std::size_t count = 0;    // groups read
  int gap = -1;             // index in groups[] where "::" stood
  std::size_t i = 0;
  const std::size_t n = t.size();
  if (t[0] == ':') {
    if (t[1] != ':') return std::nullopt;  // a single leading ':' is not a form
    gap = 0;
    i = 2;
    if (i == n) {
      Ipv6Address a;
      return a;  // "::"
    }
  }
  while (i < n) {
    if (count == 8) return std::nullopt;
    // An embedded IPv4 ends the address: where the next '.' comes before ':'.
    std::size_t j = i;
    unsigned v = 0;
    while (j < n && j - i < 5) {
      const int d = hex_digit(t[j]);
      if (d < 0) break;
      v = v * 16 + static_cast<unsigned>(d);
      ++j;
    }
    if (j < n && t[j] == '.') {
      if (count > 6) return std::nullopt;  // room for two groups
      const auto v4 = parse_ipv4(t.substr(i));
      if (!v4) return std::nullopt;
      groups[count++] = static_cast<std::uint16_t>(*v4 >> 16);
      groups[count++] = static_cast<std::uint16_t>(*v4 & 0xFFFF);
      i = n;
      break;
    }
    if (j == i || j - i > 4) return std::nullopt;  // hex4 = 1*4HEXDIG
    groups[count++] = static_cast<std::uint16_t>(v);
    i = j;
    if (i == n) break;
    if (t[i] != ':') return std::nullopt;
    ++i;
    if (i < n && t[i] == ':') {
      if (gap >= 0) return std::nullopt;  // one "::" at most
      gap = static_cast<int>(count);
      ++i;
      if (i == n) break;  // "...::"
    } else if (i == n) {
      return std::nullopt;  // a single trailing ':'
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return std::nullopt;
  Ipv6Address a;
  // Groups after the gap go to the end; the gap is zeros. (count <= 8, so
  // every index below is < 8.)
  const std::size_t tail = gap < 0 ? 0 : count - static_cast<std::size_t>(gap);
  const std::size_t head = count - tail;
  for (std::size_t k = 0; k < 8; ++k) {
    std::uint16_t g = 0;
    if (k < head) {
      g = groups[k];
    } else if (k >= 8 - tail) {
      g = groups[(head + k - (8 - tail)) & 7];
    }
    a.bytes[2 * k] = static_cast<std::uint8_t>(g >> 8);
    a.bytes[2 * k + 1] = static_cast<std::uint8_t>(g);
  }
  return a;
}

std::optional<Ipv6Address> parse_ipv6_reference(std::string_view t) noexcept {
  if (t.size() < 4 || t.front() != '[' || t.back() != ']') return std::nullopt;
  return parse_ipv6(t.substr(1, t.size() - 2));
}

Ipv6Text ipv6_text(const Ipv6Address& addr) noexcept {
  std::uint16_t g[8];
  for (std::size_t k = 0; k < 8; ++k)
    g[k] = static_cast<std::uint16_t>(addr.bytes[2 * k] << 8 | addr.bytes[2 * k + 1]);
  // RFC 5952 4.2: the longest run of at least two zero groups, the first
  // one when two are as long.
  int best = -1, best_len = 1;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int e = k;
    while (e < 8 && g[e] == 0) ++e;
    if (e - k > best_len) {
      best = k;
      best_len = e - k;
    }
    k = e;
  }
  Ipv6Text t;
  constexpr char kHex[] = "0123456789abcdef";
  auto put = [&t](char c) { t.buf[t.len++] = c; };
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      put(':');
      if (k == 0) put(':');
      k += best_len - 1;
      continue;
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned d = (g[k] >> shift) & 0xF;
      if (d != 0 || started || shift == 0) {
        put(kHex[d]);
        started = true;
      }
    }
    if (k != 7) put(':');
  }
  return t;
}

Ipv6Reference ipv6_reference(const Ipv6Address& addr) noexcept {
  const Ipv6Text text = ipv6_text(addr);
  Ipv6Reference r;
  r.buf[r.len++] = '[';
  for (std::size_t k = 0; k < text.len; ++k) r.buf[r.len++] = text.buf[k];
  r.buf[r.len++] = ']';
  return r;
}

}  // namespace sipedge::sip
