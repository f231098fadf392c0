#include "sip/params.h"

#include "sip/lex.h"

namespace sipedge::sip {

std::string_view Param::unquoted() const noexcept {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') return value.substr(1, value.size() - 2);
  return value;
}

// Pointer walk over rest_: every step is bounded by `end`, and no substr()
// range checks on the way (this runs for every parameter of every Via, URI
// and name-addr the fast path looks at).
bool ParamIterator::next(Param& out) noexcept {
  if (error_) return false;
  const char* p = rest_.data();
  const char* const end = p + rest_.size();
  auto skip_ws = [end](const char* q) {
    while (q != end && lex::is_ws(*q)) ++q;
    return q;
  };
  auto span = [](const char* b, const char* e) { return std::string_view(b, static_cast<std::size_t>(e - b)); };
  p = skip_ws(p);
  if (p == end) return false;
  if (*p == ';') p = skip_ws(p + 1);
  const char* const name_begin = p;
  while (p != end && lex::is_token(*p)) ++p;
  if (p == name_begin) {
    error_ = true;
    return false;
  }
  out.name = span(name_begin, p);
  out.value = {};
  out.has_value = false;
  const char* whole_end = p;
  const char* after = skip_ws(p);
  if (after != end && *after == '=') {
    out.has_value = true;
    const char* const v = skip_ws(after + 1);
    std::size_t len = 0;
    if (v != end && *v == '"') {
      len = lex::quoted_length(span(v, end));
      if (len == std::string_view::npos) {
        error_ = true;
        return false;
      }
    } else {
      // gen-value = token / host (host may be an [IPv6] reference)
      len = lex::param_value_span(v, static_cast<std::size_t>(end - v));
    }
    out.value = std::string_view(v, len);
    whole_end = v + len;
    after = skip_ws(whole_end);
  }
  if (after != end && *after != ';') {
    error_ = true;
    return false;
  }
  out.whole = span(name_begin, whole_end);
  rest_ = span(after, end);
  return true;
}

bool find_param(std::string_view list, std::string_view name, Param& out) noexcept {
  ParamIterator it(list);
  Param p;
  while (it.next(p)) {
    if (lex::iequals(p.name, name)) {
      out = p;
      return true;
    }
  }
  return false;
}

bool params_valid(std::string_view list) noexcept {
  ParamIterator it(list);
  Param p;
  while (it.next(p)) {
  }
  return !it.error();
}

}  // namespace sipedge::sip
