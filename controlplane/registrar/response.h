#pragma once
// Builds a SIP response to a request (RFC 3261 8.2.6): status line, the
// request's Via values (the top one with received/rport added per RFC 3581
// when the packet's source differs from its sent-by), From, To (a To tag is
// added when the request has none: derived from Call-ID and From tag, so a
// retransmitted request gets the same tag), Call-ID, CSeq, then the headers the
// caller adds, then Server, Date and Content-Length: 0.
//
// Cold path: builds a std::string. Thread-safety: a builder is used by one
// thread; it keeps views into the request, which must outlive it.
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message.h"
#include "store/binding.h"

namespace sipedge::registrar {

class ResponseBuilder {
 public:
  // `request` must be a valid parsed request; `source` is where it came from.
  ResponseBuilder(const sip::Message& request, const store::Endpoint& source, std::uint16_t status,
                  std::string_view reason);

  // Appends "name: value\r\n".
  ResponseBuilder& header(std::string_view name, std::string_view value);
  // Appends a raw, already terminated line (or lines).
  ResponseBuilder& raw(std::string_view lines);

  // Adds Server (when not empty), Date (when now_ms > 0: RFC 1123 form in
  // GMT), Content-Length: 0 and the empty line; returns the datagram.
  std::string finish(std::string_view server, std::int64_t now_ms);

 private:
  std::string text_;
};

// Whether the Via's sent-by host is the address of `source` (same family,
// same address; the port is not compared). A host name is never equal.
bool via_host_is(const sip::Via& via, const store::Endpoint& source);

// RFC 1123 date as in SIP's Date header: "Sat, 13 Nov 2010 23:29:00 GMT".
std::string sip_date(std::int64_t unix_ms);

}  // namespace sipedge::registrar
