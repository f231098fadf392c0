#include "udp_batch.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

namespace sipedge::loadgen {

namespace {

// Large enough for a second of 20k CPS bursts without kernel drops.
constexpr int kSocketBuffer = 8 << 20;

void prepare(std::vector<char>& buffers, std::vector<sockaddr_in>& peers, std::vector<iovec>& iovecs,
             std::vector<mmsghdr>& headers, std::size_t capacity) {
  buffers.assign(capacity * kMaxDatagram, 0);
  peers.assign(capacity, sockaddr_in{});
  iovecs.assign(capacity, iovec{});
  headers.assign(capacity, mmsghdr{});
  for (std::size_t i = 0; i < capacity; ++i) {
    iovecs[i] = {buffers.data() + i * kMaxDatagram, kMaxDatagram};
    headers[i].msg_hdr.msg_iov = &iovecs[i];
    headers[i].msg_hdr.msg_iovlen = 1;
    headers[i].msg_hdr.msg_name = &peers[i];
    headers[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  }
}

}  // namespace

std::optional<sockaddr_in> parse_ipv4_endpoint(std::string_view text) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  std::uint16_t port = 5060;
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0) return std::nullopt;
    text = text.substr(0, colon);
  }
  const std::string host(text);
  if (inet_pton(AF_INET, host.c_str(), &out.sin_addr) != 1) return std::nullopt;
  out.sin_port = htons(port);
  return out;
}

std::string format_ipv4(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return text;
}

std::optional<UdpSocket> UdpSocket::open(const sockaddr_in& local, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  UdpSocket sock(fd);
  for (const int option : {SO_RCVBUF, SO_SNDBUF}) {
    // The FORCE variants pass the sysctl caps when root (the benches are);
    // otherwise the plain option gives what the caps allow.
    const int forced = option == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
    if (setsockopt(fd, SOL_SOCKET, forced, &kSocketBuffer, sizeof kSocketBuffer) != 0) {
      setsockopt(fd, SOL_SOCKET, option, &kSocketBuffer, sizeof kSocketBuffer);
    }
  }
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    error = "bind " + format_ipv4(local) + ":" + std::to_string(ntohs(local.sin_port)) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return sock;
}

sockaddr_in UdpSocket::local() const {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
  return address;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void UdpSocket::wait_readable(std::int64_t timeout_ns) const {
  if (timeout_ns <= 0) return;
  pollfd p{fd_, POLLIN, 0};
  const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
  ::ppoll(&p, 1, &timeout, nullptr);
}

RecvBatch::RecvBatch(std::size_t capacity) : lengths_(capacity, 0) {
  prepare(buffers_, peers_, iovecs_, headers_, capacity);
}

std::size_t RecvBatch::receive(const UdpSocket& socket) {
  for (auto& h : headers_) {
    h.msg_hdr.msg_namelen = sizeof(sockaddr_in);
    h.msg_hdr.msg_flags = 0;
  }
  const int n = ::recvmmsg(socket.fd(), headers_.data(), static_cast<unsigned>(headers_.size()), MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++errors_;
    return 0;
  }
  // Truncated datagrams are squeezed out so callers see whole messages only.
  std::size_t kept = 0;
  for (int i = 0; i < n; ++i) {
    if ((headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
      ++truncated_;
      continue;
    }
    if (kept != static_cast<std::size_t>(i)) {
      std::memcpy(buffers_.data() + kept * kMaxDatagram, buffers_.data() + i * kMaxDatagram, headers_[i].msg_len);
      peers_[kept] = peers_[i];
    }
    lengths_[kept++] = headers_[i].msg_len;
  }
  return kept;
}

SendBatch::SendBatch(std::size_t capacity, const UdpSocket& socket) : socket_(socket) {
  prepare(buffers_, peers_, iovecs_, headers_, capacity);
}

std::span<char> SendBatch::next_buffer() {
  if (queued_ == headers_.size()) flush();
  return {buffers_.data() + queued_ * kMaxDatagram, kMaxDatagram};
}

void SendBatch::commit(std::size_t length, const sockaddr_in& to) {
  iovecs_[queued_].iov_len = length;
  peers_[queued_] = to;
  ++queued_;
}

void SendBatch::send_copy(std::string_view bytes, const sockaddr_in& to) {
  const std::span<char> buffer = next_buffer();
  const std::size_t length = bytes.size() < buffer.size() ? bytes.size() : buffer.size();
  std::memcpy(buffer.data(), bytes.data(), length);
  commit(length, to);
}

void SendBatch::flush() {
  std::size_t done = 0;
  while (done < queued_) {
    const int n = ::sendmmsg(socket_.fd(), headers_.data() + done, static_cast<unsigned>(queued_ - done), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++errors_;  // this datagram is lost; the rest still go
      ++done;
      continue;
    }
    done += static_cast<std::size_t>(n);
    sent_ += static_cast<std::uint64_t>(n);
  }
  queued_ = 0;
}

}  // namespace sipedge::loadgen
