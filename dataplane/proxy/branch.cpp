#include "proxy/branch.h"

#include <cstring>

#include "sip/hash.h"

namespace sipedge::proxy {
namespace {

// "00".."ff" for every byte value: a byte is one 2-byte copy, not two
// nibble lookups.
struct HexPairs {
  char text[256][2];
};
constexpr HexPairs make_hex_pairs() {
  constexpr char kHex[] = "0123456789abcdef";
  HexPairs t{};
  for (unsigned v = 0; v < 256; ++v) {
    t.text[v][0] = kHex[v >> 4];
    t.text[v][1] = kHex[v & 0xF];
  }
  return t;
}
constexpr HexPairs kHexPairs = make_hex_pairs();

// The low N hex digits of value (N even), most significant first.
template <std::size_t N>
void write_hex(char* out, uint64_t value) noexcept {
  static_assert(N % 2 == 0);
  for (std::size_t i = 0; i < N / 2; ++i)
    std::memcpy(out + N - 2 - 2 * i, kHexPairs.text[(value >> (8 * i)) & 0xFF], 2);
}

bool is_rfc3261_branch(std::string_view branch) noexcept {
  return branch.size() > 7 && branch.substr(0, 7) == "z9hG4bK";
}

}  // namespace

uint64_t transaction_hash(const sip::Message& request, const sip::Via& top_via) noexcept {
  uint32_t low = 0;
  uint32_t high = 0x5eed;
  if (is_rfc3261_branch(top_via.branch)) {
    low = sip::hash_bytes(top_via.branch);
    high = sip::hash_bytes(top_via.sent_by, low);
  } else {
    low = sip::hash_bytes(request.call_id());
    low = sip::hash_bytes(request.from_tag(), low);
    const uint32_t cseq = request.cseq().number;
    low = sip::hash_bytes({reinterpret_cast<const char*>(&cseq), sizeof cseq}, low);
    high = sip::hash_bytes(top_via.text, low);
    high = sip::hash_bytes(request.request_uri(), high);
  }
  return (uint64_t{high} << 32) | low;
}

Branch make_branch(uint8_t node_id, uint64_t transaction) noexcept {
  Branch b;
  char* p = b.text.data();
  for (char c : kBranchPrefix) *p++ = c;
  write_hex<2>(p, node_id);
  write_hex<16>(p + 2, transaction);
  return b;
}

LocalTag make_local_tag(const sip::Message& request) noexcept {
  return make_local_tag(request.call_id(), request.from_tag(), request.cseq().number);
}

LocalTag make_local_tag(std::string_view call_id, std::string_view from_tag, uint32_t cseq) noexcept {
  uint32_t h = sip::hash_bytes(call_id);
  h = sip::hash_bytes(from_tag, h);
  h = sip::hash_bytes({reinterpret_cast<const char*>(&cseq), sizeof cseq}, h);
  LocalTag t;
  char* p = t.text.data();
  for (char c : kLocalTagPrefix) *p++ = c;
  write_hex<8>(p, h);
  return t;
}

}  // namespace sipedge::proxy
