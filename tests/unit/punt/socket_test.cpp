#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

#include "punt/body.h"
#include "punt/message.h"

namespace sipedge::punt {
namespace {

// The real transport: a connected SOCK_SEQPACKET pair keeps message
// boundaries, so one recv() is one message.
class PuntSocket : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds_), 0); }
  void TearDown() override {
    close(fds_[0]);
    close(fds_[1]);
  }

  Message receive(std::vector<std::uint8_t>& buffer, PuntError expected = PuntError::Ok) {
    buffer.assign(kMaxMessageSize, 0);
    const ssize_t n = recv(fds_[1], buffer.data(), buffer.size(), 0);
    EXPECT_GT(n, 0);
    buffer.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    Message m;
    EXPECT_EQ(decode(buffer, m), expected);
    return m;
  }

  int fds_[2] = {-1, -1};
};

TEST_F(PuntSocket, SendsAndReceivesOneMessage) {
  constexpr std::string_view kRegister =
      "REGISTER sip:example.com SIP/2.0\r\nCall-ID: 843817637684230@998sdasdh09\r\nContent-Length: 0\r\n\r\n";
  const Header h{.type = MessageType::Punt, .flags = kFlagOutside, .nat_bits = 3, .port_id = 0, .worker_id = 1,
                 .src_ipv4 = 0xCB00710A, .dst_ipv4 = 0xC6336401, .src_port = 1024, .dst_port = 5060,
                 .payload_length = 0, .cookie = 1};
  std::vector<std::uint8_t> out(kMaxMessageSize);
  std::size_t written = 0;
  ASSERT_EQ(encode(h, as_bytes(kRegister), out, written), PuntError::Ok);
  ASSERT_EQ(send(fds_[0], out.data(), written, MSG_NOSIGNAL), static_cast<ssize_t>(written));

  std::vector<std::uint8_t> buffer;
  const Message m = receive(buffer);
  EXPECT_EQ(m.header.type, MessageType::Punt);
  EXPECT_EQ(m.header.src_ipv4, 0xCB00710AU);
  EXPECT_EQ(m.header.worker_id, 1);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()), kRegister);
}

TEST_F(PuntSocket, BoundariesArePreservedBetweenMessages) {
  std::vector<std::uint8_t> out(kMaxMessageSize);
  std::size_t written = 0;
  for (std::uint64_t i = 0; i < 3; ++i) {
    std::array<std::uint8_t, kStateBodySize> body{};
    encode_state(StateBody{.set_id = 1, .destination_index = static_cast<std::uint16_t>(i), .up = i % 2 == 0,
                           .generation = 5},
                 body);
    ASSERT_EQ(encode(Header{.type = MessageType::State, .cookie = i}, body, out, written), PuntError::Ok);
    ASSERT_EQ(send(fds_[0], out.data(), written, MSG_NOSIGNAL), static_cast<ssize_t>(written));
  }
  for (std::uint64_t i = 0; i < 3; ++i) {
    std::vector<std::uint8_t> buffer;
    const Message m = receive(buffer);
    EXPECT_EQ(m.header.cookie, i);
    StateBody state;
    ASSERT_EQ(decode_state(m.payload, state), PuntError::Ok);
    EXPECT_EQ(state.destination_index, i);
    EXPECT_EQ(state.up, i % 2 == 0);
  }
}

TEST_F(PuntSocket, ScatterGatherHeaderAndPacketArriveAsOneMessage) {
  // How the dataplane punts without copying the packet: header and mbuf
  // bytes as two iovecs.
  std::vector<std::uint8_t> packet(1400, 'p');
  std::array<std::uint8_t, kHeaderSize> head{};
  ASSERT_EQ(encode_header(Header{.type = MessageType::Punt, .cookie = 9}, packet.size(), head), PuntError::Ok);
  iovec iov[2] = {{head.data(), head.size()}, {packet.data(), packet.size()}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  ASSERT_EQ(sendmsg(fds_[0], &msg, MSG_NOSIGNAL), static_cast<ssize_t>(kHeaderSize + packet.size()));
  std::vector<std::uint8_t> buffer;
  const Message m = receive(buffer);
  EXPECT_EQ(m.header.cookie, 9U);
  EXPECT_EQ(m.payload.size(), packet.size());
}

TEST_F(PuntSocket, LargestMessageFits) {
  std::vector<std::uint8_t> payload(kMaxPayload, 'z');
  std::vector<std::uint8_t> out(kMaxMessageSize);
  std::size_t written = 0;
  ASSERT_EQ(encode(Header{.type = MessageType::Tx}, payload, out, written), PuntError::Ok);
  ASSERT_EQ(send(fds_[0], out.data(), written, MSG_NOSIGNAL), static_cast<ssize_t>(written));
  std::vector<std::uint8_t> buffer;
  const Message m = receive(buffer);
  EXPECT_EQ(m.payload.size(), kMaxPayload);
}

TEST_F(PuntSocket, GarbageFromThePeerIsRejected) {
  const std::string_view junk = "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: not a punt peer at all\r\n\r\n and some more bytes";
  ASSERT_GT(send(fds_[0], junk.data(), junk.size(), MSG_NOSIGNAL), 0);
  std::vector<std::uint8_t> buffer;
  (void)receive(buffer, PuntError::BadMagic);
}

}  // namespace
}  // namespace sipedge::punt
