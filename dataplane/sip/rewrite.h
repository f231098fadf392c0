#pragma once
// Rewriter: builds a changed copy of a parsed message into a caller-supplied,
// bounded buffer. Edits are recorded first (no bytes are written), then
// apply() writes the output in one forward pass over the original: edits are
// sorted by position (insert-at-offset, replace-range, delete-range) and the
// untouched bytes between them are copied. No allocation.
//
//   sip::Rewriter rw(msg);
//   rw.set_top_via_received(src_ip);          // ;received=203.0.113.7
//   rw.set_top_via_rport(src_port);           // fills "rport" or adds ";rport=N"
//   rw.insert_header_before(HeaderId::via, HeaderId::via, own_via);
//   rw.set_max_forwards(msg.max_forwards() - 1);
//   if (rw.output_size() > mtu) rw.use_compact_names(true);
//   auto n = rw.apply(out);                   // Result<size_t, RewriteError>
//
// Content-Length: the body is copied as is (Content-Length bytes only; bytes
// beyond it are dropped); when the original has no Content-Length one is
// added, since the output is no longer "the rest of the datagram" by accident.
//
// Lifetimes: the Message (and its datagram) and every string_view passed to an
// edit must outlive apply(). The Rewriter keeps generated text (numbers,
// addresses) in an internal scratch buffer, so it is neither copyable nor
// movable. Owned by one thread (the const members too: they cache the
// sorted edit order).
//
// Errors: each edit call returns RewriteError::ok or a reason (too_many_edits,
// scratch_full, no_such_header, not_a_request); apply() returns
// overlapping_edits when two edits touch the same bytes (e.g. removing the top
// Via and adding received= to it) and does_not_fit when `out` is too small —
// then nothing past out.size() has been written (the contents are unspecified).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

#include "sip/message.h"

namespace sipedge::sip {

namespace detail {
// A string_view that is trivially constructible, so the Rewriter's edit array
// costs nothing until used.
struct Piece {
  const char* data;
  std::uint32_t size;
};
}  // namespace detail

class Rewriter {
 public:
  static constexpr std::size_t kMaxEdits = 24;
  static constexpr std::size_t kScratchSize = 256;

  explicit Rewriter(const Message& msg) noexcept : msg_(msg) {}
  // With the top Via the caller already parsed (msg.top_via() succeeded and
  // gave `top_via`, which must outlive the Rewriter): it is not parsed again.
  Rewriter(const Message& msg, const Via& top_via) noexcept : msg_(msg), top_(&top_via), top_known_(true) {}
  Rewriter(const Rewriter&) = delete;
  Rewriter& operator=(const Rewriter&) = delete;

  // ---- header lines; written as "<Name>: <value>\r\n" ----
  // `value` must be a valid header value (no bare CR/LF); it is not checked.
  // Before the first header line.
  RewriteError prepend_header(HeaderId id, std::string_view value) noexcept;
  // Before the first `anchor` header, or before the first header when the
  // message has none (e.g. own Via before the top Via, Record-Route before
  // the first Record-Route).
  RewriteError insert_header_before(HeaderId anchor, HeaderId id, std::string_view value) noexcept;
  // The same with the value written as value + value_tail (a fixed prefix
  // and a per-message part, without joining them first).
  RewriteError insert_header_before(HeaderId anchor, HeaderId id, std::string_view value,
                                    std::string_view value_tail) noexcept;
  // Before header line `index` (Message index); any name.
  RewriteError insert_header_at(std::size_t index, std::string_view name, std::string_view value) noexcept;
  // After the last header line.
  RewriteError append_header(HeaderId id, std::string_view value) noexcept;

  // ---- removal ----
  RewriteError remove_header(std::size_t index) noexcept;  // the whole line, folds included
  // One element of a list header, e.g. the top Via of "Via: a, b"; removes the
  // line when it is the only element.
  RewriteError remove_value(const HeaderValue& value) noexcept;
  // Consecutive elements `first` .. `last` of one list header line (e.g. the
  // top two Vias of "Via: a, b, c"); removes the line when nothing is left.
  // no_such_header when they are not on one line or not in order.
  RewriteError remove_values(const HeaderValue& first, const HeaderValue& last) noexcept;
  // The first value of a header id (pop own Via / Route).
  RewriteError remove_first_value(HeaderId id) noexcept;

  // ---- top Via parameters ----
  // Adds ";name=value" (or ";name" when value is empty and !with_value) to the
  // top Via, or replaces the value of an existing one.
  RewriteError set_top_via_param(std::string_view name, std::string_view value, bool with_value = true) noexcept;
  RewriteError set_top_via_received(std::uint32_t ipv4) noexcept;  // RFC 3261 18.2.1
  RewriteError set_top_via_received(const Ipv6Address& ipv6) noexcept;  // bare, RFC 5118 4.5
  RewriteError set_top_via_received(std::string_view host) noexcept;
  RewriteError set_top_via_rport(std::uint16_t port) noexcept;     // RFC 3581 4

  // ---- URI parameters of name-addr values (Contact, Route, ...) ----
  // Appends `param` (";name=value") to the URI of `value`, which was parsed
  // from this message's header text. An addr-spec without <> gets them,
  // since a ';' after it starts header parameters (RFC 3261 20.10).
  RewriteError append_uri_param(const NameAddr& value, std::string_view param) noexcept;

  // ---- other fields ----
  RewriteError replace_request_uri(std::string_view uri) noexcept;
  // Replaces the Max-Forwards value, or appends the header when absent.
  RewriteError set_max_forwards(std::uint32_t value) noexcept;
  // Write compact names (RFC 3261 7.3.3) for every header that has one, both
  // original and inserted lines.
  void use_compact_names(bool on) noexcept { compact_ = on; }

  // Forgets every edit (to reuse the Rewriter on the same message).
  void clear() noexcept {
    count_ = 0;
    added_ = 0;
    scratch_used_ = 0;
    sorted_ = false;
  }
  std::size_t edit_count() const noexcept { return count_; }

  // Exact size apply() will write (0 when the edits overlap).
  std::size_t output_size() const noexcept;
  // At least output_size() whatever the edits and names: the original plus
  // all the edits add (long names), kept up to date by each edit. O(1), so
  // a caller comparing against a limit (the MTU) needs output_size(), which
  // sorts the edits, only when this does not fit.
  std::size_t size_bound() const noexcept;
  // Writes the new message; returns its length.
  Result<std::size_t, RewriteError> apply(std::span<char> out) const noexcept;

 private:
  struct Edit {
    std::uint32_t begin;   // original bytes [begin, end) are replaced
    std::uint32_t end;     // begin == end: pure insert
    std::uint16_t seq;     // keeps inserts at one offset in call order
    bool completes_token;  // "=N" after a valueless param: goes before other inserts at that offset
    bool header_line;      // output "<name>: text[0]text[1]\r\n"
    HeaderId id;           // header_line name, when name is empty
    detail::Piece name;
    detail::Piece text[2];
  };
  RewriteError add(const Edit& e) noexcept;
  const Via* top_via() noexcept;  // parsed once per Rewriter; null when absent or malformed
  // Sets the value of top Via parameter `found`, or (null) appends
  // appended_prefix + value (";name=" value, or ";name" alone without a value).
  RewriteError edit_via_param(const Via& via, const Param* found, std::string_view appended_prefix,
                              std::string_view value, bool with_value) noexcept;
  RewriteError add_header_line(std::size_t at, HeaderId id, std::string_view name, std::string_view value,
                               std::string_view value_tail = {}) noexcept;
  // Concatenates parts into the scratch buffer; false when it is full.
  bool store(std::initializer_list<std::string_view> parts, std::string_view& out) noexcept;
  // Edit indices by (begin, inserts before ranges, token completions first,
  // call order); sorted once and kept until the next edit (output_size()
  // and apply() both walk it).
  const std::uint8_t* sorted_edits() const noexcept;
  template <class Sink>
  bool emit(Sink& sink) const noexcept;

  const Message& msg_;
  Edit edits_[kMaxEdits];
  std::size_t count_ = 0;
  std::size_t added_ = 0;  // bytes the edits add, see size_bound()
  mutable std::uint8_t order_[kMaxEdits];
  mutable bool sorted_ = false;
  bool compact_ = false;
  char scratch_[kScratchSize];
  std::size_t scratch_used_ = 0;
  const Via* top_ = nullptr;
  bool top_known_ = false;
  std::optional<Result<Via>> top_via_;  // storage when the Rewriter parsed it itself
};

}  // namespace sipedge::sip
