#include "store/subscriber.h"

namespace sipedge::store {

const Subscriber* MemorySubscriberStore::find(std::string_view username, std::string_view realm) const {
  // std::pair has no heterogeneous ordering with string_views, so build the
  // key; subscriber lookups happen once per authenticated REGISTER.
  const auto it = table_.find(std::make_pair(std::string(username), std::string(realm)));
  return it == table_.end() ? nullptr : &it->second;
}

bool MemorySubscriberStore::put(const Subscriber& subscriber, std::string& /*error*/) {
  table_.insert_or_assign(std::make_pair(subscriber.username, subscriber.realm), subscriber);
  return true;
}

bool MemorySubscriberStore::erase(std::string_view username, std::string_view realm, std::string& /*error*/) {
  table_.erase(std::make_pair(std::string(username), std::string(realm)));
  return true;
}

void MemorySubscriberStore::for_each(const std::function<void(const Subscriber&)>& visit) const {
  for (const auto& [key, subscriber] : table_) visit(subscriber);
}

}  // namespace sipedge::store
