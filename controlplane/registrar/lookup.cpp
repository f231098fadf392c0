#include "registrar/lookup.h"

namespace sipedge::registrar {

LookupResult best_binding(const store::LocationStore& store, std::string_view aor, std::int64_t now_s,
                          std::uint32_t unreachable_after) {
  LookupResult result;
  bool any_live = false;
  for (const store::Binding& b : store.lookup(aor)) {
    if (b.expired(now_s)) continue;
    any_live = true;
    if (unreachable_after != 0 && b.keepalive.consecutive_failures >= unreachable_after) continue;
    const store::Binding* best = result.binding;
    if (best == nullptr || b.q > best->q || (b.q == best->q && b.last_refresh_ms > best->last_refresh_ms))
      result.binding = &b;
  }
  if (result.binding != nullptr)
    result.status = LookupStatus::found;
  else
    result.status = any_live ? LookupStatus::unreachable : LookupStatus::not_found;
  return result;
}

}  // namespace sipedge::registrar
