#include "registrar/digest.h"

#include <initializer_list>

#include "registrar/hex.h"
#include "registrar/crypto.h"
#include "sip/lex.h"

namespace sipedge::registrar {

namespace {

using sip::lex::iequals;
using sip::lex::lower;

constexpr bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// token characters (RFC 3261 25.1).
constexpr bool is_token(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
      return true;
    default:
      return false;
  }
}

void skip_lws(std::string_view& s) {
  while (!s.empty() && is_lws(s.front())) s.remove_prefix(1);
}

std::string_view take_token(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && is_token(s[n])) ++n;
  const std::string_view token = s.substr(0, n);
  s.remove_prefix(n);
  return token;
}

// One dig-resp: token EQUAL (token / quoted-string). Quoted values are
// returned without quotes, escapes raw.
bool take_param(std::string_view& s, std::string_view& name, std::string_view& value) {
  skip_lws(s);
  name = take_token(s);
  if (name.empty()) return false;
  skip_lws(s);
  if (s.empty() || s.front() != '=') return false;
  s.remove_prefix(1);
  skip_lws(s);
  if (!s.empty() && s.front() == '"') {
    std::size_t i = 1;
    for (; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        break;
      }
    }
    if (i >= s.size()) return false;
    value = s.substr(1, i - 1);
    s.remove_prefix(i + 1);
  } else {
    // Tokens, plus the few non-token characters seen unquoted in the wild
    // (e.g. uri=sip:a@b by broken UAs): up to the next comma or LWS.
    std::size_t n = 0;
    while (n < s.size() && s[n] != ',' && !is_lws(s[n])) ++n;
    if (n == 0) return false;
    value = s.substr(0, n);
    s.remove_prefix(n);
  }
  skip_lws(s);
  if (!s.empty()) {
    if (s.front() != ',') return false;
    s.remove_prefix(1);
  }
  return true;
}

template <class Hash>
std::string hex_of(std::initializer_list<std::string_view> parts) {
  Hash h;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) h.update(std::string_view(":"));
    h.update(part);
    first = false;
  }
  const auto digest = h.finish();
  return to_hex(digest);
}

std::string hash_joined(DigestAlgorithm algorithm, std::initializer_list<std::string_view> parts) {
  return algorithm == DigestAlgorithm::sha256 ? hex_of<Sha256>(parts) : hex_of<Md5>(parts);
}

}  // namespace

std::string_view algorithm_name(DigestAlgorithm algorithm) noexcept {
  return algorithm == DigestAlgorithm::sha256 ? "SHA-256" : "MD5";
}

DigestError parse_credentials(std::string_view value, Credentials& out) noexcept {
  out = Credentials{};
  skip_lws(value);
  const std::string_view scheme = take_token(value);
  if (!iequals(scheme, "Digest")) return DigestError::not_digest;
  if (value.empty() || !is_lws(value.front())) return DigestError::syntax;
  bool has_algorithm = false;
  std::string_view algorithm;
  while (true) {
    skip_lws(value);
    if (value.empty()) break;
    std::string_view name;
    std::string_view v;
    if (!take_param(value, name, v)) return DigestError::syntax;
    auto set = [&](std::string_view& field) {
      if (field.empty()) field = v;  // first occurrence wins
    };
    if (iequals(name, "username")) {
      set(out.username);
    } else if (iequals(name, "realm")) {
      set(out.realm);
    } else if (iequals(name, "nonce")) {
      set(out.nonce);
    } else if (iequals(name, "uri")) {
      set(out.uri);
    } else if (iequals(name, "response")) {
      set(out.response);
    } else if (iequals(name, "cnonce")) {
      set(out.cnonce);
    } else if (iequals(name, "opaque")) {
      set(out.opaque);
    } else if (iequals(name, "nc")) {
      set(out.nc_text);
    } else if (iequals(name, "qop")) {
      set(out.qop);
    } else if (iequals(name, "algorithm")) {
      if (!has_algorithm) algorithm = v;
      has_algorithm = true;
    }
  }
  if (out.username.empty() || out.realm.empty() || out.nonce.empty() || out.uri.empty() || out.response.empty())
    return DigestError::missing_field;
  if (!has_algorithm || iequals(algorithm, "MD5")) {
    out.algorithm = DigestAlgorithm::md5;
  } else if (iequals(algorithm, "SHA-256")) {
    out.algorithm = DigestAlgorithm::sha256;
  } else {
    return DigestError::unsupported_algorithm;
  }
  if (!out.qop.empty()) {
    if (!iequals(out.qop, "auth")) return DigestError::unsupported_qop;
    out.has_qop = true;
    std::uint8_t nc[4];
    if (out.nc_text.size() != 8 || !from_hex(out.nc_text, nc) || out.cnonce.empty())
      return DigestError::bad_nonce_count;
    out.nc = (std::uint32_t{nc[0]} << 24) | (std::uint32_t{nc[1]} << 16) | (std::uint32_t{nc[2]} << 8) | nc[3];
  }
  return DigestError::ok;
}

std::string digest_ha1(DigestAlgorithm algorithm, std::string_view username, std::string_view realm,
                       std::string_view password) {
  return hash_joined(algorithm, {username, realm, password});
}

std::string digest_response(DigestAlgorithm algorithm, std::string_view ha1_hex, std::string_view method,
                            const Credentials& c) {
  const std::string ha2 = hash_joined(algorithm, {method, c.uri});
  if (c.has_qop) return hash_joined(algorithm, {ha1_hex, c.nonce, c.nc_text, c.cnonce, c.qop, ha2});
  return hash_joined(algorithm, {ha1_hex, c.nonce, ha2});
}

std::string digest_challenge(DigestAlgorithm algorithm, std::string_view realm, std::string_view nonce, bool stale) {
  std::string out = "Digest realm=\"";
  out += realm;
  out += "\", nonce=\"";
  out += nonce;
  out += "\", algorithm=";
  out += algorithm_name(algorithm);
  out += ", qop=\"auth\"";
  if (stale) out += ", stale=true";
  return out;
}

}  // namespace sipedge::registrar
