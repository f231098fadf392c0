#pragma once
// sipedge::sip::Message — a zero-copy view over one SIP datagram.
//
// Message::parse() walks the datagram once: it splits the start line, indexes
// every header line (id, name, value, whole line incl. folds) into a fixed
// array, checks the mandatory headers and the sanity Limits, and locates the
// body by Content-Length. Everything else (URIs, Via, From/To, SDP) is parsed
// on demand by the typed accessors, which return views into the datagram.
//
//   sip::Message msg;
//   if (auto e = msg.parse(payload); e != sip::ParseError::ok) { count(e); drop(); }
//   auto via = msg.top_via();              // Result<Via>
//   hash(msg.call_id());
//
// Errors: parse() returns a ParseError (name via parse_error_name()); typed
// accessors return Result<T> with a ParseError. Nothing here throws or
// allocates; the datagram is never written and never read past its end, and
// need not be NUL-terminated.
//
// Lifetime and threads: a Message only points into the caller's buffer, which
// must outlive it and stay unchanged. A Message is owned by one thread; const
// accessors are safe to call concurrently only if nobody calls parse(). The
// free functions of this library (parse_uri, parse_via, nat_test, ...) keep no
// state and are safe from any thread. A Message is about 1 KiB and cheap
// to copy (views only); keep one per worker and parse into it again.
//
// Folding: a header value may span lines (CRLF followed by SP/HT). Values are
// returned as written, so they can contain CRLF+WS; every accessor here treats
// CR, LF, SP and HT inside a value as linear white space.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>

#include "sip/error.h"
#include "sip/fields.h"
#include "sip/header_id.h"
#include "sip/limits.h"
#include "sip/method.h"
#include "sip/name_addr.h"
#include "sip/params.h"
#include "sip/uri.h"
#include "sip/via.h"

namespace sipedge::sip {

inline constexpr std::size_t kNoHeader = static_cast<std::size_t>(-1);
// Max-Forwards assumed when a request omits it (RFC 3261 8.1.1.6).
inline constexpr std::uint32_t kDefaultMaxForwards = 70;
static_assert(kHeaderIdCount <= 64, "Message::repeated_ holds a bit per HeaderId");

enum class MessageKind : std::uint8_t { none, request, response };

// One indexed header line.
struct Header {
  HeaderId id = HeaderId::other;
  std::string_view name;   // as written: "v", "CALL-ID", "X-Foo"
  std::string_view value;  // trimmed; may contain CRLF+WS when folded
  std::string_view line;   // from the name through the final CRLF (folds included)
  std::size_t index = kNoHeader;
};

// One element of a header value: a whole value, or one comma-separated item
// of a list header (Via, Contact, Route, Record-Route, ...).
struct HeaderValue {
  std::string_view text;               // trimmed element
  std::size_t header_index = kNoHeader;  // the line it belongs to
};

class Message;
class LineScanner;

// Yields the values of every header with one id, in message order; list
// headers are split on commas outside quoted strings and <...>. Empty
// elements ("a,,b") are skipped.
class ValueIterator {
 public:
  using value_type = HeaderValue;
  using difference_type = std::ptrdiff_t;
  ValueIterator() noexcept = default;
  ValueIterator(const Message* msg, std::size_t first_index) noexcept;
  const HeaderValue& operator*() const noexcept { return current_; }
  const HeaderValue* operator->() const noexcept { return &current_; }
  ValueIterator& operator++() noexcept;
  void operator++(int) noexcept { ++*this; }
  bool operator==(std::default_sentinel_t) const noexcept { return current_.header_index == kNoHeader; }

 private:
  void advance() noexcept;
  const Message* msg_ = nullptr;
  std::size_t index_ = kNoHeader;  // header being split
  std::string_view rest_;          // unsplit remainder of its value
  bool split_ = false;
  bool pending_ = false;           // rest_ still holds elements to yield
  HeaderValue current_;
};

class ValueRange {
 public:
  ValueRange(const Message* msg, std::size_t first) noexcept : msg_(msg), first_(first) {}
  ValueIterator begin() const noexcept { return ValueIterator(msg_, first_); }
  std::default_sentinel_t end() const noexcept { return {}; }
  bool empty() const noexcept { return begin() == end(); }
  HeaderValue front() const noexcept { return *begin(); }  // {"", kNoHeader} when empty()

 private:
  const Message* msg_;
  std::size_t first_;
};

class Message {
 public:
  Message() noexcept;

  // Parses one datagram. On error the Message is left invalid (kind() ==
  // none) and must not be queried except for kind()/valid().
  ParseError parse(std::string_view datagram, const Limits& limits = Limits{}) noexcept;
  ParseError parse(std::span<const std::uint8_t> datagram, const Limits& limits = Limits{}) noexcept {
    return parse(std::string_view(reinterpret_cast<const char*>(datagram.data()), datagram.size()), limits);
  }

  bool valid() const noexcept { return kind_ != MessageKind::none; }
  MessageKind kind() const noexcept { return kind_; }
  bool is_request() const noexcept { return kind_ == MessageKind::request; }
  bool is_response() const noexcept { return kind_ == MessageKind::response; }

  // ---- start line ----
  std::string_view start_line() const noexcept { return view(start_, start_end_); }
  Method method() const noexcept { return method_; }              // requests
  std::string_view method_text() const noexcept { return method_text_; }
  std::string_view request_uri() const noexcept { return request_uri_; }
  Result<Uri> parsed_request_uri() const noexcept { return parse_uri(request_uri_); }
  std::string_view version() const noexcept { return version_; }  // "SIP/2.0"
  std::uint16_t status_code() const noexcept { return status_; }  // responses
  std::string_view reason() const noexcept { return reason_; }    // may be empty

  // ---- header index ----
  std::size_t header_count() const noexcept { return count_; }
  Header header(std::size_t index) const noexcept {  // index < header_count(); inline: callers use a field or two
    const Slot& s = slots_[index];
    return Header{s.id, view(s.line_begin, s.name_end), view(s.value_begin, s.value_end),
                  view(s.line_begin, s.line_end), index};
  }
  std::size_t find(HeaderId id) const noexcept {
    const std::uint8_t s = first_[static_cast<std::size_t>(id)];
    return s == kNoSlot ? kNoHeader : s;
  }
  std::size_t find_next(std::size_t index) const noexcept {  // next header with the same id
    if (index >= count_) return kNoHeader;
    const std::uint8_t n = slots_[index].next;
    return n == kNoSlot ? kNoHeader : n;
  }
  std::size_t find(std::string_view name) const noexcept;   // case-insensitive, any name
  bool has(HeaderId id) const noexcept { return find(id) != kNoHeader; }
  std::size_t count(HeaderId id) const noexcept;            // header lines with this id
  // Value of the first header with this id; empty when absent.
  std::string_view value(HeaderId id) const noexcept {
    const std::size_t i = find(id);
    return i == kNoHeader ? std::string_view{} : slot_value(slots_[i]);
  }
  ValueRange values(HeaderId id) const noexcept { return ValueRange(this, find(id)); }

  // ---- fields checked at parse time ----
  std::string_view call_id() const noexcept { return value(HeaderId::call_id); }
  const CSeq& cseq() const noexcept { return cseq_; }
  bool has_max_forwards() const noexcept { return has_max_forwards_; }
  std::uint32_t max_forwards() const noexcept { return max_forwards_; }  // kDefaultMaxForwards when absent
  bool has_content_length() const noexcept { return has_content_length_; }
  std::size_t content_length() const noexcept { return body_end_ - body_begin_; }  // body size used
  std::string_view content_type() const noexcept { return value(HeaderId::content_type); }

  // ---- bytes ----
  // Body: Content-Length bytes after the head (rest of the datagram when
  // Content-Length is absent, RFC 3261 18.3). Bytes beyond are not part of
  // the message and never forwarded.
  std::string_view body() const noexcept { return view(body_begin_, body_end_); }
  // Start line through the empty line (its CRLF included).
  std::string_view head() const noexcept { return view(start_, body_begin_); }
  // head() + body(): what a forwarder may send on unchanged.
  std::string_view wire() const noexcept { return view(start_, body_end_); }
  std::size_t wire_length() const noexcept { return body_end_ - start_; }
  std::string_view datagram() const noexcept { return {data_, size_}; }
  // Offset of the empty line that ends the header section (its CR).
  std::size_t headers_end() const noexcept { return headers_end_; }
  // Offset of a view that points into this datagram.
  std::size_t offset_of(std::string_view inside) const noexcept {
    return static_cast<std::size_t>(inside.data() - data_);
  }

  // ---- typed, on demand ----
  Result<Via> top_via() const noexcept;
  Result<NameAddr> from() const noexcept;
  Result<NameAddr> to() const noexcept;
  std::string_view to_tag() const noexcept;    // empty when absent or To malformed
  std::string_view from_tag() const noexcept;
  bool has_to_tag() const noexcept;
  // A request outside a dialog: no To tag (RFC 3261 12.2).
  bool is_initial_request() const noexcept { return is_request() && !has_to_tag(); }
  // Expires header (header_absent / bad_number).
  Result<std::uint32_t> expires() const noexcept;
  // Digest username from Authorization, else Proxy-Authorization.
  Result<std::string_view> auth_username() const noexcept;
  // Content-Type is application/sdp (parameters ignored, case-insensitive).
  bool has_sdp() const noexcept;

 private:
  friend class ValueIterator;
  struct Slot {
    std::uint16_t line_begin;
    std::uint16_t name_end;
    std::uint16_t value_begin;
    std::uint16_t value_end;
    std::uint16_t line_end;
    HeaderId id;
    std::uint8_t next;  // next slot with the same id, kNoSlot when last
  };
  static constexpr std::uint8_t kNoSlot = 0xFF;

  std::string_view view(std::size_t b, std::size_t e) const noexcept { return {data_ + b, e - b}; }
  std::string_view slot_value(const Slot& s) const noexcept { return view(s.value_begin, s.value_end); }
  ParseError parse_start_line(std::size_t line_end, const Limits& limits) noexcept;
  ParseError parse_headers(LineScanner& lines, std::size_t pos, const Limits& limits) noexcept;
  ParseError check_headers(const Limits& limits) noexcept;
  ParseError locate_body() noexcept;

  const char* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::uint16_t start_ = 0;
  std::uint16_t start_end_ = 0;
  std::uint16_t headers_end_ = 0;
  std::uint16_t body_begin_ = 0;
  std::uint16_t body_end_ = 0;
  std::uint16_t status_ = 0;
  MessageKind kind_ = MessageKind::none;
  Method method_ = Method::other;
  bool has_max_forwards_ = false;
  bool has_content_length_ = false;
  std::uint32_t max_forwards_ = kDefaultMaxForwards;
  std::string_view method_text_;
  std::string_view request_uri_;
  std::string_view version_;
  std::string_view reason_;
  CSeq cseq_;
  std::uint8_t count_ = 0;
  std::uint64_t repeated_ = 0;          // bit per id on more than one line (parse_headers)
  std::uint8_t first_[kHeaderIdCount];  // first slot per id, kNoSlot when absent
  std::uint8_t last_[kHeaderIdCount];   // parse-time tail of each id's chain
  Slot slots_[kMaxHeaders];
};

}  // namespace sipedge::sip
