#pragma once
// Digest access authentication as SIP uses it (RFC 3261 22.4, RFC 2617
// 3.2.2, RFC 8760 for SHA-256): parsing the Authorization value, computing
// HA1 / the expected response, and formatting WWW-Authenticate challenges.
//
//   credentials     = "Digest" LWS digest-response
//   digest-response = dig-resp *(COMMA dig-resp)
//   dig-resp        = username / realm / nonce / digest-uri / dresponse
//                     / algorithm / cnonce / opaque / message-qop
//                     / nonce-count / auth-param
//   nonce-count     = "nc" EQUAL 8LHEX
//   message-qop     = "qop" EQUAL qop-value
//
//   A1       = username ":" realm ":" password          (algorithm MD5 / SHA-256)
//   A2       = Method ":" digest-uri                    (qop auth or absent)
//   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))   (qop=auth)
//            = H(H(A1) ":" nonce ":" H(A2))                             (no qop, RFC 2069)
//
// The "-sess" algorithms and qop=auth-int are not offered and are refused.
// Parsing allocates nothing (views into the header value); formatting and
// hashing return std::strings (cold path). Safe from any thread.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sipedge::registrar {

enum class DigestAlgorithm : std::uint8_t { md5, sha256 };

// "MD5" / "SHA-256", as written in challenges.
std::string_view algorithm_name(DigestAlgorithm algorithm) noexcept;

// clang-format off
#define SIPEDGE_DIGEST_ERRORS(X)                                                 \
  X(ok)                                                                         \
  X(not_digest)            /* scheme is not Digest */                           \
  X(syntax)                /* a dig-resp is not name=value */                   \
  X(missing_field)         /* no username, realm, nonce, uri or response */     \
  X(unsupported_algorithm) /* not MD5 / SHA-256 (incl. -sess) */                \
  X(unsupported_qop)       /* qop other than auth */                            \
  X(bad_nonce_count)       /* qop=auth without 8-hex nc or cnonce */
// clang-format on

enum class DigestError : std::uint8_t {
#define SIPEDGE_X(name) name,
  SIPEDGE_DIGEST_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

inline constexpr std::array kDigestErrorNames = {
#define SIPEDGE_X(name) std::string_view{#name},
    SIPEDGE_DIGEST_ERRORS(SIPEDGE_X)
#undef SIPEDGE_X
};

constexpr std::string_view digest_error_name(DigestError e) noexcept {
  const auto i = static_cast<std::size_t>(e);
  return i < kDigestErrorNames.size() ? kDigestErrorNames[i] : std::string_view{"unknown"};
}

// Views into the Authorization value; quoted values without their quotes
// (escapes kept raw: usernames with '"' or '\' are not supported).
struct Credentials {
  std::string_view username;
  std::string_view realm;
  std::string_view nonce;
  std::string_view uri;
  std::string_view response;
  std::string_view cnonce;
  std::string_view opaque;
  std::string_view nc_text;  // the 8 hex digits as written (they enter the hash verbatim)
  std::uint32_t nc = 0;
  std::string_view qop;      // as written ("auth", the only qop accepted); empty when absent
  bool has_qop = false;
  DigestAlgorithm algorithm = DigestAlgorithm::md5;  // absent means MD5
};

// Parses one Authorization / Proxy-Authorization value.
DigestError parse_credentials(std::string_view value, Credentials& out) noexcept;

// hex(H(username ":" realm ":" password)).
std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password);

// The response a UA knowing HA1 must send for `credentials` and `method`
// (lower-case hex).
std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1_hex, std::string_view method,
                            const Credentials& credentials);

// A WWW-Authenticate value: Digest realm="..", nonce="..", algorithm=..,
// qop="auth"[, stale=true].
std::string digest_challenge(DigestAlgorithm algorithm, std::string_view realm, std::string_view nonce, bool stale);

}  // namespace sipedge::registrar
