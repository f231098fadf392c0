#pragma once
// Registration proxy (`proxy` mode) helpers: the REGISTER goes on to the
// registrar set; the edge learns the bindings from the registrar's 200 OK,
// and answers unchanged refreshes itself (refresh absorption, as OpenSIPS
// mid_registrar does) so the registrar sees a small fraction of the load.
//
// In proxy mode the store holds the bindings the upstream registrar granted:
// Binding::expires_at / registered_at are the upstream expiry and the time it
// was granted, received/local/path/call_id/cseq come from the edge's view of
// the REGISTER that the upstream answered (the cp fills them, see
// make_upstream_binding()).
//
// A REGISTER is absorbed (answered 200 by the edge) only when every one of its
// contacts is already bound with the same contact URI, received address,
// Path and Call-ID, asks for a non-zero expiry, and the upstream registration
// has more than half of its lifetime left. Everything else is forwarded: new
// or changed bindings, removals (expires 0, '*'), fetches (no Contact), a new
// Call-ID (UA restart), and one refresh per half upstream lifetime (which
// renews the upstream registration).
//
// Thread-safety: none (event loop thread). Cold path: allocates.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "registrar/registrar.h"
#include "sip/message.h"
#include "store/binding.h"
#include "store/location_store.h"

namespace sipedge::registrar {

// ---- learning bindings from the upstream 200 OK ----

// clang-format off
#define SIPEDGE_UPSTREAM_ERRORS(X)                                         \
  X(ok)                                                                   \
  X(not_success)    /* not a 2xx */                                       \
  X(not_register)   /* CSeq method is not REGISTER */                     \
  X(bad_to)         /* To missing, malformed, or no usable AOR */         \
  X(bad_contact)    /* a Contact value does not parse */                  \
  X(bad_expires)    /* an expires parameter or Expires header is not a number */
// clang-format on

enum class UpstreamError : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_UPSTREAM_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::array kUpstreamErrorNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_UPSTREAM_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};
constexpr std::string_view upstream_error_name(UpstreamError e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < kUpstreamErrorNames.size() ? kUpstreamErrorNames[i] : std::string_view{"unknown"};
}

struct UpstreamBinding {
  std::string contact;        // URI as the registrar listed it (no <>)
  std::uint32_t expires = 0;  // seconds granted: contact expires param, else the Expires header
  std::uint16_t q = store::kDefaultQ;
  bool has_q = false;
  std::string instance_id;    // +sip.instance without quotes; empty = none
  std::uint32_t reg_id = 0;
};

struct UpstreamBindings {
  std::string aor;                        // normalised To AOR
  std::vector<UpstreamBinding> bindings;  // every binding the registrar reported (all of the AOR's)
};

// Reads a 2xx response to a REGISTER. A contact with neither an expires
// parameter nor an Expires header gets `default_expires`.
UpstreamError extract_bindings(const sip::Message& response, std::uint32_t default_expires, UpstreamBindings& out);

// A store binding for `granted`, seen at `now_ms`, for a REGISTER that came
// from `source` with the given Path, Call-ID, CSeq and User-Agent.
store::Binding make_upstream_binding(const UpstreamBindings& upstream, const UpstreamBinding& granted,
                                     const Source& source, std::vector<std::string> path, std::string_view call_id,
                                     std::uint32_t cseq, std::string_view user_agent, store::NodeId owner,
                                     std::int64_t now_ms);

// ---- refresh absorption ----

// clang-format off
#define SIPEDGE_REFRESH_REASONS(X)                                                   \
  X(absorbed)          /* answered by the edge */                                   \
  X(disabled)          /* registrar.absorb_refreshes = false */                     \
  X(not_absorbable)    /* malformed, fetch (no Contact), '*', or no usable AOR */   \
  X(new_binding)       /* a contact the edge does not know */                       \
  X(removal)           /* expires 0 */                                              \
  X(changed_received)  /* source address moved (NAT rebinding) */                   \
  X(changed_path)                                                                   \
  X(changed_call_id)   /* UA restarted */                                           \
  X(upstream_refresh)  /* upstream registration past half its lifetime */
// clang-format on

enum class RefreshReason : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_REFRESH_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::array kRefreshReasonNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_REFRESH_REASONS(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kRefreshReasonCount = kRefreshReasonNames.size();
constexpr std::string_view refresh_reason_name(RefreshReason r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < kRefreshReasonCount ? kRefreshReasonNames[i] : std::string_view{"unknown"};
}

// One contact of a REGISTER, as the absorption test sees it.
struct RefreshContact {
  std::string_view contact;             // URI as sent
  store::Endpoint received;             // punt header source
  const std::vector<std::string>* path = nullptr;  // Path values of the request (null = none)
  std::string_view call_id;
  std::uint32_t expires = 0;            // requested (after default), before clamping
};

// Per binding: absorbed, or why not. `stored` is the binding with the same
// contact (nullptr when none).
RefreshReason decide_refresh(const store::Binding* stored, const RefreshContact& request, std::int64_t now_s);

struct RefreshStats {
  std::uint64_t absorbed = 0;
  std::uint64_t forwarded = 0;
  std::array<std::uint64_t, kRefreshReasonCount> by_reason{};
};

class RefreshAbsorber {
 public:
  RefreshAbsorber(const config::RegistrarConfig& config, store::LocationStore& store, RegistrarOptions options = {});

  // Decides for a whole REGISTER (counted). On `absorbed`, `response` is
  // the 200 OK to send (contacts with min(requested, upstream remaining)
  // expires; it may carry durable_after because the bindings' last_refresh
  // and CSeq are updated in the store). Otherwise the cp forwards the
  // REGISTER upstream and `response` is untouched.
  RefreshReason handle(const sip::Message& request, const Source& source, std::int64_t now_ms, Response& response);

  void reconfigure(const config::RegistrarConfig& config) { config_ = config; }
  const RefreshStats& stats() const { return stats_; }

 private:
  config::RegistrarConfig config_;
  store::LocationStore& store_;
  RegistrarOptions options_;
  RefreshStats stats_;
};

}  // namespace sipedge::registrar
