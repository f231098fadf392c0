// libFuzzer target for the SIP library: parse, every accessor, NAT tests and
// rewrites into a small and a large buffer.
//
//   ./fuzz_sip -dict=tests/fuzz/sip.dict tests/fuzz/corpus/sip
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "sip/sip.h"
#include "sip/strict.h"

namespace sip = sipedge::sip;

namespace {

// Touch every byte of a view so ASan sees any out-of-bounds one.
volatile unsigned g_sink;
void touch(std::string_view s) {
  unsigned x = 0;
  for (char c : s) x += static_cast<unsigned char>(c);
  g_sink = g_sink + x;
}

void check(bool cond) {
  if (!cond) std::abort();
}

void exercise_params(std::string_view list) {
  sip::ParamIterator it(list);
  sip::Param p;
  while (it.next(p)) {
    touch(p.name);
    touch(p.value);
    touch(p.whole);
    touch(p.unquoted());
  }
}

void exercise_uri(const sip::Uri& u) {
  touch(u.user);
  touch(u.password);
  touch(u.host);
  touch(u.host_with_brackets());
  touch(u.params);
  touch(u.headers);
  touch(u.opaque);
  touch(u.transport());
  touch(u.maddr());
  touch(u.alias());
  g_sink = g_sink + u.lr() + u.port_or_default();
  exercise_params(u.params);
  char buf[64];
  (void)sip::unescape(u.user, buf);
}

void exercise_name_addr(std::string_view text, bool star) {
  const auto na = sip::parse_name_addr(text, star);
  if (!na) return;
  touch(na->display_name);
  touch(na->tag);
  exercise_params(na->params);
  exercise_uri(na->uri);
  char buf[32];
  g_sink = g_sink + static_cast<unsigned>(sip::unescape_display_name(na->display_name, buf));
}

void exercise_message(const sip::Message& m) {
  touch(m.start_line());
  touch(m.method_text());
  touch(m.reason());
  touch(m.body());
  touch(m.wire());
  check(m.wire_length() <= m.datagram().size());
  g_sink = g_sink + sip::hash_bytes(m.call_id()) + sip::hash_bytes(m.request_uri());
  for (std::size_t i = 0; i < m.header_count(); ++i) {
    const sip::Header h = m.header(i);
    touch(h.line);
    check(h.value.data() >= h.line.data() && h.value.data() + h.value.size() <= h.line.data() + h.line.size());
  }
  for (std::size_t id = 0; id < sip::kHeaderIdCount; ++id)
    for (const sip::HeaderValue& v : m.values(static_cast<sip::HeaderId>(id))) touch(v.text);

  if (m.is_request()) {
    if (const auto u = m.parsed_request_uri()) exercise_uri(*u);
  }
  if (const auto via = m.top_via()) {
    touch(via->branch);
    touch(via->received);
    touch(via->response_host());
    exercise_params(via->params);
  }
  for (const sip::HeaderValue& v : m.values(sip::HeaderId::via)) {
    if (const auto via = sip::parse_via(v.text)) touch(via->sent_by);
  }
  exercise_name_addr(m.value(sip::HeaderId::from), false);
  exercise_name_addr(m.value(sip::HeaderId::to), false);
  for (sip::HeaderId id : {sip::HeaderId::contact, sip::HeaderId::route, sip::HeaderId::record_route})
    for (const sip::HeaderValue& v : m.values(id)) exercise_name_addr(v.text, id == sip::HeaderId::contact);
  touch(m.to_tag());
  touch(m.from_tag());
  g_sink = g_sink + m.is_initial_request() + m.has_sdp();
  if (const auto e = m.expires()) g_sink = g_sink + *e;
  if (const auto u = m.auth_username()) touch(*u);
  sip::SdpAddressIterator sdp(m.body());
  sip::SdpAddress a;
  while (sdp.next(a)) touch(a.address);
  const sip::NatMask bits = sip::nat_test(m, 0xC6336407u, 5060, sip::kAllNatTests);
  check((bits & ~sip::kAllNatTests) == 0);
  check(sip::nat_test(m, 0xC6336407u, 5060, 0) == 0);
}

std::vector<char> g_large(sip::kMaxMessageSize + 4096);

void apply_both(const sip::Rewriter& rw, std::size_t small_size) {
  std::vector<char> small(small_size);
  const auto s = rw.apply(small);
  if (s) {
    check(*s <= small.size());
    check(*s == rw.output_size());
  } else if (s.error() == sip::RewriteError::does_not_fit) {
    check(rw.output_size() > small.size());
  }
  const auto l = rw.apply(g_large);
  if (l) check(*l <= g_large.size());
}

// The dataplane's request path. Its output must parse again when there is
// room for the added lines and the size/line limits cannot be crossed.
void rewrite_request(const sip::Message& m, std::size_t small_size, bool compact) {
  sip::Rewriter rw(m);
  if (rw.set_top_via_received(0xC6336407u) != sip::RewriteError::ok) return;  // no valid top Via
  check(rw.set_top_via_rport(40000) == sip::RewriteError::ok);
  constexpr std::string_view kOwnVia = "SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKfuzz";
  check(rw.insert_header_before(sip::HeaderId::via, sip::HeaderId::via, kOwnVia) == sip::RewriteError::ok);
  check(rw.insert_header_before(sip::HeaderId::record_route, sip::HeaderId::record_route, "<sip:203.0.113.1;lr>") ==
        sip::RewriteError::ok);
  const bool set_mf = m.count(sip::HeaderId::max_forwards) <= 1;
  if (set_mf) check(rw.set_max_forwards(m.max_forwards() > 0 ? m.max_forwards() - 1 : 0) == sip::RewriteError::ok);
  rw.use_compact_names(compact);
  apply_both(rw, small_size);

  const auto n = rw.apply(g_large);
  check(static_cast<bool>(n));
  sip::Limits relaxed;
  relaxed.max_line_length = sip::kMaxMessageSize;
  relaxed.max_uri_length = sip::kMaxMessageSize;
  relaxed.max_via_values = relaxed.max_contact_values = relaxed.max_route_values = sip::kMaxMessageSize;
  if (*n > sip::kMaxMessageSize || m.header_count() + 4 > sip::kMaxHeaders) return;
  sip::Message out;
  const sip::ParseError e = out.parse(std::string_view(g_large.data(), *n), relaxed);
  if (e != sip::ParseError::ok) {
    std::fprintf(stderr, "rewrite output does not parse: %.*s\n", static_cast<int>(sip::parse_error_name(e).size()),
                 sip::parse_error_name(e).data());
    std::abort();
  }
  check(out.call_id() == m.call_id());
  check(out.body() == m.body());
  const auto top = out.top_via();
  check(top && top->branch == "z9hG4bKfuzz");
  if (set_mf) check(out.max_forwards() == (m.max_forwards() > 0 ? m.max_forwards() - 1 : 0));
}

// The response path and assorted edits: exercised only.
void rewrite_misc(const sip::Message& m, std::size_t small_size) {
  sip::Rewriter rw(m);
  (void)rw.remove_first_value(sip::HeaderId::via);
  (void)rw.remove_first_value(sip::HeaderId::route);
  if (m.header_count() > 2) (void)rw.remove_header(m.header_count() - 1);
  (void)rw.replace_request_uri("sip:x@198.51.100.1:5070");
  (void)rw.append_header(sip::HeaderId::user_agent, "fuzz");
  (void)rw.insert_header_at(0, "X-Fuzz", "1");
  (void)rw.set_top_via_param("alias", "", false);
  rw.use_compact_names(small_size % 2 == 0);
  apply_both(rw, small_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Copy into an exact-size heap block so any over-read hits a redzone.
  std::vector<char> buf(data, data + size);
  const std::string_view text(buf.data(), buf.size());

  // The strictness check's SIMD pass and its reference walk, on the input
  // taken as one header value.
  for (const bool list : {false, true}) {
    const sip::ParseError want = sip::strict_detail::check_separators_reference(text, list);
    check(sip::strict_detail::check_separators(text, list) == want);
    for (const auto& variant : sip::strict_detail::separator_variants()) check(variant.check(text, list) == want);
  }

  sip::Limits tight;
  tight.max_headers = 8;
  tight.max_line_length = 128;
  tight.max_uri_length = 32;
  tight.max_via_values = tight.max_contact_values = tight.max_route_values = 2;
  sip::Message m;
  touch(sip::parse_error_name(m.parse(text, tight)));

  const sip::ParseError e = m.parse(text);
  touch(sip::parse_error_name(e));
  if (e != sip::ParseError::ok) {
    check(!m.valid());
    return 0;
  }
  exercise_message(m);
  if (m.is_request()) {
    const sip::ParseError want = sip::strict_detail::check_message_separators_reference(m);
    for (const auto& variant : sip::strict_detail::separator_variants()) check(variant.check_message(m) == want);
    touch(sip::parse_error_name(sip::check_request_strictness(m)));
  }
  const std::size_t small_size = size == 0 ? 0 : data[0] % 256;
  rewrite_request(m, small_size, false);
  rewrite_request(m, small_size, true);
  rewrite_misc(m, small_size);
  return 0;
}
