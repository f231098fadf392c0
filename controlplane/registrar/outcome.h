#pragma once
// What the registrar did with one REGISTER, declared once: the enum, its
// stable names (metrics label values: sipedge_registrar_requests_total
// {outcome="..."}) and the SIP status each outcome answers with.
#include <array>
#include <cstdint>
#include <string_view>

namespace sipedge::registrar {

// clang-format off
// X(enumerator, status)
#define SIPEDGE_REGISTRAR_OUTCOMES(X)                                           \
  X(updated,            200) /* bindings added, refreshed or removed */         \
  X(queried,            200) /* no Contact: bindings listed, nothing changed */ \
  X(retransmission,     200) /* same Call-ID and CSeq as stored: no change */   \
  X(absorbed,           200) /* proxy mode: refresh answered by the edge */     \
  X(malformed,          400) /* reason phrase names the problem */              \
  X(auth_challenge,     401) /* no credentials for our realm */                 \
  X(auth_stale,         401) /* nonce too old: stale=true */                    \
  X(auth_failed,        401) /* unknown user, wrong password, foreign nonce */  \
  X(auth_replay,        401) /* nonce-count not increasing */                   \
  X(foreign_domain,     403) /* To domain not in registrar.domains */           \
  X(forbidden,          403) /* authenticated user differs from the To user */  \
  X(too_many_bindings,  403) /* over RegistrarOptions::max_bindings_per_aor */  \
  X(not_found,          404) /* To URI has no user part / is not sip(s) */      \
  X(bad_extension,      420) /* Require names an option we lack */              \
  X(interval_too_brief, 423) /* 0 < expires < min_expires */                    \
  X(out_of_order,       500) /* same Call-ID, lower CSeq (RFC 3261 10.3 #7) */  \
  X(store_failure,      500) /* the binding could not be made durable */
// clang-format on

enum class Outcome : std::uint8_t {
#define SIPEDGE_X(name, status) name,
  SIPEDGE_REGISTRAR_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::array kOutcomeNames = {
#define SIPEDGE_X(name, status) std::string_view{#name},
    SIPEDGE_REGISTRAR_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::array<std::uint16_t, kOutcomeNames.size()> kOutcomeStatus = {
#define SIPEDGE_X(name, status) std::uint16_t{status},
    SIPEDGE_REGISTRAR_OUTCOMES(SIPEDGE_X)
#undef SIPEDGE_X
};
inline constexpr std::size_t kOutcomeCount = kOutcomeNames.size();

constexpr std::string_view outcome_name(Outcome o) noexcept {
  const auto i = static_cast<std::size_t>(o);
  return i < kOutcomeCount ? kOutcomeNames[i] : std::string_view{"unknown"};
}
constexpr std::uint16_t outcome_status(Outcome o) noexcept {
  const auto i = static_cast<std::size_t>(o);
  return i < kOutcomeCount ? kOutcomeStatus[i] : std::uint16_t{500};
}

}  // namespace sipedge::registrar
