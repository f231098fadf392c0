#include "sip_message.h"

#include <charconv>

namespace sipedge::loadgen {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Next line without its CRLF or LF; advances `rest`. False at the end.
bool next_line(std::string_view& rest, std::string_view& line) {
  if (rest.empty()) return false;
  const std::size_t lf = rest.find('\n');
  if (lf == std::string_view::npos) {
    line = rest;
    rest = {};
  } else {
    line = rest.substr(0, lf);
    rest.remove_prefix(lf + 1);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

// Splits a header value on the commas that separate its entries, skipping
// commas inside <...> and quoted strings (RFC 3261 7.3.1).
template <std::size_t N>
bool push_comma_separated(std::string_view value, ValueList<N>& out) {
  bool quoted = false;
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    const char c = i < value.size() ? value[i] : ',';
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '<') ++angle;
    else if (c == '>') --angle;
    else if (c == ',' && angle == 0) {
      const std::string_view entry = trim(value.substr(start, i - start));
      if (!entry.empty() && !out.push(entry)) return false;
      start = i + 1;
    }
  }
  return true;
}

std::size_t count_comma_separated(std::string_view value) {
  ValueList<64> entries;
  push_comma_separated(value, entries);
  return entries.count;
}

std::string_view uri_of(std::string_view value) {
  const std::size_t open = value.find('<');
  if (open != std::string_view::npos) {
    const std::size_t close = value.find('>', open);
    if (close == std::string_view::npos) return {};
    return value.substr(open + 1, close - open - 1);
  }
  return trim(value.substr(0, value.find(';')));
}

enum class Header { kOther, kVia, kCallId, kCSeq, kFrom, kTo, kContact, kRecordRoute, kRoute, kContentLength };

Header header_of(std::string_view name) {
  if (name.size() == 1) {
    switch (lower(name[0])) {
      case 'v': return Header::kVia;
      case 'i': return Header::kCallId;
      case 'f': return Header::kFrom;
      case 't': return Header::kTo;
      case 'm': return Header::kContact;
      case 'l': return Header::kContentLength;
      default: return Header::kOther;
    }
  }
  if (iequals(name, "via")) return Header::kVia;
  if (iequals(name, "call-id")) return Header::kCallId;
  if (iequals(name, "cseq")) return Header::kCSeq;
  if (iequals(name, "from")) return Header::kFrom;
  if (iequals(name, "to")) return Header::kTo;
  if (iequals(name, "contact")) return Header::kContact;
  if (iequals(name, "record-route")) return Header::kRecordRoute;
  if (iequals(name, "route")) return Header::kRoute;
  if (iequals(name, "content-length")) return Header::kContentLength;
  return Header::kOther;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// Request-Line = Method SP Request-URI SP SIP-Version
// Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase
bool parse_start_line(std::string_view line, SipMessage& out) {
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  if (line.substr(0, sp1) == "SIP/2.0") {
    out.is_response = true;
    const std::string_view rest = line.substr(sp1 + 1);
    const std::size_t sp2 = rest.find(' ');
    const std::string_view code = rest.substr(0, sp2);
    if (code.size() != 3 || !parse_number(code, out.status) || out.status < 100) return false;
    out.reason = sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
    return true;
  }
  out.method = line.substr(0, sp1);
  const std::string_view rest = line.substr(sp1 + 1);
  const std::size_t sp2 = rest.find(' ');
  if (sp2 == std::string_view::npos || sp2 == 0 || rest.substr(sp2 + 1) != "SIP/2.0") return false;
  out.request_uri = rest.substr(0, sp2);
  return true;
}

}  // namespace

std::string_view parse_error_name(ParseError error) {
  switch (error) {
    case ParseError::kNone: return "none";
    case ParseError::kBadStartLine: return "bad_start_line";
    case ParseError::kBadHeader: return "bad_header";
    case ParseError::kTooManyHeaders: return "too_many_headers";
    case ParseError::kMissingHeader: return "missing_header";
    case ParseError::kBadCSeq: return "bad_cseq";
    case ParseError::kBadContentLength: return "bad_content_length";
  }
  return "unknown";
}

std::string_view header_param(std::string_view value, std::string_view name) {
  // Parameters start after the closing '>' of a name-addr, else after the URI.
  const std::size_t close = value.find('>');
  std::string_view params = close == std::string_view::npos ? value : value.substr(close + 1);
  std::size_t semi = params.find(';');
  while (semi != std::string_view::npos) {
    params.remove_prefix(semi + 1);
    semi = params.find(';');
    std::string_view param = trim(params.substr(0, semi));
    const std::size_t eq = param.find('=');
    if (iequals(trim(param.substr(0, eq)), name)) {
      return eq == std::string_view::npos ? std::string_view{} : trim(param.substr(eq + 1));
    }
  }
  return {};
}

ParseError parse_message(std::string_view bytes, SipMessage& out) {
  out = SipMessage{};
  std::string_view rest = bytes;
  std::string_view line;
  // RFC 3261 7.5: empty lines before the start line are ignored.
  do {
    if (!next_line(rest, line)) return ParseError::kBadStartLine;
  } while (line.empty());
  if (!parse_start_line(line, out)) return ParseError::kBadStartLine;

  bool have_cseq = false;
  bool have_length = false;
  std::size_t content_length = 0;
  bool ended = false;
  while (next_line(rest, line)) {
    if (line.empty()) {
      ended = true;
      break;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return ParseError::kBadHeader;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name.empty()) return ParseError::kBadHeader;
    switch (header_of(name)) {
      case Header::kVia:
        if (!out.vias.push(value)) return ParseError::kTooManyHeaders;
        break;
      case Header::kCallId: out.call_id = value; break;
      case Header::kCSeq: {
        const std::size_t sp = value.find(' ');
        if (sp == std::string_view::npos || !parse_number(value.substr(0, sp), out.cseq)) return ParseError::kBadCSeq;
        out.cseq_method = trim(value.substr(sp + 1));
        if (out.cseq_method.empty()) return ParseError::kBadCSeq;
        have_cseq = true;
        break;
      }
      case Header::kFrom: out.from = value; break;
      case Header::kTo:
        out.to = value;
        out.to_tag = header_param(value, "tag");
        break;
      case Header::kContact:
        if (out.contact_uri.empty()) {
          ValueList<1> first;
          push_comma_separated(value, first);
          if (first.count == 1) out.contact_uri = uri_of(first[0]);
        }
        break;
      case Header::kRecordRoute:
        if (!push_comma_separated(value, out.record_routes)) return ParseError::kTooManyHeaders;
        break;
      case Header::kRoute: out.routes += count_comma_separated(value); break;
      case Header::kContentLength:
        if (!parse_number(value, content_length)) return ParseError::kBadContentLength;
        have_length = true;
        break;
      case Header::kOther: break;
    }
  }
  if (out.call_id.empty() || !have_cseq || out.from.empty() || out.to.empty() || out.vias.count == 0) {
    return ParseError::kMissingHeader;
  }
  if (!ended) rest = {};
  if (have_length) {
    if (content_length > rest.size()) return ParseError::kBadContentLength;
    out.body = rest.substr(0, content_length);
  } else {
    out.body = rest;  // RFC 3261 18.3: over UDP the body runs to the end of the datagram
  }
  return ParseError::kNone;
}

}  // namespace sipedge::loadgen
