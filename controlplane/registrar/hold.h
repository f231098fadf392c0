#pragma once
// sipedge::registrar::DurabilityHold — 200 OKs waiting for their bindings to
// become durable.
//
//   hold.hold(r.durable_after, item);            // while handling a REGISTER
//   auto flushed = store.flush();                // once per loop turn
//   if (flushed.ok) hold.release(flushed.durable, send);
//   else if (flushed.consecutive_failures >= N) hold.fail_all(send_500);
//
// Items are released in the order they were held; sequences are handed out in
// increasing order, so release stops at the first item not yet durable.
// Thread-safety: none (event loop thread). Header-only template; Item is
// whatever the cp needs to send later (destination + Response).
#include <cstddef>
#include <deque>
#include <utility>

#include "store/location_store.h"

namespace sipedge::registrar {

template <class Item>
class DurabilityHold {
 public:
  void hold(store::Sequence sequence, Item item) { held_.emplace_back(sequence, std::move(item)); }

  // Calls send(Item&&) for every held item whose sequence <= durable, oldest
  // first. Returns how many.
  template <class Send>
  std::size_t release(store::Sequence durable, Send&& send) {
    std::size_t n = 0;
    while (!held_.empty() && held_.front().first <= durable) {
      auto item = std::move(held_.front().second);
      held_.pop_front();
      send(std::move(item));
      ++n;
    }
    return n;
  }

  // Hands every held item to fail(Item&&) (the caller answers 500). Returns how many.
  template <class Fail>
  std::size_t fail_all(Fail&& fail) {
    std::size_t n = 0;
    while (!held_.empty()) {
      auto item = std::move(held_.front().second);
      held_.pop_front();
      fail(std::move(item));
      ++n;
    }
    return n;
  }

  std::size_t size() const { return held_.size(); }
  bool empty() const { return held_.empty(); }

 private:
  std::deque<std::pair<store::Sequence, Item>> held_;
};

}  // namespace sipedge::registrar
