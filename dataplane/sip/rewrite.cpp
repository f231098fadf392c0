#include "sip/rewrite.h"

#include <cstring>

#include "sip/copy.h"
#include "sip/ipv4.h"
#include "sip/ipv6.h"
#include "sip/lex.h"

namespace sipedge::sip {
namespace {

constexpr std::string_view kCrlf = "\r\n";

detail::Piece piece(std::string_view s) { return {s.data(), static_cast<std::uint32_t>(s.size())}; }
std::string_view view(detail::Piece p) { return {p.data, p.size}; }
constexpr std::string_view kColon = ": ";

// Decimal digits of v into buf (10 chars suffice); returns the view.
std::string_view format_uint(std::uint32_t v, char (&buf)[10]) {
  std::size_t n = sizeof buf;
  do {
    buf[--n] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return {buf + n, sizeof buf - n};
}

struct CountSink {
  std::size_t n = 0;
  bool put(std::string_view s) noexcept {
    n += s.size();
    return true;
  }
};

struct WriteSink {
  std::span<char> out;
  std::size_t n = 0;
  bool put(std::string_view s) noexcept {
    if (s.size() > out.size() - n) return false;
    copy_bytes(out.data() + n, s.data(), s.size());
    n += s.size();
    return true;
  }
};

}  // namespace

bool Rewriter::store(std::initializer_list<std::string_view> parts, std::string_view& out) noexcept {
  std::size_t total = 0;
  for (std::string_view p : parts) total += p.size();
  if (total > kScratchSize - scratch_used_) return false;
  char* const begin = scratch_ + scratch_used_;
  for (std::string_view p : parts) {
    if (!p.empty()) std::memcpy(scratch_ + scratch_used_, p.data(), p.size());
    scratch_used_ += p.size();
  }
  out = std::string_view(begin, total);
  return true;
}

RewriteError Rewriter::add(const Edit& e) noexcept {
  if (count_ >= kMaxEdits) return RewriteError::too_many_edits;
  edits_[count_] = e;
  edits_[count_].seq = static_cast<std::uint16_t>(count_);
  added_ += e.text[0].size + e.text[1].size;
  if (e.header_line) added_ += (e.name.size == 0 ? header_name(e.id).size() : e.name.size) + kColon.size() + kCrlf.size();
  sorted_ = false;
  ++count_;
  return RewriteError::ok;
}

RewriteError Rewriter::add_header_line(std::size_t at, HeaderId id, std::string_view name, std::string_view value,
                                       std::string_view value_tail) noexcept {
  Edit e{};
  e.begin = e.end = static_cast<std::uint32_t>(at);
  e.header_line = true;
  e.id = id;
  e.name = piece(name);
  e.text[0] = piece(value);
  e.text[1] = piece(value_tail);
  return add(e);
}

RewriteError Rewriter::prepend_header(HeaderId id, std::string_view value) noexcept {
  const std::size_t at = msg_.header_count() > 0 ? msg_.offset_of(msg_.header(0).line) : msg_.headers_end();
  return add_header_line(at, id, {}, value);
}

RewriteError Rewriter::insert_header_before(HeaderId anchor, HeaderId id, std::string_view value) noexcept {
  const std::size_t i = msg_.find(anchor);
  if (i == kNoHeader) return prepend_header(id, value);
  return add_header_line(msg_.offset_of(msg_.header(i).line), id, {}, value);
}

RewriteError Rewriter::insert_header_before(HeaderId anchor, HeaderId id, std::string_view value,
                                            std::string_view value_tail) noexcept {
  const std::size_t i = msg_.find(anchor);
  const std::size_t at = i != kNoHeader                ? msg_.offset_of(msg_.header(i).line)
                         : msg_.header_count() > 0 ? msg_.offset_of(msg_.header(0).line)
                                                   : msg_.headers_end();
  return add_header_line(at, id, {}, value, value_tail);
}

RewriteError Rewriter::insert_header_at(std::size_t index, std::string_view name, std::string_view value) noexcept {
  if (index >= msg_.header_count()) return RewriteError::no_such_header;
  return add_header_line(msg_.offset_of(msg_.header(index).line), HeaderId::other, name, value);
}

RewriteError Rewriter::append_header(HeaderId id, std::string_view value) noexcept {
  return add_header_line(msg_.headers_end(), id, {}, value);
}

RewriteError Rewriter::remove_header(std::size_t index) noexcept {
  if (index >= msg_.header_count()) return RewriteError::no_such_header;
  const std::string_view line = msg_.header(index).line;
  Edit e{};
  e.begin = static_cast<std::uint32_t>(msg_.offset_of(line));
  e.end = static_cast<std::uint32_t>(e.begin + line.size());
  return add(e);
}

RewriteError Rewriter::remove_value(const HeaderValue& value) noexcept {
  if (value.header_index >= msg_.header_count()) return RewriteError::no_such_header;
  const Header h = msg_.header(value.header_index);
  if (!is_list_header(h.id)) return remove_header(value.header_index);
  // A line with no comma holds one element at most (what the split below
  // would find): it goes whole, without splitting.
  if (h.value.find(',') == std::string_view::npos) {
    const std::string_view only = lex::trim(h.value);
    if (only.empty() || only.data() != value.text.data()) return RewriteError::no_such_header;
    return remove_header(value.header_index);
  }

  // Find the element and its non-empty neighbours on this line.
  std::string_view rest = h.value;
  std::string_view prev, target, next;
  std::size_t elements = 0;
  while (!rest.empty()) {
    const std::string_view e = lex::trim(lex::split_element(rest));
    if (e.empty()) continue;
    ++elements;
    if (!target.empty()) {
      if (next.empty()) next = e;
    } else if (e.data() == value.text.data()) {
      target = e;
    } else {
      prev = e;
    }
  }
  if (target.empty()) return RewriteError::no_such_header;
  if (elements == 1) return remove_header(value.header_index);
  Edit e{};
  if (prev.empty()) {  // first: drop "a, " up to the next element
    e.begin = static_cast<std::uint32_t>(msg_.offset_of(target));
    e.end = static_cast<std::uint32_t>(msg_.offset_of(next));
  } else {  // later: drop ", b" from the end of the previous element
    e.begin = static_cast<std::uint32_t>(msg_.offset_of(prev) + prev.size());
    e.end = static_cast<std::uint32_t>(msg_.offset_of(target) + target.size());
  }
  return add(e);
}

RewriteError Rewriter::remove_values(const HeaderValue& first, const HeaderValue& last) noexcept {
  if (first.header_index != last.header_index || first.header_index >= msg_.header_count())
    return RewriteError::no_such_header;
  if (first.text.data() == last.text.data()) return remove_value(first);
  const Header h = msg_.header(first.header_index);
  if (!is_list_header(h.id) || last.text.data() < first.text.data()) return RewriteError::no_such_header;
  std::string_view rest = h.value;
  std::string_view prev, begin, end, next;
  while (!rest.empty()) {
    const std::string_view e = lex::trim(lex::split_element(rest));
    if (e.empty()) continue;
    if (!end.empty()) {
      if (next.empty()) next = e;
    } else if (!begin.empty()) {
      if (e.data() == last.text.data()) end = e;
    } else if (e.data() == first.text.data()) {
      begin = e;
    } else {
      prev = e;
    }
  }
  if (begin.empty() || end.empty()) return RewriteError::no_such_header;
  if (prev.empty() && next.empty()) return remove_header(first.header_index);
  Edit e{};
  if (prev.empty()) {  // leading: drop "a, b, " up to the next element
    e.begin = static_cast<std::uint32_t>(msg_.offset_of(begin));
    e.end = static_cast<std::uint32_t>(msg_.offset_of(next));
  } else {  // later: drop ", a, b" from the end of the previous element
    e.begin = static_cast<std::uint32_t>(msg_.offset_of(prev) + prev.size());
    e.end = static_cast<std::uint32_t>(msg_.offset_of(end) + end.size());
  }
  return add(e);
}

RewriteError Rewriter::remove_first_value(HeaderId id) noexcept {
  // The first value alone on its line (no comma, not empty): the whole line,
  // which is what remove_value() does with that element.
  if (const std::size_t first = msg_.find(id); first != kNoHeader && is_list_header(id)) {
    const std::string_view value = msg_.header(first).value;
    if (value.find(',') == std::string_view::npos && !lex::trim(value).empty()) return remove_header(first);
  }
  const ValueRange values = msg_.values(id);
  if (values.empty()) return RewriteError::no_such_header;
  return remove_value(values.front());
}

const Via* Rewriter::top_via() noexcept {
  if (!top_known_) {
    top_via_.emplace(msg_.top_via());
    top_ = *top_via_ ? &top_via_->value() : nullptr;
    top_known_ = true;
  }
  return top_;
}

RewriteError Rewriter::set_top_via_param(std::string_view name, std::string_view value, bool with_value) noexcept {
  const Via* via = top_via();
  if (via == nullptr) return RewriteError::no_such_header;
  Param p;
  bool found;
  if (lex::iequals(name, "received")) {  // the fast path's params: already located by parse_via
    found = via->has_received;
    p = via->received_param;
  } else if (lex::iequals(name, "rport")) {
    found = via->has_rport;
    p = via->rport_param;
  } else {
    found = via->param(name, p);
  }
  std::string_view prefix;
  if (!found && !store({";", name, with_value ? std::string_view("=") : std::string_view()}, prefix))
    return RewriteError::scratch_full;
  return edit_via_param(*via, found ? &p : nullptr, prefix, value, with_value);
}

RewriteError Rewriter::edit_via_param(const Via& via, const Param* found, std::string_view appended_prefix,
                                      std::string_view value, bool with_value) noexcept {
  Edit e{};
  if (found != nullptr) {
    const Param& p = *found;
    if (!with_value) return RewriteError::ok;
    if (p.has_value) {  // replace the value
      e.begin = static_cast<std::uint32_t>(msg_.offset_of(p.value));
      e.end = static_cast<std::uint32_t>(e.begin + p.value.size());
      e.text[0] = piece(value);
      return add(e);
    }
    // valueless ("rport"): insert "=value" right after the name, ahead of any
    // parameter appended at the same offset.
    e.begin = e.end = static_cast<std::uint32_t>(msg_.offset_of(p.name) + p.name.size());
    e.completes_token = true;
    e.text[0] = piece("=");
    e.text[1] = piece(value);
    return add(e);
  }
  e.begin = e.end = static_cast<std::uint32_t>(msg_.offset_of(via.text) + via.text.size());
  e.text[0] = piece(appended_prefix);
  if (with_value) e.text[1] = piece(value);
  return add(e);
}

RewriteError Rewriter::set_top_via_received(std::uint32_t ipv4) noexcept {
  const Ipv4Text t = ipv4_text(ipv4);
  std::string_view stored;
  if (!store({t.view()}, stored)) return RewriteError::scratch_full;
  return set_top_via_received(stored);
}

// RFC 3261 25.1 writes received as a bare IPv6address, no brackets (RFC
// 5118 4.5).
RewriteError Rewriter::set_top_via_received(const Ipv6Address& ipv6) noexcept {
  const Ipv6Text t = ipv6_text(ipv6);
  std::string_view stored;
  if (!store({t.view()}, stored)) return RewriteError::scratch_full;
  return set_top_via_received(stored);
}

// received and rport were located by parse_via: no lookup by name, and the
// appended prefix is a constant.
RewriteError Rewriter::set_top_via_received(std::string_view host) noexcept {
  const Via* via = top_via();
  if (via == nullptr) return RewriteError::no_such_header;
  return edit_via_param(*via, via->has_received ? &via->received_param : nullptr, ";received=", host, true);
}

RewriteError Rewriter::set_top_via_rport(std::uint16_t port) noexcept {
  char buf[10];
  std::string_view stored;
  if (!store({format_uint(port, buf)}, stored)) return RewriteError::scratch_full;
  const Via* via = top_via();
  if (via == nullptr) return RewriteError::no_such_header;
  return edit_via_param(*via, via->has_rport ? &via->rport_param : nullptr, ";rport=", stored, true);
}

RewriteError Rewriter::append_uri_param(const NameAddr& value, std::string_view param) noexcept {
  const std::string_view uri = value.uri_text;
  const std::string_view head = msg_.head();
  if (uri.empty() || uri.data() < head.data() || uri.data() + uri.size() > head.data() + head.size())
    return RewriteError::no_such_header;
  // Both edits or neither: a lone "<" would break the message.
  if (count_ + (value.bracketed ? 1 : 2) > kMaxEdits) return RewriteError::too_many_edits;
  const auto begin = static_cast<std::uint32_t>(msg_.offset_of(uri));
  if (!value.bracketed) {
    Edit open{};
    open.begin = open.end = begin;
    open.text[0] = piece("<");
    add(open);
  }
  Edit e{};
  e.begin = e.end = static_cast<std::uint32_t>(begin + uri.size());
  e.text[0] = piece(param);
  e.text[1] = piece(value.bracketed ? std::string_view() : std::string_view(">"));
  return add(e);
}

RewriteError Rewriter::replace_request_uri(std::string_view uri) noexcept {
  if (!msg_.is_request()) return RewriteError::not_a_request;
  Edit e{};
  e.begin = static_cast<std::uint32_t>(msg_.offset_of(msg_.request_uri()));
  e.end = static_cast<std::uint32_t>(e.begin + msg_.request_uri().size());
  e.text[0] = piece(uri);
  return add(e);
}

RewriteError Rewriter::set_max_forwards(std::uint32_t value) noexcept {
  char buf[10];
  std::string_view digits;
  if (!store({format_uint(value, buf)}, digits)) return RewriteError::scratch_full;
  if (!msg_.has(HeaderId::max_forwards)) return append_header(HeaderId::max_forwards, digits);
  const std::string_view old = msg_.value(HeaderId::max_forwards);
  Edit e{};
  e.begin = static_cast<std::uint32_t>(msg_.offset_of(old));
  e.end = static_cast<std::uint32_t>(e.begin + old.size());
  e.text[0] = piece(digits);
  return add(e);
}

// Sorts edit indices by (begin, inserts before ranges, token completions
// first, call order).
const std::uint8_t* Rewriter::sorted_edits() const noexcept {
  if (sorted_) return order_;
  sorted_ = true;
  std::uint8_t* const order = order_;
  for (std::size_t i = 0; i < count_; ++i) order[i] = static_cast<std::uint8_t>(i);
  auto before = [this](std::uint8_t a, std::uint8_t b) {
    const Edit& x = edits_[a];
    const Edit& y = edits_[b];
    if (x.begin != y.begin) return x.begin < y.begin;
    const bool xi = x.begin == x.end;
    const bool yi = y.begin == y.end;
    if (xi != yi) return xi;
    if (x.completes_token != y.completes_token) return x.completes_token;
    return x.seq < y.seq;
  };
  for (std::size_t i = 1; i < count_; ++i)
    for (std::size_t j = i; j > 0 && before(order[j], order[j - 1]); --j) std::swap(order[j], order[j - 1]);
  return order;
}

// One forward pass: copy the original between edits, emit each edit, and
// (compact mode) swap long names of original lines for their letters.
template <class Sink>
bool Rewriter::emit(Sink& sink) const noexcept {
  const std::uint8_t* const order = sorted_edits();

  const std::string_view d = msg_.datagram();
  std::size_t pos = msg_.offset_of(msg_.wire());
  std::size_t next_header = 0;

  auto name_of = [this](HeaderId id) {
    const std::string_view c = compact_ ? header_compact_name(id) : std::string_view{};
    return c.empty() ? header_name(id) : c;
  };
  // Copies original bytes [pos, limit), compacting header names on the way.
  auto copy_to = [&](std::size_t limit) {
    while (compact_ && next_header < msg_.header_count()) {
      const Header h = msg_.header(next_header);
      const std::size_t b = msg_.offset_of(h.name);
      const std::size_t e = b + h.name.size();
      if (b >= limit) break;
      ++next_header;
      if (b < pos || e > limit) continue;  // removed, or an edit starts inside the name
      const std::string_view c = header_compact_name(h.id);
      if (c.empty() || h.name.size() == 1) continue;
      if (!sink.put(d.substr(pos, b - pos)) || !sink.put(c)) return false;
      pos = e;
    }
    if (!sink.put(d.substr(pos, limit - pos))) return false;
    pos = limit;
    return true;
  };

  for (std::size_t k = 0; k < count_; ++k) {
    const Edit& e = edits_[order[k]];
    if (e.begin < pos) return false;  // overlap (apply() tells the two failures apart)
    if (!copy_to(e.begin)) return false;
    if (e.header_line) {
      if (!sink.put(e.name.size == 0 ? name_of(e.id) : view(e.name)) || !sink.put(kColon)) return false;
    }
    if (!sink.put(view(e.text[0])) || !sink.put(view(e.text[1]))) return false;
    if (e.header_line && !sink.put(kCrlf)) return false;
    pos = e.end;
  }
  if (!copy_to(msg_.headers_end())) return false;
  if (!msg_.has_content_length()) {
    char buf[10];
    if (!sink.put(name_of(HeaderId::content_length)) || !sink.put(kColon) ||
        !sink.put(format_uint(static_cast<std::uint32_t>(msg_.body().size()), buf)) || !sink.put(kCrlf))
      return false;
  }
  const std::size_t end = msg_.offset_of(msg_.body()) + msg_.body().size();
  return sink.put(d.substr(pos, end - pos));
}

std::size_t Rewriter::output_size() const noexcept {
  if (!compact_) {
    // Without compact names the size is the original's plus what each edit
    // adds less what it removes; emit() is only needed for its overlap check,
    // which is done here on the same order.
    const std::uint8_t* const order = sorted_edits();
    std::size_t pos = msg_.offset_of(msg_.wire());
    std::size_t removed = 0;
    std::size_t added = 0;
    for (std::size_t k = 0; k < count_; ++k) {
      const Edit& e = edits_[order[k]];
      if (e.begin < pos) return 0;  // overlap
      pos = e.end;
      removed += e.end - e.begin;
      added += e.text[0].size + e.text[1].size;
      if (e.header_line) added += (e.name.size == 0 ? header_name(e.id).size() : e.name.size) + kColon.size() + kCrlf.size();
    }
    if (pos <= msg_.headers_end()) {
      if (!msg_.has_content_length()) {
        char buf[10];
        added += header_name(HeaderId::content_length).size() + kColon.size() +
                 format_uint(static_cast<std::uint32_t>(msg_.body().size()), buf).size() + kCrlf.size();
      }
      return msg_.wire_length() - removed + added;
    }
  }
  CountSink sink;
  return emit(sink) ? sink.n : 0;
}

std::size_t Rewriter::size_bound() const noexcept {
  // A message without Content-Length gets one (emit()): at most 10 digits.
  constexpr std::size_t kAddedContentLength = 14 + 2 + 10 + 2;  // "Content-Length: " digits CRLF
  return msg_.wire_length() + added_ + (msg_.has_content_length() ? 0 : kAddedContentLength);
}

Result<std::size_t, RewriteError> Rewriter::apply(std::span<char> out) const noexcept {
  if (!msg_.valid()) return RewriteError::no_such_header;
  WriteSink sink{out};
  if (emit(sink)) return sink.n;
  CountSink counter;
  return emit(counter) ? RewriteError::does_not_fit : RewriteError::overlapping_edits;
}

}  // namespace sipedge::sip
