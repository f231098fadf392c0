#include "cp/keepalive.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "sip/hash.h"

namespace sipedge::cp {
namespace {

constexpr char kHex[] = "0123456789abcdef";
// Branch id = node id (top byte) | entry id (56 bits: a 24-bit serial above a 32-bit cell).
constexpr int kNodeShift = 56;
constexpr std::uint64_t kEntryMask = (std::uint64_t{1} << kNodeShift) - 1;

void put_hex(char* out, std::uint64_t value, int digits) {
  for (int i = 0; i < digits; ++i) out[i] = kHex[(value >> (4 * (digits - 1 - i))) & 0xF];
}

bool parse_hex(std::string_view text, std::uint64_t& out) {
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc{} && p == text.data() + text.size();
}

}  // namespace

KeepaliveEngine::KeepaliveEngine(KeepaliveOptions options) : options_(std::move(options)) {
  const std::int64_t slots = std::max<std::int64_t>(1, options_.interval_ms / kTickMs);
  slots_.resize(static_cast<std::size_t>(slots));
}

void KeepaliveEngine::reconfigure(KeepaliveOptions options) {
  const bool respread = options.interval_ms != options_.interval_ms;
  const bool new_method = options.method != options_.method;
  options_ = std::move(options);
  if (options_.method == config::KeepaliveMethod::kOff) {
    entries_.clear();
    free_cells_.clear();
    ids_.clear();
    for (auto& slot : slots_) slot.clear();
  }
  if (new_method)
    for (auto& e : entries_) {
      e.outstanding = false;  // an OPTIONS in flight is no failure of a crlf binding
      e.failures = 0;
    }
  if (!respread) return;
  slots_.assign(static_cast<std::size_t>(std::max<std::int64_t>(1, options_.interval_ms / kTickMs)), {});
  for (const auto& [key, id] : ids_) {
    Entry* e = find(id);
    if (e == nullptr) continue;
    e->slot = static_cast<std::uint32_t>(sip::hash_bytes_portable(key) % slots_.size());
    slots_[e->slot].push_back(id);
  }
}

std::string KeepaliveEngine::key_of(std::string_view aor, std::string_view contact) {
  std::string key;
  key.reserve(aor.size() + contact.size() + 1);
  key.append(aor).push_back('\n');
  key.append(contact);
  return key;
}

void KeepaliveEngine::add(const store::Binding& binding) {
  if (!binding.nat || options_.method == config::KeepaliveMethod::kOff) {
    remove(binding.aor, binding.contact);  // a refresh may have cleared the NAT flag
    return;
  }
  std::string key = key_of(binding.aor, binding.contact);
  if (auto it = ids_.find(key); it != ids_.end()) {
    Entry& e = *find(it->second);
    if (e.received != binding.received) {
      e.failures = 0;
      e.outstanding = false;
    }
    e.received = binding.received;
    e.local = binding.local;
    return;
  }
  // Stable placement: the same binding gets the same slot after a restart.
  const std::uint32_t h = sip::hash_bytes_portable(key);
  const auto slot = static_cast<std::uint32_t>(h % slots_.size());
  std::uint32_t cell;
  if (!free_cells_.empty()) {
    cell = free_cells_.back();
    free_cells_.pop_back();
  } else {
    cell = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  next_serial_ = (next_serial_ + 1) & 0xFFFFFF;  // 24 bits: the branch's top byte names the node
  if (next_serial_ == 0) next_serial_ = 1;        // serial 0 would allow id 0
  const std::uint64_t id = std::uint64_t{next_serial_} << 32 | cell;
  entries_[cell] = Entry{.id = id,
                         .aor = binding.aor,
                         .contact = binding.contact,
                         .received = binding.received,
                         .local = binding.local,
                         .slot = slot};
  ids_.emplace(std::move(key), id);
  slots_[slot].push_back(id);
}

void KeepaliveEngine::remove(std::string_view aor, std::string_view contact) {
  auto it = ids_.find(key_of(aor, contact));
  if (it == ids_.end()) return;
  if (Entry* e = find(it->second)) release(*e);  // its id stays in the slot until run_slot compacts it
  ids_.erase(it);
}

std::size_t KeepaliveEngine::slot_load(std::size_t i) const {
  return static_cast<std::size_t>(
      std::count_if(slots_[i].begin(), slots_[i].end(), [&](std::uint64_t id) { return find(id) != nullptr; }));
}

const KeepaliveEngine::Entry* KeepaliveEngine::find(std::uint64_t id) const {
  const auto cell = static_cast<std::uint32_t>(id);
  if (cell >= entries_.size() || entries_[cell].id != id || id == 0) return nullptr;
  return &entries_[cell];
}

void KeepaliveEngine::release(Entry& e) {
  free_cells_.push_back(static_cast<std::uint32_t>(e.id));
  e = Entry{};
}

void KeepaliveEngine::advance(std::int64_t now_us, KeepaliveSink& sink) {
  const std::int64_t tick = now_us / 1000 / kTickMs;
  if (last_tick_ < 0) last_tick_ = tick - 1;
  if (tick <= last_tick_) return;
  // At most one turn of the wheel, whatever the gap (clock jump, stall).
  const auto n = static_cast<std::int64_t>(slots_.size());
  const std::int64_t first = std::max(last_tick_ + 1, tick - n + 1);
  std::vector<std::uint64_t> failed;
  for (std::int64_t t = first; t <= tick; ++t) run_slot(static_cast<std::size_t>(t % n), now_us, sink, failed);
  last_tick_ = tick;
  for (std::uint64_t id : failed) {
    const Entry* e = find(id);
    if (e == nullptr) continue;
    const std::string aor = e->aor, contact = e->contact;
    ++stats_.removed;
    remove(aor, contact);
    sink.failed(aor, contact);
  }
}

void KeepaliveEngine::run_slot(std::size_t slot, std::int64_t now_us, KeepaliveSink& sink,
                               std::vector<std::uint64_t>& failed) {
  auto& ids = slots_[slot];
  std::size_t keep = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::uint64_t id = ids[i];
    Entry* found = find(id);
    if (found == nullptr) continue;  // removed: compact
    ids[keep++] = id;
    Entry& e = *found;
    const store::Endpoint from = e.local.has_address() ? e.local : store::Endpoint{};
    switch (options_.method) {
      case config::KeepaliveMethod::kOptions: {
        if (e.outstanding) {
          ++stats_.failed;
          if (++e.failures >= options_.failures && options_.failures != 0) {
            failed.push_back(id);
            continue;
          }
          sink.missed(e.aor, e.contact, e.failures);
        }
        ++e.sequence;
        e.outstanding = true;
        e.sent_us = now_us;
        sink.send(from, e.received, options_text(e, id));
        break;
      }
      case config::KeepaliveMethod::kCrlf: sink.send(from, e.received, "\r\n\r\n"); break;
      case config::KeepaliveMethod::kNull: sink.send(from, e.received, std::string_view("\0\0\0\0", 4)); break;
      case config::KeepaliveMethod::kOff: continue;
    }
    ++stats_.sent;
  }
  ids.resize(keep);
}

std::string KeepaliveEngine::options_text(const Entry& e, std::uint64_t id) const {
  // Appends into one reserved buffer: at a million bindings this runs ~33,000
  // times a second, and every temporary string is a malloc.
  const store::Endpoint local = e.local.has_address() ? e.local : options_.vip;
  char host[INET6_ADDRSTRLEN + 8];  // "[v6]:port" (RFC 3261 25.1 IPv6reference) or "a.b.c.d:port"
  int host_len = 0;
  if (local.v6) {
    char address[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, local.ip6.bytes.data(), address, sizeof address);
    host_len = std::snprintf(host, sizeof host, "[%s]:%u", address, local.port ? local.port : 5060u);
  } else {
    host_len = std::snprintf(host, sizeof host, "%u.%u.%u.%u:%u", local.ip >> 24, (local.ip >> 16) & 0xFF,
                             (local.ip >> 8) & 0xFF, local.ip & 0xFF, local.port ? local.port : 5060u);
  }
  const std::string_view host_text(host, static_cast<std::size_t>(host_len));
  char branch_buf[kKeepaliveBranchPrefix.size() + 24];
  std::memcpy(branch_buf, kKeepaliveBranchPrefix.data(), kKeepaliveBranchPrefix.size());
  put_hex(branch_buf + kKeepaliveBranchPrefix.size(), (std::uint64_t{options_.node_id} << kNodeShift) | id, 16);
  put_hex(branch_buf + kKeepaliveBranchPrefix.size() + 16, e.sequence, 8);
  const std::string_view branch(branch_buf, sizeof branch_buf);
  char cseq[16];
  const auto cseq_end = std::to_chars(cseq, cseq + sizeof cseq, e.sequence).ptr;

  std::string t;
  t.reserve(330 + 2 * e.contact.size() + options_.from_user.size());
  t.append("OPTIONS ").append(e.contact).append(" SIP/2.0\r\nVia: SIP/2.0/UDP ").append(host_text);
  t.append(";branch=").append(branch).append(";rport\r\nMax-Forwards: 70\r\nFrom: <sip:").append(options_.from_user);
  t.append("@").append(host_text).append(">;tag=").append(branch.substr(kKeepaliveBranchPrefix.size(), 16));
  t.append("\r\nTo: <").append(e.contact).append(">\r\nCall-ID: ").append(branch).append("@sipedge\r\nCSeq: ");
  t.append(cseq, cseq_end).append(" OPTIONS\r\nContent-Length: 0\r\n\r\n");
  return t;
}

int keepalive_owner(const sip::Message& reply) {
  const auto via = reply.top_via();
  std::uint64_t id = 0;
  if (!via || !via->branch.starts_with(kKeepaliveBranchPrefix) ||
      via->branch.size() != kKeepaliveBranchPrefix.size() + 24 ||
      !parse_hex(via->branch.substr(kKeepaliveBranchPrefix.size(), 16), id))
    return -1;
  return static_cast<int>(id >> kNodeShift);
}

bool KeepaliveEngine::on_reply(const sip::Message& reply, std::int64_t now_us, std::int64_t unix_ms, ReplyMatch& out,
                               std::int64_t late_us) {
  const auto via = reply.top_via();
  if (!via || !via->branch.starts_with(kKeepaliveBranchPrefix) ||
      via->branch.size() != kKeepaliveBranchPrefix.size() + 24) {
    ++stats_.stray;
    return false;
  }
  const std::string_view hex = via->branch.substr(kKeepaliveBranchPrefix.size());
  std::uint64_t id = 0, sequence = 0;
  if (!parse_hex(hex.substr(0, 16), id) || !parse_hex(hex.substr(16), sequence)) {
    ++stats_.stray;
    return false;
  }
  if ((id >> kNodeShift) != options_.node_id) {
    ++stats_.stray;  // another node's keepalive (its owner should have got it)
    return false;
  }
  Entry* found = find(id & kEntryMask);
  if (found == nullptr || !found->outstanding || found->sequence != sequence) {
    ++stats_.stray;  // late, duplicated or for a binding that is gone
    return false;
  }
  Entry& e = *found;
  e.outstanding = false;
  e.failures = 0;
  const std::int64_t rtt_us = std::max<std::int64_t>(0, now_us - late_us - e.sent_us);
  ++stats_.answered;
  stats_.rtt_sum_us += static_cast<std::uint64_t>(rtt_us);
  std::size_t b = 0;
  while (b < kRttBucketsMs.size() && rtt_us > std::int64_t{kRttBucketsMs[b]} * 1000) ++b;
  ++stats_.rtt_buckets[b];
  out.aor = e.aor;
  out.contact = e.contact;
  out.state = {.last_rtt_us = static_cast<std::uint32_t>(std::min<std::int64_t>(rtt_us, UINT32_MAX)),
               .consecutive_failures = 0,
               .last_ok_ms = unix_ms};
  return true;
}

}  // namespace sipedge::cp
