#include "sip/request_line.h"

namespace sipedge::sip {

namespace {

// True when exactly one SP (not HT) lies between the end of `before` and the
// start of `after`.
bool single_sp_between(std::string_view before, std::string_view after) noexcept {
  const char* const gap = before.data() + before.size();
  return after.data() == gap + 1 && *gap == ' ';
}

}  // namespace

ParseError check_request_line_spacing(std::string_view line, std::string_view method, std::string_view request_uri,
                                      std::string_view version) noexcept {
  const bool starts_at_method = method.data() == line.data();
  const bool ends_at_version = version.data() + version.size() == line.data() + line.size();
  if (!starts_at_method || !ends_at_version || !single_sp_between(method, request_uri) ||
      !single_sp_between(request_uri, version))
    return ParseError::request_line_whitespace;
  return ParseError::ok;
}

}  // namespace sipedge::sip
