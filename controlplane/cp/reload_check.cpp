#include "cp/reload_check.h"

namespace sipedge::cp {

std::vector<std::string> restart_only_changes(const config::Config& running, const config::Config& next) {
  std::vector<std::string> keys;
  const auto check = [&](bool same, const char* key) {
    if (!same) keys.emplace_back(key);
  };
  check(running.node.id == next.node.id, "node.id");
  check(running.node.name == next.node.name, "node.name");
  check(running.dataplane.punt_socket == next.dataplane.punt_socket, "dataplane.punt_socket");
  check(running.sip.vips == next.sip.vips, "sip.vips");
  check(running.sip.ports == next.sip.ports, "sip.ports");
  bool ports_same = running.ports.size() == next.ports.size();
  for (std::size_t i = 0; ports_same && i < running.ports.size(); ++i)
    ports_same = running.ports[i].name == next.ports[i].name && running.ports[i].role == next.ports[i].role &&
                 running.ports[i].address == next.ports[i].address;
  check(ports_same, "port (names, roles, addresses)");
  const auto& rs = running.store;
  const auto& ns = next.store;
  check(rs.backend == ns.backend, "store.backend");
  check(rs.sqlite.path == ns.sqlite.path, "store.sqlite.path");
  if (rs.backend == config::StoreBackend::kRedis || ns.backend == config::StoreBackend::kRedis) {
    check(rs.redis.address == ns.redis.address, "store.redis.address");
    check(rs.redis.sentinels == ns.redis.sentinels, "store.redis.sentinels");
    check(rs.redis.master_name == ns.redis.master_name, "store.redis.master_name");
    check(rs.redis.password == ns.redis.password, "store.redis.password");
    check(rs.redis.db == ns.redis.db, "store.redis.db");
    check(rs.redis.key_prefix == ns.redis.key_prefix, "store.redis.key_prefix");
    check(rs.redis.wait_replicas == ns.redis.wait_replicas, "store.redis.wait_replicas");
    check(rs.redis.wait_timeout_ms == ns.redis.wait_timeout_ms, "store.redis.wait_timeout_ms");
  }
  check(running.cluster.mode == next.cluster.mode, "cluster.mode");
  check(running.cluster.share_with == next.cluster.share_with, "cluster.share_with");
  // The announcer, its BIRD client and its guardian are set up once, at start.
  const auto& ra = running.announce;
  const auto& na = next.announce;
  check(ra.enabled == na.enabled && ra.bird_socket == na.bird_socket && ra.protocol == na.protocol &&
            ra.sets == na.sets && ra.min_up == na.min_up && ra.hold_down_s == na.hold_down_s &&
            ra.heartbeat_timeout_ms == na.heartbeat_timeout_ms && ra.guard_timeout_ms == na.guard_timeout_ms &&
            ra.drain_grace_s == na.drain_grace_s,
        "announce.*");
  return keys;
}

}  // namespace sipedge::cp
