#include "store/indexed_store.h"

#include <algorithm>
#include <iterator>

namespace sipedge::store {

std::span<const Binding> IndexedStore::lookup(std::string_view aor) const {
  const auto it = aors_.find(aor);
  if (it == aors_.end()) return {};
  return it->second.bindings;
}

const Binding* IndexedStore::find(std::string_view aor, std::string_view contact) const {
  for (const Binding& b : lookup(aor))
    if (b.contact == contact) return &b;
  return nullptr;
}

bool IndexedStore::for_each_slice(WalkCursor& cursor, std::size_t max_buckets,
                                  const std::function<void(const Binding&)>& visit) const {
  if (cursor.buckets != aors_.bucket_count()) cursor = {0, aors_.bucket_count()};
  const std::size_t end = std::min(cursor.buckets, cursor.bucket + max_buckets);
  for (; cursor.bucket < end; ++cursor.bucket)
    for (auto it = aors_.begin(cursor.bucket); it != aors_.end(cursor.bucket); ++it)
      for (const Binding& b : it->second.bindings) visit(b);
  return cursor.bucket >= cursor.buckets;
}

Binding* IndexedStore::find_mutable(std::string_view aor, std::string_view contact) {
  const auto it = aors_.find(aor);
  if (it == aors_.end()) return nullptr;
  for (Binding& b : it->second.bindings)
    if (b.contact == contact) return &b;
  return nullptr;
}

void IndexedStore::for_each(const std::function<void(const Binding&)>& visit) const {
  for (const auto& [aor, record] : aors_)
    for (const Binding& b : record.bindings) visit(b);
}

void IndexedStore::mark_dirty(std::string_view aor, std::string_view contact) {
  dirty_.emplace(std::string(aor), std::string(contact));
}

void IndexedStore::reindex(AorMap::iterator it) {
  Aor& record = it->second;
  expiry_.erase({record.next_expiry, &it->first});
  if (record.bindings.empty()) {
    aors_.erase(it);
    return;
  }
  std::int64_t next = record.bindings.front().expires_at;
  for (const Binding& b : record.bindings) next = std::min(next, b.expires_at);
  record.next_expiry = next;
  expiry_.emplace(next, &it->first);
}

void IndexedStore::notify(ChangeKind kind, const Binding& binding) {
  if (subscribers_.empty()) return;
  const Change change{kind, ChangeOrigin::local, binding};
  for (const auto& [id, callback] : subscribers_) callback(change);
}

Sequence IndexedStore::upsert(Binding binding) {
  auto it = aors_.find(std::string_view(binding.aor));
  if (it == aors_.end()) it = aors_.try_emplace(binding.aor).first;
  auto& bindings = it->second.bindings;
  auto same = std::find_if(bindings.begin(), bindings.end(),
                           [&](const Binding& b) { return b.contact == binding.contact; });
  ChangeKind kind = ChangeKind::added;
  const Binding* stored = nullptr;
  if (same != bindings.end()) {
    kind = ChangeKind::updated;
    binding.keepalive = same->received == binding.received ? same->keepalive : KeepaliveState{};
    *same = std::move(binding);
    stored = &*same;
  } else {
    binding.keepalive = KeepaliveState{};
    bindings.push_back(std::move(binding));
    stored = &bindings.back();
    ++binding_count_;
  }
  const Sequence sequence = next_sequence();
  mark_dirty(stored->aor, stored->contact);
  ++stats_.upserts;
  reindex(it);  // never erases: the AOR has a binding
  notify(kind, *stored);
  return sequence;
}

Sequence IndexedStore::remove(std::string_view aor, std::string_view contact) {
  const auto it = aors_.find(aor);
  if (it == aors_.end()) return 0;
  auto& bindings = it->second.bindings;
  auto same = std::find_if(bindings.begin(), bindings.end(), [&](const Binding& b) { return b.contact == contact; });
  if (same == bindings.end()) return 0;
  const Binding old = std::move(*same);
  bindings.erase(same);
  --binding_count_;
  const Sequence sequence = next_sequence();
  mark_dirty(old.aor, old.contact);
  ++stats_.removes;
  reindex(it);
  notify(ChangeKind::removed, old);
  return sequence;
}

Sequence IndexedStore::remove_all(std::string_view aor) {
  const auto it = aors_.find(aor);
  if (it == aors_.end()) return 0;
  std::vector<Binding> old = std::move(it->second.bindings);
  it->second.bindings.clear();
  binding_count_ -= old.size();
  reindex(it);
  Sequence sequence = 0;
  for (const Binding& b : old) {
    sequence = next_sequence();
    mark_dirty(b.aor, b.contact);
    ++stats_.removes;
  }
  for (const Binding& b : old) notify(ChangeKind::removed, b);
  return sequence;
}

std::size_t IndexedStore::expire(std::int64_t now) {
  std::size_t count = 0;
  std::vector<Binding> gone;
  while (!expiry_.empty() && expiry_.begin()->first <= now) {
    const auto it = aors_.find(std::string_view(*expiry_.begin()->second));
    auto& bindings = it->second.bindings;
    gone.clear();
    const auto keep = std::stable_partition(bindings.begin(), bindings.end(),
                                            [now](const Binding& b) { return !b.expired(now); });
    std::move(keep, bindings.end(), std::back_inserter(gone));
    bindings.erase(keep, bindings.end());
    binding_count_ -= gone.size();
    reindex(it);
    for (const Binding& b : gone) {
      next_sequence();
      mark_dirty(b.aor, b.contact);
    }
    for (const Binding& b : gone) notify(ChangeKind::expired, b);
    count += gone.size();
  }
  stats_.expired += count;
  return count;
}

bool IndexedStore::set_keepalive(std::string_view aor, std::string_view contact, const KeepaliveState& state) {
  const auto it = aors_.find(aor);
  if (it == aors_.end()) return false;
  for (Binding& b : it->second.bindings) {
    if (b.contact == contact) {
      b.keepalive = state;
      return true;
    }
  }
  return false;
}

FlushResult IndexedStore::flush() {
  FlushResult result;
  if (dirty_.empty()) {
    durable_ = last_;
    result.durable = durable_;
    return result;
  }
  std::vector<PersistRow> rows;
  rows.reserve(dirty_.size());
  for (const auto& [aor, contact] : dirty_) rows.push_back({find(aor, contact), aor, contact});
  if (!persist(rows, result.error)) {
    ++consecutive_failures_;
    ++stats_.flush_failures;
    failed_rows_ = rows.size();
    result.ok = false;
    result.durable = durable_;
    result.consecutive_failures = consecutive_failures_;
    return result;
  }
  if (consecutive_failures_ > 0) stats_.retried_rows += std::min(failed_rows_, rows.size());
  consecutive_failures_ = 0;
  failed_rows_ = 0;
  dirty_.clear();
  durable_ = last_;
  ++stats_.flushes;
  stats_.rows_written += rows.size();
  result.written = rows.size();
  result.durable = durable_;
  return result;
}

LoadResult IndexedStore::load_all(std::int64_t now) {
  LoadResult result;
  std::vector<Binding> rows;
  if (!load_rows(rows, result.error)) {
    result.ok = false;
    return result;
  }
  aors_.clear();
  expiry_.clear();
  dirty_.clear();
  binding_count_ = 0;
  for (Binding& b : rows) {
    if (b.expired(now)) {
      next_sequence();
      mark_dirty(b.aor, b.contact);
      ++result.dropped;
      continue;
    }
    b.keepalive = KeepaliveState{};
    auto it = aors_.find(std::string_view(b.aor));
    if (it == aors_.end()) it = aors_.try_emplace(b.aor).first;
    it->second.bindings.push_back(std::move(b));
    ++binding_count_;
  }
  for (auto it = aors_.begin(); it != aors_.end(); ++it) {
    std::int64_t next = it->second.bindings.front().expires_at;
    for (const Binding& b : it->second.bindings) next = std::min(next, b.expires_at);
    it->second.next_expiry = next;
    expiry_.emplace(next, &it->first);
  }
  if (dirty_.empty()) durable_ = last_;
  result.loaded = binding_count_;
  return result;
}

SubscriptionId IndexedStore::subscribe(ChangeCallback callback) {
  const SubscriptionId id = next_subscription_++;
  subscribers_.emplace(id, std::move(callback));
  return id;
}

void IndexedStore::unsubscribe(SubscriptionId id) { subscribers_.erase(id); }

}  // namespace sipedge::store
