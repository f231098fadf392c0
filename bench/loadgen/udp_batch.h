// Kernel UDP for the loadgen: one socket per role, datagrams received and
// sent in batches with recvmmsg/sendmmsg so a syscall moves up to a batch of
// messages. Buffers are allocated once; the hot loop only copies into them.
//
// Thread-safety: one thread per socket and per batch.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipedge::loadgen {

inline constexpr std::size_t kMaxDatagram = 2048;

// "a.b.c.d:port" (IPv4 only: the topology is IPv4); port defaults to 5060.
std::optional<sockaddr_in> parse_ipv4_endpoint(std::string_view text);
std::string format_ipv4(const sockaddr_in& address);  // "a.b.c.d"

class UdpSocket {
 public:
  // Binds `local` with large socket buffers; nullopt and `error` on failure.
  static std::optional<UdpSocket> open(const sockaddr_in& local, std::string& error);
  UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UdpSocket& operator=(UdpSocket&&) = delete;
  UdpSocket(const UdpSocket&) = delete;
  ~UdpSocket();

  int fd() const { return fd_; }
  // The bound address (the port the kernel chose when asked for port 0).
  sockaddr_in local() const;
  // Waits until a datagram is readable or `timeout_ns` passed.
  void wait_readable(std::int64_t timeout_ns) const;

 private:
  explicit UdpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class RecvBatch {
 public:
  explicit RecvBatch(std::size_t capacity);
  // What is queued now, without waiting (at most capacity). Truncated
  // datagrams are not returned; they are counted.
  std::size_t receive(const UdpSocket& socket);
  std::string_view datagram(std::size_t i) const { return {buffers_.data() + i * kMaxDatagram, lengths_[i]}; }
  const sockaddr_in& peer(std::size_t i) const { return peers_[i]; }
  std::uint64_t truncated() const { return truncated_; }
  std::uint64_t errors() const { return errors_; }

 private:
  std::vector<char> buffers_;
  std::vector<sockaddr_in> peers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
  std::vector<std::size_t> lengths_;
  std::uint64_t truncated_ = 0;
  std::uint64_t errors_ = 0;
};

class SendBatch {
 public:
  SendBatch(std::size_t capacity, const UdpSocket& socket);
  // The buffer for the next datagram (flushing first if the batch is full);
  // commit() queues what was written there.
  std::span<char> next_buffer();
  void commit(std::size_t length, const sockaddr_in& to);
  void send_copy(std::string_view bytes, const sockaddr_in& to);
  // Sends everything queued. A datagram the kernel refuses is lost, as on a
  // network, and counted: retransmissions recover it.
  void flush();
  std::uint64_t sent() const { return sent_; }
  std::uint64_t errors() const { return errors_; }

 private:
  const UdpSocket& socket_;
  std::vector<char> buffers_;
  std::vector<sockaddr_in> peers_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> headers_;
  std::size_t queued_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace sipedge::loadgen
