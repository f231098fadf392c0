// The messages the loadgen sends, written into fixed buffers (TextWriter):
// the UAC's INVITE, its ACKs and BYE (RFC 3261 13.2.1, 12.2.1.1, 17.1.1.3)
// and the UAS's responses (8.2.6, 12.1.1). No allocation: everything comes
// from the call's key, the received message and constant per-role text.
//
// Each builder returns false if the message did not fit or the received
// message lacks what it needs (a 2xx without Contact).
#pragma once

#include <cstdint>
#include <string_view>

#include "call_key.h"
#include "sip_message.h"
#include "text_writer.h"

namespace sipedge::loadgen {

// What a UAC puts in every request.
struct UacParty {
  std::string_view local_host;  // Via sent-by, From, Contact, Call-ID host
  std::uint32_t local_port = 5060;
  std::string_view target;      // host[:port] of the R-URI of the INVITE (the edge)
  std::string_view user;        // user part of the INVITE's R-URI
  std::uint32_t session = 0;    // written into the Call-ID (call_key.h)
  std::string_view sdp;         // INVITE body
};

// The transaction a branch belongs to, so one call's branches differ.
enum class Transaction : char { kInvite = 'i', kAck = 'a', kBye = 'b' };

bool build_invite(TextWriter& w, const UacParty& party, CallKey key);

// ACK for a 2xx and BYE: in-dialog requests from the 200 OK, R-URI = its
// Contact, Route = its Record-Route entries reversed (12.1.2), To with tag.
bool build_ack_for_2xx(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& ok);
bool build_bye(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& ok);

// ACK for a non-2xx final response: same R-URI and branch as the INVITE, the
// response's To (17.1.1.3). Hop by hop, so no Route.
bool build_ack_for_failure(TextWriter& w, const UacParty& party, CallKey key, const SipMessage& response);

// What a UAS puts in its responses.
struct UasParty {
  std::string_view contact_uri;  // "sip:198.51.100.21:5060"
  std::string_view sdp;          // 200 OK to INVITE body
};

// A response to `request` as a UAS builds it (8.2.6.2): every Via, From, To
// (with `to_tag` added when the request's To has none and `to_tag` is not
// empty), Call-ID, CSeq; for 101-299 to an INVITE also Record-Route (12.1.1)
// and Contact, and for 2xx to an INVITE the SDP.
bool build_response(TextWriter& w, const SipMessage& request, std::uint32_t code, std::string_view reason,
                    std::string_view to_tag, const UasParty& party);

}  // namespace sipedge::loadgen
