#pragma once
// ";name[=value]" parameter lists: URI parameters, Via parameters, header
// parameters of From/To/Contact. One tolerant scanner serves all three.
//
//   generic-param = token [ EQUAL gen-value ]
//   gen-value     = token / host / quoted-string
//   SEMI = SWS ";" SWS   EQUAL = SWS "=" SWS          (RFC 3261 25.1)
//
// Header-parameter whitespace may include folds (CRLF SP), which count as LWS.
#include <cstddef>
#include <string_view>

namespace sipedge::sip {

struct Param {
  std::string_view name;   // as written (compare case-insensitively)
  std::string_view value;  // raw, quotes kept; empty when absent or "name="
  bool has_value = false;  // "=" was present
  // The bytes from the name to the end of the value (rewriter anchor).
  std::string_view whole;

  // value without surrounding quotes (escapes are kept raw).
  std::string_view unquoted() const noexcept;
};

// Iterates a parameter list. `list` is what follows the element the params
// belong to, e.g. ";lr;transport=udp" (a leading ';' is optional). Stops at the
// end of the view. Not thread-hostile: it only reads the view.
class ParamIterator {
 public:
  explicit ParamIterator(std::string_view list) noexcept : rest_(list) {}
  // Fills `out` with the next parameter; false at the end or on a syntax
  // error (then error() is true).
  bool next(Param& out) noexcept;
  bool error() const noexcept { return error_; }

 private:
  std::string_view rest_;
  bool error_ = false;
};

// First parameter named `name` (case-insensitive); false when absent or the
// list is malformed before it.
bool find_param(std::string_view list, std::string_view name, Param& out) noexcept;
// True when the list is syntactically valid (every param has a token name).
bool params_valid(std::string_view list) noexcept;

}  // namespace sipedge::sip
