#include "sip/params.h"

#include "sip/lex.h"

namespace sipedge::sip {

std::string_view Param::unquoted() const noexcept {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') return value.substr(1, value.size() - 2);
  return value;
}

bool ParamIterator::next(Param& out) noexcept {
  if (error_) return false;
  std::string_view s = lex::skip_ws(rest_);
  if (s.empty()) return false;
  if (s.front() == ';') s = lex::skip_ws(s.substr(1));
  const std::size_t name_len = lex::token_length(s);
  if (name_len == 0) {
    error_ = true;
    return false;
  }
  out = Param{};
  out.name = s.substr(0, name_len);
  const char* const whole_begin = s.data();
  s = s.substr(name_len);
  std::string_view after = lex::skip_ws(s);
  const char* whole_end = s.data();
  if (!after.empty() && after.front() == '=') {
    out.has_value = true;
    std::string_view v = lex::skip_ws(after.substr(1));
    std::size_t len = 0;
    if (!v.empty() && v.front() == '"') {
      len = lex::quoted_length(v);
      if (len == std::string_view::npos) {
        error_ = true;
        return false;
      }
    } else {
      // gen-value = token / host (host may be an [IPv6] reference)
      len = lex::param_value_span(v.data(), v.size());
    }
    out.value = v.substr(0, len);
    whole_end = v.data() + len;
    after = lex::skip_ws(v.substr(len));
  }
  if (!after.empty() && after.front() != ';') {
    error_ = true;
    return false;
  }
  out.whole = std::string_view(whole_begin, static_cast<std::size_t>(whole_end - whole_begin));
  rest_ = after;
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
