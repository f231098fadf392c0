// TX checksum offload is used only when the device does both checksums.
#include <gtest/gtest.h>

#include "dp/port.h"

namespace sipedge::dp {
namespace {

TEST(TxChecksumPlan, BothChecksumsOrSoftware) {
  const auto both = tx_checksum_plan(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
                                     RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
  EXPECT_TRUE(both.offload);
  EXPECT_EQ(both.offloads, RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
  EXPECT_FALSE(tx_checksum_plan(RTE_ETH_TX_OFFLOAD_IPV4_CKSUM).offload);
  EXPECT_FALSE(tx_checksum_plan(RTE_ETH_TX_OFFLOAD_UDP_CKSUM).offload);
  EXPECT_EQ(tx_checksum_plan(0).offloads, 0u);
}

TEST(TxChecksumPlan, FlagsAskForIpv4AndUdp) {
  EXPECT_EQ(kTxChecksumFlags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_UDP_CKSUM);
  EXPECT_NE(kTxChecksumFlags & RTE_MBUF_F_TX_IP_CKSUM, 0u);
  EXPECT_NE(kTxChecksumFlags & RTE_MBUF_F_TX_IPV4, 0u);
}

}  // namespace
}  // namespace sipedge::dp
