#pragma once
// Deterministic identifiers of a stateless proxy (RFC 3261 16.11): the branch
// of the Via the edge adds and the To tag of the replies it makes itself.
// Both are pure functions of the request, so a retransmission, its CANCEL and
// the ACK for a non-2xx reply get the same values on any worker of any node,
// without keeping a transaction.
#include <array>
#include <cstdint>
#include <string_view>

#include "sip/message.h"

namespace sipedge::proxy {

// "z9hG4bK" (RFC 3261 magic cookie) + our marker. Replies whose top Via
// carries a branch with this prefix were sent by the edge.
inline constexpr std::string_view kBranchPrefix = "z9hG4bKse";
// Branches of the control plane's own requests: NAT keepalives and
// destination probes. Their replies are punted, not routed.
inline constexpr std::string_view kKeepaliveBranchPrefix = "z9hG4bKsk";
inline constexpr std::string_view kProbeBranchPrefix = "z9hG4bKsp";
// The control plane's Via on a REGISTER it sends on to the registrar set
// (registrar proxy mode): the registrar's answer, once our own Via above it
// is reached, is punted so the control plane learns the bindings.
inline constexpr std::string_view kRegisterBranchPrefix = "z9hG4bKsr";
// To tag of replies the edge generates (503, 483, 403): the ACK carrying it
// is absorbed.
inline constexpr std::string_view kLocalTagPrefix = "se";

// kBranchPrefix + node id (2 hex) + 16 hex.
inline constexpr std::size_t kBranchLength = kBranchPrefix.size() + 2 + 16;
inline constexpr std::size_t kLocalTagLength = kLocalTagPrefix.size() + 8;

struct Branch {
  std::array<char, kBranchLength> text;
  std::string_view view() const noexcept { return {text.data(), text.size()}; }
};
struct LocalTag {
  std::array<char, kLocalTagLength> text;
  std::string_view view() const noexcept { return {text.data(), text.size()}; }
};

// The transaction identity of a request as RFC 3261 17.2.3 matches it: the
// top Via's branch and sent-by when the branch is RFC 3261-compliant, else
// the RFC 2543 fields (Call-ID, From tag, CSeq number, top Via, R-URI).
// ACK and CANCEL hash like the INVITE they belong to.
uint64_t transaction_hash(const sip::Message& request, const sip::Via& top_via) noexcept;

Branch make_branch(uint8_t node_id, uint64_t transaction) noexcept;

// The tag the edge puts in the To of its own negative replies to `request`.
LocalTag make_local_tag(const sip::Message& request) noexcept;
// The same tag from the fields themselves, for a request the parse refused.
LocalTag make_local_tag(std::string_view call_id, std::string_view from_tag, uint32_t cseq) noexcept;

}  // namespace sipedge::proxy
