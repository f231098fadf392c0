#include "dp/control.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "dp/stats.h"
#include "net/arp.h"
#include "net/nd.h"
#include "punt/body.h"

namespace sipedge::dp {
namespace {

constexpr std::size_t kPuntBurst = 64;
constexpr std::size_t kMaxMessagesPerTurn = 64;
constexpr std::uint64_t kArpRetryMs = 1000;
constexpr std::size_t kMaxArpPending = 4096;

std::uint64_t now_ms(const Runtime& rt) { return rte_get_tsc_cycles() * 1000 / rt.tsc_hz; }

// Whether a reload can be applied without a restart: lcores, ports,
// addresses and neighbours are fixed at start.
std::string restart_needed(const config::Config& a, const config::Config& b) {
  if (a.eal.args != b.eal.args || a.eal.main_lcore != b.eal.main_lcore) return "[eal]";
  if (a.dataplane.worker_lcores != b.dataplane.worker_lcores || a.dataplane.mbufs != b.dataplane.mbufs ||
      a.dataplane.punt_socket != b.dataplane.punt_socket || a.dataplane.exception_pps != b.dataplane.exception_pps)
    return "[dataplane]";
  if (a.ports.size() != b.ports.size()) return "[[port]]";
  for (std::size_t i = 0; i < a.ports.size(); ++i) {
    const auto &p = a.ports[i], &q = b.ports[i];
    if (p.name != q.name || p.device != q.device || p.address != q.address || p.subnet.address != q.subnet.address ||
        p.subnet.length != q.subnet.length || p.gateway != q.gateway || p.mtu != q.mtu || p.role != q.role ||
        p.exception != q.exception)
      return "[[port]] " + p.name;
  }
  if (a.sip.vips != b.sip.vips || a.sip.ports != b.sip.ports) return "sip.vips / sip.ports";
  return {};
}

}  // namespace

Control::Control(Runtime& rt, const Options& options, Signals& signals)
    : rt_(rt), options_(options), signals_(signals), rx_buf_(new std::uint8_t[punt::kMaxMessageSize]),
      out_(new char[65535]) {}

Control::~Control() {
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(rt_.config->dataplane.punt_socket.c_str());
  }
}

void Control::start() {
  const auto& config = *rt_.config;
  sip_ = std::make_unique<proxy::Worker>(
      proxy::WorkerOptions{static_cast<uint32_t>(rt_.workers.size()), rte_rdtsc()}, nullptr);
  auto p = build_generation(config);
  sip_->set_cps(p->cps.back().get());
  rt_.published.store(p.get(), std::memory_order_release);
  current_ = std::move(p);

  // The punt socket: created fresh, its directory too if missing.
  const std::string& path = config.dataplane.punt_socket;
  if (const auto slash = path.rfind('/'); slash != std::string::npos && slash > 0)
    ::mkdir(path.substr(0, slash).c_str(), 0750);
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("punt socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 4) != 0)
    throw std::runtime_error("punt socket " + path + ": " + std::strerror(errno));
  last_rx_change_ms_ = last_stats_ms_ = now_ms(rt_);
}

// A whole new generation: snapshot, CPS limits (buckets start full) and one
// limiter per worker plus the main lcore's.
std::unique_ptr<Published> Control::build_generation(const config::Config& config) {
  auto p = std::make_unique<Published>();
  p->snapshot = proxy::build_snapshot(config, ++snapshot_generation_);
  std::unique_ptr<limit::CpsLimits> limits;
  if (limit::CpsLimits::create(proxy::cps_spec(config), rt_.workers.size() + 1, 1'000'000'000, rt_.now_ns(), limits) !=
      limit::LimitError::Ok)
    throw std::runtime_error("cannot build the CPS limits");
  p->limits = std::move(limits);
  for (std::size_t w = 0; w <= rt_.workers.size(); ++w) {
    std::unique_ptr<limit::WorkerCpsLimiter> c;
    if (limit::WorkerCpsLimiter::create(*p->limits, w, rte_rdtsc() + w, c) != limit::LimitError::Ok)
      throw std::runtime_error("cannot build the per-worker CPS limiter");
    p->cps.push_back(std::move(c));
  }
  return p;
}

void Control::publish(std::shared_ptr<const proxy::Snapshot> snapshot) {
  auto p = std::make_unique<Published>();
  p->snapshot = std::move(snapshot);
  p->limits = current_->limits;
  p->cps = current_->cps;
  rt_.published.store(p.get(), std::memory_order_release);
  // Workers may still read the old generation until they pass a quiescent
  // state; it is freed in reclaim() once they all have.
  retired_.emplace_back(rte_rcu_qsbr_start(rt_.qsbr), std::move(current_));
  current_ = std::move(p);
  counters_.add(DpCounter::reloads);
}

void Control::reclaim() {
  while (!retired_.empty() && rte_rcu_qsbr_check(rt_.qsbr, retired_.front().first, false) == 1) retired_.pop_front();
}

bool Control::reload() {
  auto loaded = config::load_file(options_.config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "reload refused: %zu error(s), the running config stays\n", loaded.errors.size());
    for (const auto& e : loaded.errors) std::fprintf(stderr, "  %s\n", e.to_string().c_str());
    return false;
  }
  auto next = std::make_shared<const config::Config>(std::move(*loaded.config));
  if (const auto what = restart_needed(*rt_.config, *next); !what.empty()) {
    std::fprintf(stderr, "reload refused: %s changed, which needs a restart\n", what.c_str());
    return false;
  }
  try {
    auto p = build_generation(*next);
    sip_->set_cps(p->cps.back().get());
    rt_.published.store(p.get(), std::memory_order_release);
    retired_.emplace_back(rte_rcu_qsbr_start(rt_.qsbr), std::move(current_));
    current_ = std::move(p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reload refused: %s\n", e.what());
    return false;
  }
  {
    // collect() may run on the telemetry thread at this very moment.
    const std::lock_guard lock(config_mutex_);
    rt_.config = std::move(next);
  }
  ++config_generation_;
  counters_.add(DpCounter::reloads);
  std::fprintf(stderr, "reloaded %s: config generation %lu\n", options_.config_path.c_str(),
               static_cast<unsigned long>(config_generation_));
  return true;
}

void Control::accept_client() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (client_fd_ >= 0) close_client("replaced by a new connection");
  client_fd_ = fd;
  rt_.control_plane_up.store(true, std::memory_order_relaxed);
  std::fprintf(stderr, "control plane connected\n");
  const std::string hello = "sipedge-dp node=" + rt_.config->node.name + " workers=" + std::to_string(rt_.workers.size());
  reply(punt::MessageType::Hello, 0, config_generation_, punt::as_bytes(hello));
}

void Control::close_client(const char* why) {
  if (client_fd_ < 0) return;
  ::close(client_fd_);
  client_fd_ = -1;
  rt_.control_plane_up.store(false, std::memory_order_relaxed);
  std::fprintf(stderr, "control plane disconnected: %s\n", why);
}

bool Control::drain_punts() {
  bool any = false;
  for (auto& w : rt_.workers) {
    rte_mbuf* burst[kPuntBurst];
    const unsigned n = rte_ring_sc_dequeue_burst(w->punt, reinterpret_cast<void**>(burst), kPuntBurst, nullptr);
    any |= n != 0;
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = burst[i];
      iovec iov[RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1];
      int segments = 0;
      for (rte_mbuf* s = m; s != nullptr && segments < static_cast<int>(std::size(iov)); s = s->next)
        iov[segments++] = {rte_pktmbuf_mtod(s, void*), s->data_len};
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(segments);
      if (client_fd_ < 0 || ::sendmsg(client_fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        counters_.add(DpCounter::punt_send_failed);
        if (client_fd_ >= 0 && errno != EAGAIN && errno != EWOULDBLOCK) close_client(std::strerror(errno));
      }
      rte_pktmbuf_free(m);
    }
  }
  return any;
}

bool Control::read_client() {
  bool any = false;
  for (std::size_t i = 0; i < kMaxMessagesPerTurn && client_fd_ >= 0; ++i) {
    const ssize_t n = ::recv(client_fd_, rx_buf_.get(), punt::kMaxMessageSize, MSG_DONTWAIT);
    if (n == 0) {
      close_client("closed by peer");
      break;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) close_client(std::strerror(errno));
      break;
    }
    any = true;
    counters_.add(DpCounter::punt_received);
    punt::Message msg;
    const std::span<const std::uint8_t> datagram(rx_buf_.get(), static_cast<std::size_t>(n));
    if (const punt::PuntError e = punt::decode(datagram, msg); e != punt::PuntError::Ok) {
      counters_.add(DpCounter::punt_bad_message);
      if (e == punt::PuntError::BadVersion) {
        // Another release's sipedge-cp: nothing it sends can be read, so
        // say which and hang up rather than count its every message.
        char why[160];
        std::snprintf(why, sizeof why,
                      "sipedge-cp speaks punt protocol version %u, this sipedge-dp version %u: run the same sipedge "
                      "release on both",
                      unsigned{punt::peer_version(datagram)}, unsigned{punt::kVersion});
        close_client(why);
        break;
      }
      continue;
    }
    handle(msg);
  }
  return any;
}

void Control::handle(const punt::Message& msg) {
  switch (msg.header.type) {
    case punt::MessageType::Tx: return handle_tx(msg);
    case punt::MessageType::Dispatch: return handle_dispatch(msg);
    case punt::MessageType::State: return handle_state(msg);
    case punt::MessageType::Stats: {
      if (msg.header.flags & punt::kFlagReply) return;
      std::vector<std::string> names;
      std::vector<std::uint64_t> values;
      collect(names, values);
      std::vector<punt::StatEntry> entries;
      for (std::size_t i = 0; i < values.size() && i < punt::kMaxStatEntries; ++i)
        entries.push_back({static_cast<std::uint16_t>(i), values[i]});
      std::vector<std::uint8_t> body(entries.size() * punt::kStatEntrySize);
      std::size_t written = 0;
      if (punt::encode_stats(entries, body, written) == punt::PuntError::Ok)
        reply(punt::MessageType::Stats, punt::kFlagReply, msg.header.cookie, {body.data(), written});
      return;
    }
    case punt::MessageType::Reload: {
      if (msg.header.flags & punt::kFlagReply) return;
      const bool ok = reload();
      reply(punt::MessageType::Reload, static_cast<std::uint16_t>(punt::kFlagReply | (ok ? 0 : punt::kFlagFailed)),
            config_generation_, {});
      return;
    }
    case punt::MessageType::Hello: return;
    case punt::MessageType::Punt: counters_.add(DpCounter::punt_bad_message); return;
  }
}

void Control::handle_tx(const punt::Message& msg) {
  const auto& h = msg.header;
  const auto& snap = *current_->snapshot;
  const proxy::Endpoint from = h.src_ipv4 != 0 ? proxy::Endpoint{h.src_ipv4, h.src_port ? h.src_port : snap.sip_port}
                                               : proxy::Endpoint{snap.outside_address, snap.sip_port};
  if (!snap.is_own(from.ip)) {
    counters_.add(DpCounter::punt_bad_message);  // never spoof: only our own addresses
    return;
  }
  counters_.add(DpCounter::cp_tx);
  send_udp(from, {h.dst_ipv4, h.dst_port},
           std::span<const char>(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size()));
}

void Control::handle_dispatch(const punt::Message& msg) {
  const auto& h = msg.header;
  counters_.add(DpCounter::cp_dispatch);
  sip_->set_control_plane_up(true);
  const proxy::Inbound in{
      .payload = std::string_view(reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size()),
      .source = {h.src_ipv4, h.src_port},
      .destination = {h.dst_ipv4, h.dst_port},
      .ingress_port = h.port_id,
      .from_control_plane = true};
  const auto v = sip_->process(*current_->snapshot, in, std::span<char>(out_.get(), 65535), rt_.now_ns());
  if (v.action == proxy::Action::Send) send_udp(v.from, v.to, std::span<const char>(out_.get(), v.length));
}

void Control::handle_state(const punt::Message& msg) {
  punt::StateBody body;
  if (punt::decode_state(msg.payload, body) != punt::PuntError::Ok) {
    counters_.add(DpCounter::punt_bad_message);
    return;
  }
  if (body.generation != config_generation_) return;  // about a config we no longer run
  const auto& snap = *current_->snapshot;
  for (std::size_t s = 0; s < snap.sets.size(); ++s) {
    if (snap.sets[s].id != body.set_id) continue;
    try {
      publish(proxy::with_destination_state(
          snap, {static_cast<uint16_t>(s), body.destination_index}, body.up, ++snapshot_generation_));
      counters_.add(DpCounter::cp_state);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "destination state refused: %s\n", e.what());
    }
    return;
  }
  counters_.add(DpCounter::punt_bad_message);
}

void Control::reply(punt::MessageType type, std::uint16_t flags, std::uint64_t cookie, std::span<const std::uint8_t> body) {
  if (client_fd_ < 0) return;
  std::vector<std::uint8_t> buf(punt::kHeaderSize + body.size());
  std::size_t written = 0;
  punt::Header h{.type = type, .flags = flags, .cookie = cookie};
  if (punt::encode(h, body, buf, written) != punt::PuntError::Ok) return;
  if (::send(client_fd_, buf.data(), written, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    counters_.add(DpCounter::punt_send_failed);
}

void Control::send_udp(proxy::Endpoint from, proxy::Endpoint to, std::span<const char> payload) {
  if (from.v6 || to.v6) {  // a DISPATCH routed to IPv6: no v6 frames from here yet (worker.cpp)
    counters_.add(DpCounter::tx_ipv6_unsupported);
    return;
  }
  Egress egress;
  std::uint32_t next_hop = 0;
  if (!resolve_egress(rt_, *current_->snapshot, to.ip, egress, next_hop, counters_)) {
    if (egress.port >= 0) request_arp(static_cast<std::size_t>(egress.port), next_hop);
    return;
  }
  rte_mbuf* frames[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
  const auto n = build_udp_frames(rt_, egress, from, to, payload, ip_id_, nullptr, frames, counters_);
  for (std::size_t i = 0; i < n; ++i) to_inbox(frames[i]);
}

void Control::to_inbox(rte_mbuf* m) {
  // Worker 0 sends what the main lcore makes: it owns TX queue 0 of every port.
  if (rte_ring_sp_enqueue(rt_.workers.front()->inbox, m) != 0) {
    counters_.add(DpCounter::inbox_full);
    rte_pktmbuf_free(m);
  }
}

void Control::request_arp(std::size_t port, std::uint32_t ip) {
  const std::uint64_t key = (std::uint64_t{port} << 32) | ip, now = now_ms(rt_);
  auto [it, fresh] = arp_asked_.try_emplace(key, now);
  if (!fresh && now - it->second < kArpRetryMs) return;
  it->second = now;
  if (arp_asked_.size() > kMaxArpPending) arp_asked_.clear();
  rte_mbuf* m = rte_pktmbuf_alloc(rt_.pool);
  if (m == nullptr) {
    counters_.add(DpCounter::tx_no_mbuf);
    return;
  }
  auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, 60));
  const Port& p = rt_.ports[port];
  if (data == nullptr || net::build_arp_request(std::span<std::uint8_t>(data, 60), p.local.mac, p.address, ip) == 0) {
    rte_pktmbuf_free(m);
    return;
  }
  m->port = p.id;
  to_inbox(m);
}

void Control::resolve_gateways6(std::uint64_t now) {
  nd_asked_ms_.resize(rt_.ports.size(), 0);
  for (std::size_t i = 0; i < rt_.ports.size(); ++i) {
    const Port& p = rt_.ports[i];
    if (!p.has_gateway6 || !p.has_address6) continue;
    const auto age = p.neighbours6->age_ms(p.gateway6, now);
    if (age && *age < NeighbourTable6::kReachableMs / 2) continue;
    if (nd_asked_ms_[i] != 0 && now - nd_asked_ms_[i] < kArpRetryMs) continue;
    nd_asked_ms_[i] = now;
    rte_mbuf* m = rte_pktmbuf_alloc(rt_.pool);
    if (m == nullptr) {
      counters_.add(DpCounter::tx_no_mbuf);
      continue;
    }
    auto* data = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, net::kNdFrameLength));
    if (data == nullptr ||
        net::build_neighbour_solicit(std::span<std::uint8_t>(data, net::kNdFrameLength), p.local.mac, p.address6,
                                     p.gateway6) == 0) {
      rte_pktmbuf_free(m);
      continue;
    }
    m->port = p.id;
    counters_.add(DpCounter::nd_solicit_sent);
    to_inbox(m);
  }
}

bool Control::drain_events() {
  bool any = false;
  for (auto& w : rt_.workers) {
    Event events[64];
    const unsigned n = rte_ring_sc_dequeue_burst_elem(w->events, events, sizeof(Event), 64, nullptr);
    any |= n != 0;
    for (unsigned i = 0; i < n; ++i) {
      const Event& e = events[i];
      if (e.port >= rt_.ports.size()) continue;
      auto& table = *rt_.ports[e.port].neighbours;
      const auto mac = net::MacAddr::from(e.mac);
      switch (e.kind) {
        case Event::kArpLearn: table.learn(e.ip, mac); break;
        case Event::kArpRefresh: table.refresh(e.ip, mac); break;
        case Event::kResolve: request_arp(e.port, e.ip); break;
        default: break;
      }
    }
    Event6 events6[64];
    const unsigned n6 = rte_ring_sc_dequeue_burst_elem(w->events6, events6, sizeof(Event6), 64, nullptr);
    any |= n6 != 0;
    for (unsigned i = 0; i < n6; ++i) {
      const Event6& e = events6[i];
      if (e.port >= rt_.ports.size() || e.kind != Event6::kNdLearn) continue;
      rt_.ports[e.port].neighbours6->learn(net::Ipv6Addr{e.ip}, net::MacAddr::from(e.mac), now_ms(rt_));
    }
  }
  return any;
}

std::uint64_t Control::total(DpCounter c) const {
  std::uint64_t sum = counters_.dp[static_cast<std::size_t>(c)].get();
  for (const auto& w : rt_.workers) sum += w->counters.dp[static_cast<std::size_t>(c)].get();
  return sum;
}

void Control::collect(std::vector<std::string>& names, std::vector<std::uint64_t>& values) const {
  std::vector<StatSource> sources;
  for (const auto& w : rt_.workers) sources.push_back({&w->sip.counters(), &w->counters, static_cast<int>(w->index)});
  if (sip_) sources.push_back({&sip_->counters(), &counters_});
  std::shared_ptr<const config::Config> config;
  {
    const std::lock_guard lock(config_mutex_);
    config = rt_.config;
  }
  names = stat_names(*config);
  stat_values(*config, sources, values);
}

void Control::tick_stats(std::uint64_t now) {
  const std::uint64_t rx = total(DpCounter::rx_packets);
  if (rx != last_rx_) {
    last_rx_ = rx;
    last_rx_change_ms_ = now;
  }
  if (options_.stats_ms == 0 || now - last_stats_ms_ < options_.stats_ms) return;
  std::uint64_t calls = 0, breaches = 0;
  for (const auto& w : rt_.workers) {
    calls += w->sip.counters().calls.get();
    breaches += w->sip.counters().cps_breaches.get();
  }
  if (sip_) {
    calls += sip_->counters().calls.get();
    breaches += sip_->counters().cps_breaches.get();
  }
  const double seconds = static_cast<double>(now - last_stats_ms_) / 1000.0;
  if (rx != last_rx_stats_) {
    std::uint64_t drops = 0;
    for (const auto& w : rt_.workers)
      for (std::size_t r = 1; r < net::kDropReasonCount; ++r) drops += w->counters.drops[r].get();
    std::printf("stats: cps=%.0f breaches=%.0f calls=%lu cps_breaches=%lu rx=%lu tx=%lu punted=%lu drops=%lu cp=%s\n",
                static_cast<double>(calls - last_calls_) / seconds, static_cast<double>(breaches - last_breaches_) / seconds,
                static_cast<unsigned long>(calls), static_cast<unsigned long>(breaches), static_cast<unsigned long>(rx),
                static_cast<unsigned long>(total(DpCounter::tx_packets)), static_cast<unsigned long>(total(DpCounter::punted)),
                static_cast<unsigned long>(drops), rt_.control_plane_up.load() ? "up" : "down");
    std::fflush(stdout);
  }
  last_rx_stats_ = rx;
  last_calls_ = calls;
  last_breaches_ = breaches;
  last_stats_ms_ = now;
}

void Control::run() {
  while (!signals_.stop.load(std::memory_order_relaxed)) {
    // A reload rebuilds the sets all-up under a new config generation: the
    // control plane is told, so it re-sends the destinations it holds down.
    if (signals_.reload.exchange(false) && reload())
      reply(punt::MessageType::Reload, punt::kFlagReply, config_generation_, {});
    accept_client();
    bool busy = drain_punts();
    busy |= read_client();
    busy |= drain_events();
    busy |= move_exception_frames(rt_, counters_);
    current_->limits->refill(rt_.now_ns());
    reclaim();
    const std::uint64_t now = now_ms(rt_);
    resolve_gateways6(now);
    tick_stats(now);
    if (options_.exit_idle_ms != 0 && now - last_rx_change_ms_ >= options_.exit_idle_ms) {
      std::fprintf(stderr, "no packet for %u ms: exiting\n", options_.exit_idle_ms);
      break;
    }
    if (!busy) rte_delay_us_sleep(200);
  }
  rt_.stop.store(true, std::memory_order_relaxed);
}

}  // namespace sipedge::dp
