#include "store/memory_store.h"

namespace sipedge::store {

bool MemoryStore::persist(std::span<const PersistRow> rows, std::string& error) {
  if (failures_to_inject_ > 0) {
    --failures_to_inject_;
    error = "injected failure";
    return false;
  }
  for (const PersistRow& row : rows) {
    auto key = std::make_pair(std::string(row.aor), std::string(row.contact));
    if (row.binding != nullptr)
      persisted_.insert_or_assign(std::move(key), *row.binding);
    else
      persisted_.erase(key);
  }
  return true;
}

bool MemoryStore::load_rows(std::vector<Binding>& out, std::string& /*error*/) {
  out.clear();
  out.reserve(persisted_.size());
  for (const auto& [key, binding] : persisted_) out.push_back(binding);
  return true;
}

}  // namespace sipedge::store
