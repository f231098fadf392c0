#include "sip_builder.h"

namespace sipedge::loadgen {

namespace {

void write_via(TextWriter& w, const UacParty& party, CallKey key, Transaction transaction) {
  // The magic cookie, then what makes the branch unique: call, generation, transaction.
  w << "Via: SIP/2.0/UDP " << party.local_host << ':' << party.local_port << ";branch=z9hG4bK-";
  w.hex(key.slot) << '.';
  w.hex(key.generation) << '.' << static_cast<char>(transaction) << "\r\n";
}

void write_from(TextWriter& w, const UacParty& party, CallKey key) {
  w << "From: <sip:loadgen@" << party.local_host << ':' << party.local_port << ">;tag=";
  w.hex(key.slot) << 'x';
  w.hex(key.generation) << "\r\n";
}

void write_call_id_line(TextWriter& w, const UacParty& party, CallKey key) {
  w << "Call-ID: ";
  write_call_id(w, key, party.session, party.local_host);
  w << "\r\n";
}

void write_contact(TextWriter& w, const UacParty& party) {
  w << "Contact: <sip:loadgen@" << party.local_host << ':' << party.local_port << ">\r\n";
}

void write_invite_uri(TextWriter& w, const UacParty& party) {
  w << "sip:" << party.user << '@' << party.target;
}

bool build_in_dialog(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& ok, std::string_view method,
                     std::uint32_t cseq, Transaction transaction) {
  if (ok.contact_uri.empty() || ok.to_tag.empty()) return false;
  w << method << ' ' << ok.contact_uri << " SIP/2.0\r\n";
  write_via(w, party, key, transaction);
  write_from(w, party, key);
  w << "To: " << ok.to << "\r\n";
  write_call_id_line(w, party, key);
  w << "CSeq: " << cseq << ' ' << method << "\r\n";
  if (ok.record_routes.count > 0) {
    w << "Route: ";
    for (std::size_t i = ok.record_routes.count; i-- > 0;) {
      w << ok.record_routes[i] << (i > 0 ? ", " : "\r\n");
    }
  }
  write_contact(w, party);
  w << "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  return w.ok();
}

}  // namespace

bool build_invite(TextWriter& w, const UacParty& party, CallKey key) {
  w << "INVITE ";
  write_invite_uri(w, party);
  w << " SIP/2.0\r\n";
  write_via(w, party, key, Transaction::kInvite);
  write_from(w, party, key);
  w << "To: <";
  write_invite_uri(w, party);
  w << ">\r\n";
  write_call_id_line(w, party, key);
  w << "CSeq: 1 INVITE\r\n";
  write_contact(w, party);
  w << "Max-Forwards: 70\r\nSubject: sipedge loadgen\r\nContent-Type: application/sdp\r\nContent-Length: "
    << static_cast<std::uint64_t>(party.sdp.size()) << "\r\n\r\n"
    << party.sdp;
  return w.ok();
}

bool build_ack_for_2xx(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& ok) {
  return build_in_dialog(w, party, key, ok, "ACK", 1, Transaction::kAck);
}

bool build_bye(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& ok) {
  return build_in_dialog(w, party, key, ok, "BYE", 2, Transaction::kBye);
}

bool build_ack_for_failure(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& response) {
  w << "ACK ";
  write_invite_uri(w, party);
  w << " SIP/2.0\r\n";
  write_via(w, party, key, Transaction::kInvite);
  write_from(w, party, key);
  w << "To: " << response.to << "\r\n";
  write_call_id_line(w, party, key);
  w << "CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  return w.ok();
}

bool build_response(TextWriter& w, const SipMessage& request, std::uint32_t code, std::string_view reason,
                    std::string_view to_tag, const UasParty& party) {
  const bool invite = request.method == "INVITE";
  const bool dialog_forming = invite && code > 100 && code < 300;
  const bool with_sdp = invite && code >= 200 && code < 300;
  w << "SIP/2.0 " << code << ' ' << reason << "\r\n";
  for (std::size_t i = 0; i < request.vias.count; ++i) w << "Via: " << request.vias[i] << "\r\n";
  w << "From: " << request.from << "\r\n";
  w << "To: " << request.to;
  if (request.to_tag.empty() && !to_tag.empty()) w << ";tag=" << to_tag;
  w << "\r\nCall-ID: " << request.call_id << "\r\n";
  w << "CSeq: " << request.cseq << ' ' << request.cseq_method << "\r\n";
  if (dialog_forming) {
    for (std::size_t i = 0; i < request.record_routes.count; ++i) {
      w << "Record-Route: " << request.record_routes[i] << "\r\n";
    }
    w << "Contact: <" << party.contact_uri << ">\r\n";
  }
  if (with_sdp) {
    w << "Content-Type: application/sdp\r\nContent-Length: " << static_cast<std::uint64_t>(party.sdp.size())
      << "\r\n\r\n"
      << party.sdp;
  } else {
    w << "Content-Length: 0\r\n\r\n";
  }
  return w.ok();
}

}  // namespace sipedge::loadgen
