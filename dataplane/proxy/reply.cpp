#include "proxy/reply.h"

#include "proxy/branch.h"
#include "proxy/writer.h"
#include "sip/ipv6.h"
#include "sip/lex.h"

namespace sipedge::proxy {

namespace {

// The top Via gets received and rport so the reply finds a NATed client
// (RFC 3581 4); we answer to the source address regardless.
void put_top_via(BoundedWriter& w, const sip::Via& top_via, Endpoint source) noexcept {
  w.put("Via: ");
  w.put(top_via.text.substr(0, top_via.sent_by.data() + top_via.sent_by.size() - top_via.text.data()));
  // Keep every parameter but the ones we restate.
  sip::ParamIterator params(top_via.params);
  sip::Param p;
  while (params.next(p)) {
    if (sip::lex::iequals(p.name, "received") || sip::lex::iequals(p.name, "rport")) continue;
    w.put(";").put(p.whole);
  }
  w.put(";received=");
  if (source.v6)
    w.put(sip::ipv6_text(sip::Ipv6Address{source.ip6}).view());  // bare (RFC 5118 4.5)
  else
    w.put_ipv4(source.ip);
  w.put(";rport=").put_uint(source.port).put("\r\n");
}

}  // namespace

std::size_t build_reply(const sip::Message& request, const sip::Via& top_via, Endpoint source,
                        const ReplySpec& spec, std::span<char> out) noexcept {
  BoundedWriter w(out);
  w.put("SIP/2.0 ").put_uint(spec.code).put(" ").put(spec.reason).put("\r\n");
  bool top = true;
  for (const auto& via : request.values(sip::HeaderId::via)) {
    if (top) {
      put_top_via(w, top_via, source);
      top = false;
    } else {
      w.put("Via: ").put(via.text).put("\r\n");
    }
  }
  w.put("From: ").put(request.value(sip::HeaderId::from)).put("\r\n");
  w.put("To: ").put(request.value(sip::HeaderId::to));
  if (!request.has_to_tag()) w.put(";tag=").put(make_local_tag(request).view());
  w.put("\r\n");
  w.put("Call-ID: ").put(request.call_id()).put("\r\n");
  w.put("CSeq: ").put(request.value(sip::HeaderId::cseq)).put("\r\n");
  if (spec.retry_after != 0) w.put("Retry-After: ").put_uint(spec.retry_after).put("\r\n");
  // warn-agent: a pseudonym, not an address, so one text serves every VIP.
  if (!spec.warning.empty()) w.put("Warning: 399 sipedge \"").put(spec.warning).put("\"\r\n");
  if (!spec.unsupported.empty()) {
    w.put("Unsupported: ");
    for (std::size_t i = 0; i < spec.unsupported.size(); ++i) w.put(i == 0 ? "" : ", ").put(spec.unsupported[i]);
    w.put("\r\n");
  }
  w.put("Server: sipedge\r\nContent-Length: 0\r\n\r\n");
  return w.ok() ? w.size() : 0;
}

std::size_t build_too_large_reply(const sip::OversizedRequest& request, Endpoint source, std::span<char> out) noexcept {
  const auto top_via = sip::parse_via(request.top_via);
  const auto from = sip::parse_name_addr(request.from, false);
  const auto to = sip::parse_name_addr(request.to, false);
  const auto cseq = sip::parse_cseq(request.cseq);
  if (!top_via || !from || !to || !cseq) return 0;
  BoundedWriter w(out);
  w.put("SIP/2.0 513 Message Too Large\r\n");
  bool top = true;
  sip::for_each_via_line(request.head, [&](std::string_view line) {
    if (top) {
      // The first line's first element is the top Via; the rest of that
      // line stays a list of its own.
      top = false;
      put_top_via(w, *top_via, source);
      std::string_view rest = line;
      (void)sip::lex::split_element(rest);
      rest = sip::lex::trim(rest);
      if (!rest.empty()) w.put("Via: ").put(rest).put("\r\n");
    } else {
      w.put("Via: ").put(line).put("\r\n");
    }
  });
  w.put("From: ").put(request.from).put("\r\n");
  w.put("To: ").put(request.to);
  if (!to->has_tag) w.put(";tag=").put(make_local_tag(request.call_id, from->tag, cseq->number).view());
  w.put("\r\nCall-ID: ").put(request.call_id).put("\r\n");
  w.put("CSeq: ").put(request.cseq).put("\r\n");
  w.put("Server: sipedge\r\nContent-Length: 0\r\n\r\n");
  return w.ok() ? w.size() : 0;
}

}  // namespace sipedge::proxy
