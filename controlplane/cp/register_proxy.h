#pragma once
// sipedge::cp::RegisterProxy — registrar `proxy` mode (design "Control
// plane"): REGISTERs from outside go on to the registrar set, and the edge
// learns from the registrar's 200 OK which bindings exist and for how long,
// so it keeps them alive and routes calls to them like local ones.
//
// A REGISTER punted by the dataplane is either
//   - absorbed: an unchanged refresh while the upstream registration is still
//     valid (registrar/proxy.h RefreshAbsorber) is answered 200 by the edge; or
//   - forwarded: the far-end NAT fix (received/rport, Contact alias when the
//     NAT verdict says so), a Path naming the edge's inside address (RFC 3327:
//     the registrar's requests for the user come back through the edge), and
//     the edge's own Via (branch prefix kRegisterBranchPrefix, sent-by the
//     inside address) under the one the dataplane adds when it dispatches the
//     request (DISPATCH) to registrar.set. Its answer therefore reaches the
//     dataplane addressed to us twice; the dataplane punts it on seeing our
//     branch under its own Via (proxy worker route_response).
// The answer is matched to the forwarded request by that branch (a table of
// pending REGISTERs, bounded in size and in time: 64*T1), its bindings are
// learned into the store (2xx), and it is relayed to the UA with our two Vias
// removed, sent from the VIP the REGISTER reached to the address it came from.
//
// Thread-safety: none (event loop thread). Cold path: allocates.
// Errors: nothing throws; every refusal is a result value the caller counts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "registrar/proxy.h"
#include "registrar/registrar.h"
#include "sip/message.h"
#include "store/location_store.h"

namespace sipedge::cp {

inline constexpr std::string_view kRegisterBranchPrefix = "z9hG4bKsr";  // dataplane/proxy/branch.h
inline constexpr std::size_t kMaxPendingRegisters = 65536;
inline constexpr std::int64_t kPendingRegisterLifetimeMs = 32'000;  // Timer F: 64 * T1

enum class ForwardResult : std::uint8_t { forwarded, no_via, too_big, pending_full };
enum class ReplyResult : std::uint8_t {
  relayed,      // out holds the answer for the UA
  trying,       // a 100: hop by hop (RFC 3261 16.7), not relayed
  unmatched,    // no pending REGISTER has this branch (late, or not ours)
  bad,          // our Vias could not be removed
};

struct RegisterProxyStats {
  std::uint64_t learned = 0;        // bindings stored or refreshed from upstream 2xx
  std::uint64_t unlearned = 0;      // bindings removed because the upstream no longer lists them
  std::uint64_t learn_failed = 0;   // 2xx that did not yield bindings (registrar/proxy.h UpstreamError)
  std::uint64_t pending_expired = 0;
};

class RegisterProxy {
 public:
  // `edge` is the address and SIP port of our Via and Path (the inside
  // address: where the registrar's answers and requests come back to).
  RegisterProxy(const config::Config& config, store::LocationStore& store, store::Endpoint edge);

  // The refresh absorption decision for one REGISTER (counted in
  // absorber().stats()). On `absorbed`, `response` is the edge's 200 OK.
  registrar::RefreshReason absorb(const sip::Message& request, const registrar::Source& source, std::int64_t now_ms,
                                  registrar::Response& response);

  // The REGISTER to DISPATCH, in `out`; the request is remembered until its
  // final answer or kPendingRegisterLifetimeMs.
  ForwardResult forward(const sip::Message& request, const registrar::Source& source, std::int64_t now_ms,
                        std::string& out);

  struct Relay {
    store::Endpoint from;  // the VIP the REGISTER reached
    store::Endpoint to;    // where the REGISTER came from
    std::string text;
  };
  // A punted answer of the registrar; learns the bindings of a 2xx.
  ReplyResult on_reply(const sip::Message& response, std::int64_t now_ms, Relay& out);

  // Forgets pending REGISTERs older than their lifetime.
  void expire(std::int64_t now_ms);

  // A reload: `config` (which must outlive this object, or the next call)
  // replaces the one given to the constructor; node id and edge stay.
  void reconfigure(const config::Config& config);

  std::size_t pending() const { return pending_.size(); }
  const RegisterProxyStats& stats() const { return stats_; }
  const registrar::RefreshAbsorber& absorber() const { return absorber_; }

 private:
  struct Pending {
    registrar::Source source;
    std::vector<std::string> contacts;  // Contact URIs of the request, as sent ('*' not included)
    bool star = false;
    std::vector<std::string> path;      // the request's own Path values (ours not included)
    std::string call_id;
    std::uint32_t cseq = 0;
    std::string user_agent;
    std::int64_t created_ms = 0;
  };
  void learn(const registrar::UpstreamBindings& upstream, const Pending& request, std::int64_t now_ms);

  const config::Config* config_;
  store::LocationStore& store_;
  store::Endpoint edge_;
  std::string edge_text_;  // "a.b.c.d:port"
  registrar::RefreshAbsorber absorber_;
  std::unordered_map<std::string, Pending> pending_;  // by our Via branch
  std::int64_t last_expire_ms_ = 0;
  RegisterProxyStats stats_;
};

}  // namespace sipedge::cp
