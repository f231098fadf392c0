#include "sip/message.h"

#include <algorithm>
#include <cstring>

#include "sip/header_id_internal.h"
#include "sip/lex.h"
#include "sip/request_line.h"
#include "sip/scan.h"

namespace sipedge::sip {
namespace {

constexpr bool is_sp(char c) { return c == ' ' || c == '\t'; }


// Number of non-empty elements of a comma list value, stopping at `limit` + 1.
std::size_t count_elements(std::string_view value, std::size_t limit) {
  if (value.find(',') == std::string_view::npos) return lex::trim(value).empty() ? 0 : 1;
  std::size_t n = 0;
  while (!value.empty() && n <= limit)
    if (!lex::trim(lex::split_element(value)).empty()) ++n;
  return n;
}

// scheme ":" followed by URI characters; full URI syntax is checked on demand.
bool plausible_uri(std::string_view uri) {
  // The scheme's characters hold no ':', so the first byte that is none of
  // them must be the first colon.
  std::size_t colon = 0;
  while (colon < uri.size() && (lex::is(uri[colon], lex::kHost) || uri[colon] == '+')) ++colon;
  if (colon == 0 || colon == uri.size() || uri[colon] != ':' || colon + 1 == uri.size()) return false;
  return lex::uri_span(uri.data(), uri.size()) == uri.size();
}

}  // namespace

Message::Message() noexcept { std::memset(first_, kNoSlot, sizeof first_); }

ParseError Message::parse(std::string_view d, const Limits& limits) noexcept {
  kind_ = MessageKind::none;
  data_ = d.data();
  size_ = static_cast<std::uint32_t>(std::min<std::size_t>(d.size(), kMaxMessageSize + 1));
  count_ = 0;
  std::memset(first_, kNoSlot, sizeof first_);
  method_ = Method::other;
  status_ = 0;
  method_text_ = request_uri_ = version_ = reason_ = {};
  cseq_ = CSeq{};
  has_max_forwards_ = has_content_length_ = false;
  max_forwards_ = kDefaultMaxForwards;

  if (d.empty()) return ParseError::empty;
  if (d.size() > std::min(limits.max_message_size, kMaxMessageSize)) return ParseError::message_too_large;

  // RFC 3261 7.5: CRLFs before the start line are ignored.
  std::size_t pos = 0;
  while (pos + 1 < size_ && data_[pos] == '\r' && data_[pos + 1] == '\n') pos += 2;
  if (pos == size_) return ParseError::empty;
  start_ = static_cast<std::uint16_t>(pos);

  // One structural scan finds every line end and first colon of the head;
  // the start line is its first line.
  LineScanner lines(data_, size_, pos);
  const ScanLine* first = lines.next();
  const bool response = lex::istarts_with(view(pos, size_), "SIP/");
  if (first == nullptr) {
    if (!lex::is_token(data_[pos])) return ParseError::not_sip;
    return response ? ParseError::truncated_status_line : ParseError::truncated_request_line;
  }
  const std::size_t lf_off = first->lf;
  if (lf_off == pos || data_[lf_off - 1] != '\r') return ParseError::bad_line_ending;
  if (lf_off - 1 - pos > limits.max_line_length) return ParseError::line_too_long;
  start_end_ = static_cast<std::uint16_t>(lf_off - 1);

  if (auto e = parse_start_line(start_end_, limits); e != ParseError::ok) return e;
  if (auto e = parse_headers(lines, lf_off + 1, limits); e != ParseError::ok) return e;
  if (auto e = check_headers(limits); e != ParseError::ok) return e;
  if (auto e = locate_body(); e != ParseError::ok) return e;
  kind_ = response ? MessageKind::response : MessageKind::request;
  return ParseError::ok;
}

//   Request-Line = Method SP Request-URI SP SIP-Version CRLF
//   Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
// In a Request-Line exactly one SP separates the elements (RFC 3261 25,
// RFC 4475 3.1.2.9/3.1.2.10); white space inside the Request-URI is refused as
// bad_request_uri. The Status-Line stays liberal: responses are only relayed.
ParseError Message::parse_start_line(std::size_t line_end, const Limits& limits) noexcept {
  std::string_view line = view(start_, line_end);
  if (is_sp(line.front())) return ParseError::not_sip;
  auto next_word = [&line]() {
    std::size_t i = 0;
    while (i < line.size() && is_sp(line[i])) ++i;
    std::size_t j = i;
    while (j < line.size() && !is_sp(line[j])) ++j;
    const std::string_view w = line.substr(i, j - i);
    line = line.substr(j);
    return w;
  };

  if (lex::istarts_with(line, "SIP/")) {
    version_ = next_word();
    if (!lex::iequals(version_, "SIP/2.0")) return ParseError::bad_sip_version;
    const std::string_view code = next_word();
    if (code.empty()) return ParseError::truncated_status_line;
    std::uint64_t v = 0;
    if (code.size() != 3 || !lex::parse_digits(code, 699, v) || v < 100) return ParseError::bad_status_code;
    status_ = static_cast<std::uint16_t>(v);
    reason_ = lex::trim(line);
    return ParseError::ok;
  }

  // Method: a token up to the first SP/HT.
  const std::size_t mlen = lex::token_length(line);
  if (mlen == 0) return ParseError::not_sip;
  method_text_ = line.substr(0, mlen);
  line = line.substr(mlen);
  if (line.empty()) return ParseError::truncated_request_line;
  if (!is_sp(line.front())) return ParseError::bad_method;
  // Version: the last word; the Request-URI is everything in between and
  // must not contain white space ("sip:a@b ;lr SIP/2.0" is refused).
  line = lex::trim(line);
  std::size_t vstart = line.size();
  // Nearly every request line ends " SIP/2.0": then that is the last word
  // (it holds no SP/HT), without walking back over it, and the version
  // checks below hold already.
  bool exact_version = false;
  if (vstart > 8 && is_sp(line[vstart - 8]) && line.substr(vstart - 7) == "SIP/2.0") {
    vstart -= 7;
    exact_version = true;
  } else {
    while (vstart > 0 && !is_sp(line[vstart - 1])) --vstart;
  }
  if (vstart == 0) return ParseError::truncated_request_line;
  version_ = line.substr(vstart);
  request_uri_ = lex::trim(line.substr(0, vstart));
  if (!exact_version) {
    if (!lex::istarts_with(version_, "SIP/")) {
      // "INVITE sip:a@b ;lr SIP/2.0" vs "GET / HTTP/1.1"
      return request_uri_.find_first_of(" \t") != std::string_view::npos ? ParseError::bad_request_uri
                                                                         : ParseError::not_sip;
    }
    if (!lex::iequals(version_, "SIP/2.0")) return ParseError::bad_sip_version;
  }
  if (request_uri_.size() > limits.max_uri_length) return ParseError::uri_too_long;
  if (!plausible_uri(request_uri_)) return ParseError::bad_request_uri;
  if (auto e = check_request_line_spacing(view(start_, line_end), method_text_, request_uri_, version_);
      e != ParseError::ok)
    return e;
  method_ = method_from_token(method_text_);
  return ParseError::ok;
}

//   message-header = field-name HCOLON field-value CRLF
//   HCOLON = *( SP / HTAB ) ":" SWS
// A line starting with SP/HT continues the previous header (LWS, 7.3.1).
ParseError Message::parse_headers(LineScanner& lines, std::size_t pos, const Limits& limits) noexcept {
  // The loop keeps the datagram, its size and the slot count in locals: the
  // index stores (uint8_t first_/last_/next) may alias any byte, so members
  // would be reloaded after each of them.
  const char* const d = data_;
  const std::size_t size = size_;
  const std::size_t max_headers = std::min(limits.max_headers, kMaxHeaders);
  const std::size_t max_line = limits.max_line_length;
  std::size_t count = 0;
  std::uint64_t repeated = 0;  // a bit per id seen on more than one line
  for (;;) {
    if (pos >= size) return ParseError::truncated_headers;
    const char c = d[pos];
    if (static_cast<unsigned char>(c) <= ' ') {  // one test for the name-start letter every header has
      if (c == '\r') {
        if (pos + 1 < size && d[pos + 1] == '\n') {
          headers_end_ = static_cast<std::uint16_t>(pos);
          body_begin_ = static_cast<std::uint16_t>(pos + 2);
          count_ = static_cast<std::uint8_t>(count);
          repeated_ = repeated;
          return ParseError::ok;
        }
        return pos + 1 < size ? ParseError::bad_line_ending : ParseError::truncated_headers;
      }
      if (c == '\n' || is_sp(c)) return c == '\n' ? ParseError::bad_line_ending : ParseError::continuation_without_header;
    }

    const std::size_t line_begin = pos;
    const ScanLine* line = lines.next();
    if (line == nullptr) return ParseError::truncated_headers;
    std::size_t lf_off = line->lf;
    std::size_t colon = line->colon;
    if (d[lf_off - 1] != '\r') return ParseError::bad_line_ending;
    if (lf_off + 1 < size && is_sp(d[lf_off + 1])) [[unlikely]] {  // folded: the value goes on
      do {
        line = lines.next();
        if (line == nullptr) return ParseError::truncated_headers;
        lf_off = line->lf;
        if (d[lf_off - 1] != '\r') return ParseError::bad_line_ending;
        if (colon == kNoColon) colon = line->colon;
      } while (lf_off + 1 < size && is_sp(d[lf_off + 1]));
    }
    const std::size_t raw_end = lf_off - 1;  // CR of the last physical line
    if (raw_end - line_begin > max_line) return ParseError::line_too_long;

    // The name runs to the colon (less SP/HT). A known name is matched
    // exactly by the lookup; only unknown names need the token check.
    if (colon == kNoColon) return ParseError::bad_header_name;
    std::size_t name_end = colon;
    while (name_end > line_begin && is_sp(d[name_end - 1])) --name_end;
    const std::string_view name(d + line_begin, name_end - line_begin);
    const HeaderId id = header_id_from_token(name);
    if (id == HeaderId::other && (name.empty() || lex::token_length(name) != name.size())) return ParseError::bad_header_name;
    // The usual single space after the colon is skipped without the class table.
    std::size_t i = colon + 1;
    if (i < raw_end && d[i] == ' ') ++i;
    while (i < raw_end && lex::is_ws(d[i])) ++i;
    std::size_t value_end = raw_end;
    while (value_end > i && lex::is_ws(d[value_end - 1])) --value_end;

    if (count >= max_headers) return ParseError::too_many_headers;
    const auto idx = static_cast<std::size_t>(id);
    const auto slot = static_cast<std::uint8_t>(count);
    slots_[count] = Slot{static_cast<std::uint16_t>(line_begin), static_cast<std::uint16_t>(name_end),
                         static_cast<std::uint16_t>(i), static_cast<std::uint16_t>(value_end),
                         static_cast<std::uint16_t>(lf_off + 1), id, kNoSlot};
    if (first_[idx] == kNoSlot) {
      first_[idx] = slot;
    } else {
      slots_[last_[idx]].next = slot;
      repeated |= std::uint64_t{1} << idx;
    }
    last_[idx] = slot;
    ++count;
    pos = lf_off + 1;
  }
}

ParseError Message::check_headers(const Limits& limits) noexcept {
  // Single-valued headers may repeat only with the same value. Nearly
  // always none repeats at all: parse_headers() noted which ids did.
  constexpr HeaderId kSingle[] = {HeaderId::call_id, HeaderId::from,           HeaderId::to,
                                  HeaderId::cseq,    HeaderId::content_length, HeaderId::max_forwards};
  constexpr std::uint64_t kSingleBits = [](const auto& ids) {
    std::uint64_t b = 0;
    for (HeaderId id : ids) b |= std::uint64_t{1} << static_cast<unsigned>(id);
    return b;
  }(kSingle);
  if ((repeated_ & kSingleBits) != 0) {
    for (HeaderId id : kSingle) {
      if ((repeated_ >> static_cast<unsigned>(id) & 1u) == 0) continue;
      const std::uint8_t first = first_[static_cast<std::size_t>(id)];
      const std::string_view v = slot_value(slots_[first]);
      for (std::uint8_t s = slots_[first].next; s != kNoSlot; s = slots_[s].next)
        if (slot_value(slots_[s]) != v) return ParseError::duplicate_single_header;
    }
  }

  // RFC 3261 8.1.1 (requests) and 8.2.6.2 (responses); Max-Forwards may be
  // absent (many UAs omit it).
  if (!has(HeaderId::via)) return ParseError::missing_via;
  if (!has(HeaderId::from)) return ParseError::missing_from;
  if (!has(HeaderId::to)) return ParseError::missing_to;
  if (!has(HeaderId::call_id)) return ParseError::missing_call_id;
  if (!has(HeaderId::cseq)) return ParseError::missing_cseq;
  if (call_id().empty()) return ParseError::bad_call_id;

  auto cseq = parse_cseq(value(HeaderId::cseq));
  if (!cseq) return cseq.error();
  cseq_ = *cseq;
  if (!method_text_.empty() && cseq_.method_text != method_text_) return ParseError::cseq_method_mismatch;

  if (has(HeaderId::max_forwards)) {
    // parse_uint() less its trim: parse_headers() trimmed every value.
    std::uint64_t mf = 0;
    if (!lex::parse_digits(value(HeaderId::max_forwards), 255, mf)) return ParseError::bad_max_forwards;
    max_forwards_ = static_cast<std::uint32_t>(mf);
    has_max_forwards_ = true;
  }
  if (has(HeaderId::content_length)) {
    std::uint64_t cl = 0;
    if (!lex::parse_digits(value(HeaderId::content_length), 0x7FFFFFFFu, cl)) return ParseError::bad_content_length;
    has_content_length_ = true;
    body_end_ = static_cast<std::uint16_t>(std::min<std::uint64_t>(cl, 0xFFFF));  // length until locate_body()
  }

  struct ListLimit {
    HeaderId id;
    std::size_t limit;
    ParseError error;
  };
  const ListLimit lists[] = {
      {HeaderId::via, limits.max_via_values, ParseError::too_many_vias},
      {HeaderId::contact, limits.max_contact_values, ParseError::too_many_contacts},
      {HeaderId::route, limits.max_route_values, ParseError::too_many_routes},
      {HeaderId::record_route, limits.max_route_values, ParseError::too_many_routes},
  };
  for (const auto& l : lists) {
    // k non-empty elements need k bytes and k - 1 commas, so a line of
    // length len holds at most (len + 1) / 2: when the lines together cannot
    // hold more than the limit, nothing need be split.
    std::size_t bound = 0;
    for (std::uint8_t s = first_[static_cast<std::size_t>(l.id)]; s != kNoSlot; s = slots_[s].next)
      bound += (slots_[s].value_end - slots_[s].value_begin + 1u) / 2;
    if (bound <= l.limit) continue;
    std::size_t n = 0;
    for (std::uint8_t s = first_[static_cast<std::size_t>(l.id)]; s != kNoSlot; s = slots_[s].next) {
      n += count_elements(slot_value(slots_[s]), l.limit);
      if (n > l.limit) return l.error;
    }
  }
  return ParseError::ok;
}

// RFC 3261 18.3: Content-Length bytes of body; extra bytes are discarded, a
// shorter datagram is an error. Without Content-Length (UDP) the body is the
// rest of the datagram.
ParseError Message::locate_body() noexcept {
  const std::size_t available = size_ - body_begin_;
  if (!has_content_length_) {
    body_end_ = static_cast<std::uint16_t>(size_);
    return ParseError::ok;
  }
  const std::size_t length = body_end_;  // check_headers() left the length here (clamped)
  if (length > available) return ParseError::content_length_mismatch;
  body_end_ = static_cast<std::uint16_t>(body_begin_ + length);
  return ParseError::ok;
}

std::size_t Message::find(std::string_view name) const noexcept {
  const HeaderId id = header_id_from_name(name);
  if (id != HeaderId::other) return find(id);
  for (std::size_t i = 0; i < count_; ++i)
    if (lex::iequals(view(slots_[i].line_begin, slots_[i].name_end), name)) return i;
  return kNoHeader;
}

std::size_t Message::count(HeaderId id) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = find(id); i != kNoHeader; i = find_next(i)) ++n;
  return n;
}

Result<Via> Message::top_via() const noexcept {
  const std::size_t first = find(HeaderId::via);
  if (first == kNoHeader) return ParseError::header_absent;
  // Nearly always the top Via is alone on its line: without a comma the
  // line is one element, as the iterator would yield it.
  const std::string_view line = slot_value(slots_[first]);
  if (line.find(',') == std::string_view::npos) {
    const std::string_view only = lex::trim(line);
    if (!only.empty()) return parse_via(only);
  }
  const ValueIterator it(this, first);
  if (it == std::default_sentinel) return ParseError::bad_via;
  return parse_via(it->text);
}

Result<NameAddr> Message::from() const noexcept {
  if (!has(HeaderId::from)) return ParseError::header_absent;
  return parse_name_addr(value(HeaderId::from));
}

Result<NameAddr> Message::to() const noexcept {
  if (!has(HeaderId::to)) return ParseError::header_absent;
  return parse_name_addr(value(HeaderId::to));
}

std::string_view Message::to_tag() const noexcept {
  if (!may_have_tag(value(HeaderId::to))) return {};
  const auto t = to();
  return t ? t->tag : std::string_view{};
}

std::string_view Message::from_tag() const noexcept {
  if (!may_have_tag(value(HeaderId::from))) return {};
  const auto f = from();
  return f ? f->tag : std::string_view{};
}

bool Message::has_to_tag() const noexcept {
  if (!may_have_tag(value(HeaderId::to))) return false;
  const auto t = to();
  return t && t->has_tag && !t->tag.empty();
}

Result<std::uint32_t> Message::expires() const noexcept {
  if (!has(HeaderId::expires)) return ParseError::header_absent;
  const auto v = parse_uint(value(HeaderId::expires));
  if (!v) return ParseError::bad_number;
  return *v;
}

Result<std::string_view> Message::auth_username() const noexcept {
  Result<std::string_view> first = ParseError::header_absent;
  for (HeaderId id : {HeaderId::authorization, HeaderId::proxy_authorization}) {
    for (std::size_t i = find(id); i != kNoHeader; i = find_next(i)) {
      auto r = digest_username(header(i).value);
      if (r) return r;
      if (first.error() == ParseError::header_absent) first = r;
    }
  }
  return first;
}

bool Message::has_sdp() const noexcept {
  std::string_view t = content_type();
  if (t.size() < 15) return false;
  if (t.size() > 15) t = lex::trim(t.substr(0, t.find(';')));
  return lex::iequals(t, "application/sdp");
}

// ---- ValueIterator ----

ValueIterator::ValueIterator(const Message* msg, std::size_t first_index) noexcept : msg_(msg), index_(first_index) {
  if (index_ == kNoHeader) return;
  const Header h = msg_->header(index_);
  rest_ = h.value;
  split_ = is_list_header(h.id);
  pending_ = true;
  advance();
}

ValueIterator& ValueIterator::operator++() noexcept {
  advance();
  return *this;
}

void ValueIterator::advance() noexcept {
  while (index_ != kNoHeader) {
    if (pending_) {
      if (!split_) {
        pending_ = false;
        current_ = HeaderValue{rest_, index_};
        return;
      }
      while (!rest_.empty()) {
        const std::string_view e = lex::trim(lex::split_element(rest_));
        if (!e.empty()) {
          current_ = HeaderValue{e, index_};
          return;
        }
      }
      pending_ = false;
    }
    index_ = msg_->find_next(index_);
    if (index_ != kNoHeader) {
      rest_ = msg_->header(index_).value;
      pending_ = true;
    }
  }
  current_ = HeaderValue{};
}

}  // namespace sipedge::sip
