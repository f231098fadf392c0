#pragma once
// RFC 3261 section 25 spacing of a Request-Line that already split into its
// three elements.
#include <string_view>

#include "sip/error.h"

namespace sipedge::sip {

// Request-Line = Method SP Request-URI SP SIP-Version CRLF, with exactly one
// SP between elements and nothing after the version (RFC 4475 3.1.2.9
// lwsstart, 3.1.2.10 trws). `line` is the whole start line without CRLF; the
// three elements are views into it. Only pointer arithmetic on what the start
// line parse already found, so the hot path pays a few compares.
ParseError check_request_line_spacing(std::string_view line, std::string_view method, std::string_view request_uri,
                                      std::string_view version) noexcept;

}  // namespace sipedge::sip
