#pragma once
// sipedge::store::IndexedStore — the memory half every backend shares: the
// aor -> bindings index, the expiry order, the dirty set and the sequence
// numbers. A backend derives from it and implements persist() (write a batch
// of dirty rows durably, all or nothing) and load_rows() (read everything).
//
// Thread-safety, errors and view lifetimes: as LocationStore.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/location_store.h"

namespace sipedge::store {

// One row to make durable: the binding's current value, or a deletion.
struct PersistRow {
  const Binding* binding = nullptr;  // nullptr: delete (aor, contact)
  std::string_view aor;
  std::string_view contact;
};

class IndexedStore : public LocationStore {
 public:
  std::span<const Binding> lookup(std::string_view aor) const override;
  const Binding* find(std::string_view aor, std::string_view contact) const override;
  void for_each(const std::function<void(const Binding&)>& visit) const override;
  std::size_t binding_count() const override { return binding_count_; }
  std::size_t aor_count() const override { return aors_.size(); }

  // A walk spread over event-loop turns: each call visits the bindings of
  // the AORs in up to `max_buckets` hash buckets from `cursor` and returns
  // true once the walk is complete. Changes between calls are allowed; a
  // rehash between calls restarts the walk (a binding may be visited twice,
  // none present throughout is missed). `visit` must not change the store.
  struct WalkCursor {
    std::size_t bucket = 0;
    std::size_t buckets = 0;  // bucket count the walk started with
  };
  bool for_each_slice(WalkCursor& cursor, std::size_t max_buckets,
                      const std::function<void(const Binding&)>& visit) const;
  // Room for `aors` AORs, so growing to that many rehashes at most now.
  void reserve(std::size_t aors) { aors_.reserve(aors); }

  Sequence upsert(Binding binding) override;
  Sequence remove(std::string_view aor, std::string_view contact) override;
  Sequence remove_all(std::string_view aor) override;
  std::size_t expire(std::int64_t now) override;
  bool set_keepalive(std::string_view aor, std::string_view contact, const KeepaliveState& state) override;

  FlushResult flush() override;
  Sequence durable_sequence() const override { return durable_; }
  Sequence last_sequence() const override { return last_; }
  std::size_t pending() const override { return dirty_.size(); }
  LoadResult load_all(std::int64_t now) override;

  SubscriptionId subscribe(ChangeCallback callback) override;
  void unsubscribe(SubscriptionId id) override;
  const StoreStats& stats() const override { return stats_; }

 protected:
  IndexedStore() = default;

  // Writes `rows` durably as one unit. On failure returns false with `error`
  // set and must leave the backend as it was (rollback).
  virtual bool persist(std::span<const PersistRow> rows, std::string& error) = 0;
  // Reads every stored row into `out`. False with `error` on failure.
  virtual bool load_rows(std::vector<Binding>& out, std::string& error) = 0;
  // For memory-only marks of a derived backend (no change, no notification).
  Binding* find_mutable(std::string_view aor, std::string_view contact);

 private:
  struct Aor {
    std::vector<Binding> bindings;
    std::int64_t next_expiry = 0;  // min expires_at; key in expiry_
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using AorMap = std::unordered_map<std::string, Aor, Hash, std::equal_to<>>;
  using DirtyKey = std::pair<std::string, std::string>;  // (aor, contact)

  Sequence next_sequence() { return ++last_; }
  void mark_dirty(std::string_view aor, std::string_view contact);
  void reindex(AorMap::iterator it);  // after the AOR's bindings changed; erases it when empty
  void notify(ChangeKind kind, const Binding& binding);

  AorMap aors_;
  std::set<std::pair<std::int64_t, const std::string*>> expiry_;  // (next_expiry, key in aors_)
  std::set<DirtyKey, std::less<>> dirty_;
  std::size_t binding_count_ = 0;
  Sequence last_ = 0;
  Sequence durable_ = 0;
  std::uint32_t consecutive_failures_ = 0;
  std::size_t failed_rows_ = 0;  // rows of the last failed flush, for retried_rows
  std::map<SubscriptionId, ChangeCallback> subscribers_;
  SubscriptionId next_subscription_ = 1;
  StoreStats stats_;
};

}  // namespace sipedge::store
