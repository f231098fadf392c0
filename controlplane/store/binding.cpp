#include "store/binding.h"

namespace sipedge::store {

std::string to_string(const Endpoint& endpoint) {
  std::string out;
  out.reserve(21);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((endpoint.ip >> shift) & 0xFFu);
    out += shift == 0 ? ':' : '.';
  }
  out += std::to_string(endpoint.port);
  return out;
}

bool Binding::same_persistent(const Binding& other) const noexcept {
  return aor == other.aor && contact == other.contact && received == other.received && local == other.local &&
         path == other.path && expires_at == other.expires_at && registered_at == other.registered_at &&
         last_refresh_ms == other.last_refresh_ms && q == other.q && has_q == other.has_q &&
         call_id == other.call_id && cseq == other.cseq && user_agent == other.user_agent && nat == other.nat &&
         nat_bits == other.nat_bits && instance_id == other.instance_id && reg_id == other.reg_id &&
         owner == other.owner;
}

}  // namespace sipedge::store
