#pragma once
// sipedge::store binding codec — one Binding <-> one byte string, the value
// of a binding's Redis key and the payload of its change message.
//
// Format (version 1): netstrings "<len>:<bytes>," back to back, the first one
// the version "1", then every persistent field in a fixed order (integers in
// decimal, the Path list as its count followed by one netstring per hop).
// Binary-safe (a contact or Call-ID may hold any byte), self-delimiting, and
// a newer writer can only add fields at the end. Keepalive state is memory
// only and never encoded.
//
// Version 2 (IPv6 bindings): the version "2", the version 1 fields (a v6
// address's IPv4 field is 0), then two more netstrings, the received and
// the local IPv6 address as RFC 5952 text ("" = that one is IPv4). An IPv4
// binding is still written as version 1, so a node of the previous release
// sharing the Redis keeps reading every binding it can use; both versions
// decode.
//
// Thread-safety: pure functions. Errors: decode_binding returns false on any
// malformed, truncated or out-of-range input (untrusted: it comes from the
// network) and never throws or reads out of bounds.
#include <string>
#include <string_view>

#include "store/binding.h"

namespace sipedge::store {

inline constexpr std::string_view kBindingCodecVersion = "1";    // IPv4 bindings
inline constexpr std::string_view kBindingCodecVersionV6 = "2";  // a received or local IPv6 address

// Appends the encoding of `binding` to `out`.
void encode_binding(const Binding& binding, std::string& out);
// Replaces `out` with the decoded binding; false when `text` is not exactly one valid encoding.
bool decode_binding(std::string_view text, Binding& out);

// Netstring primitives (also used for the (aor, contact) of a delete message).
void append_netstring(std::string& out, std::string_view value);
// Takes one netstring off the front of `text`; false when malformed.
bool take_netstring(std::string_view& text, std::string_view& value);

}  // namespace sipedge::store
