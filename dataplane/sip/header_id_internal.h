#pragma once
// Internal: header name lookup for names already known to be tokens.
#include <string_view>

#include "sip/header_id.h"

namespace sipedge::sip {

// header_id_from_name() without the token check: any bytes, but only an
// exact (case-insensitive) known name yields an id, so a caller need check
// only the names that come back HeaderId::other.
HeaderId header_id_from_token(std::string_view name) noexcept;

}  // namespace sipedge::sip
