#include "proxy/reply.h"

#include "proxy/branch.h"
#include "proxy/writer.h"
#include "sip/lex.h"

namespace sipedge::proxy {

std::size_t build_reply(const sip::Message& request, const sip::Via& top_via, Endpoint source,
                        const ReplySpec& spec, std::span<char> out) noexcept {
  BoundedWriter w(out);
  w.put("SIP/2.0 ").put_uint(spec.code).put(" ").put(spec.reason).put("\r\n");

  // The top Via gets received and rport so the reply finds a NATed client
  // (RFC 3581 4); we answer to the source address regardless.
  bool top = true;
  for (const auto& via : request.values(sip::HeaderId::via)) {
    w.put("Via: ");
    if (top) {
      w.put(top_via.text.substr(0, top_via.sent_by.data() + top_via.sent_by.size() - top_via.text.data()));
      // Keep every parameter but the ones we restate.
      sip::ParamIterator params(top_via.params);
      sip::Param p;
      while (params.next(p)) {
        if (sip::lex::iequals(p.name, "received") || sip::lex::iequals(p.name, "rport")) continue;
        w.put(";").put(p.whole);
      }
      w.put(";received=").put_ipv4(source.ip).put(";rport=").put_uint(source.port);
      top = false;
    } else {
      w.put(via.text);
    }
    w.put("\r\n");
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
  w.put("Server: sipedge\r\nContent-Length: 0\r\n\r\n");
  return w.ok() ? w.size() : 0;
}

}  // namespace sipedge::proxy
