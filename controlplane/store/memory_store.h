#pragma once
// sipedge::store::MemoryStore — a LocationStore without a backend, for tests
// and for running without persistence. flush() always succeeds unless a test
// made it fail with fail_next_flushes(); load_all() reloads what the last
// successful flushes "persisted" (a copy kept in memory), so restart logic can
// be tested without a file.
#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include "store/indexed_store.h"

namespace sipedge::store {

class MemoryStore final : public IndexedStore {
 public:
  MemoryStore() = default;

  // The next `count` flushes fail (test hook for the retry path).
  void fail_next_flushes(std::size_t count) { failures_to_inject_ = count; }
  // Rows "persisted" so far.
  std::size_t persisted_rows() const { return persisted_.size(); }

 protected:
  bool persist(std::span<const PersistRow> rows, std::string& error) override;
  bool load_rows(std::vector<Binding>& out, std::string& error) override;

 private:
  std::map<std::pair<std::string, std::string>, Binding> persisted_;
  std::size_t failures_to_inject_ = 0;
};

}  // namespace sipedge::store
