#include "dp/runtime.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <stdexcept>

#include "dp/port.h"

namespace sipedge::dp {

void init_runtime(Runtime& rt, std::shared_ptr<const config::Config> config) {
  rt.config = std::move(config);
  const auto& c = *rt.config;
  rt.tsc_hz = rte_get_tsc_hz();
  rt.burst = c.dataplane.burst;
  rt.idle_sleep_us = c.dataplane.idle_sleep_us;
  rt.tx_flush_cycles = rt.tsc_hz / 1'000'000 * c.dataplane.tx_flush_us;
  const auto workers = static_cast<std::uint16_t>(c.dataplane.worker_lcores.size());
  rt.pool = rte_pktmbuf_pool_create("se_mbufs", c.dataplane.mbufs, c.dataplane.mbuf_cache, 0, mbuf_data_room(c),
                                    static_cast<int>(rte_socket_id()));
  if (rt.pool == nullptr) throw std::runtime_error(std::string("mbuf pool: ") + rte_strerror(rte_errno));
  rt.qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc("se_qsbr", rte_rcu_qsbr_get_memsize(workers), RTE_CACHE_LINE_SIZE));
  if (rt.qsbr == nullptr || rte_rcu_qsbr_init(rt.qsbr, workers) != 0) throw std::runtime_error("RCU init failed");
  rt.ports = start_ports(c, rt.pool, workers);
  start_exception_ports(rt);
  for (std::size_t i = 0; i < workers; ++i) rt.workers.push_back(std::make_unique<Worker>(rt, i, c.dataplane.worker_lcores[i]));
}

void teardown_runtime(Runtime& rt) {
  rt.workers.clear();
  stop_exception_ports(rt);
  stop_ports(rt.ports);
  rt.ports.clear();
  rte_free(rt.qsbr);
  rt.qsbr = nullptr;
  rte_mempool_free(rt.pool);
  rt.pool = nullptr;
}

}  // namespace sipedge::dp
