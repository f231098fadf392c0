#pragma once
// sipedge::store::Subscriber / SubscriberStore — the credentials digest
// authentication checks against (RFC 3261 22.4, RFC 8760).
//
// A subscriber is (username, realm) with either a plaintext password or
// precomputed HA1 values: ha1_md5 = hex(MD5(username ":" realm ":" password)),
// ha1_sha256 = hex(SHA-256(same)), lower-case hex. Operators usually provision
// HA1 only, so the password need not be stored. A subscriber with only
// ha1_md5 can authenticate with MD5 only: both challenges are still offered,
// and an answer to the SHA-256 one fails like a wrong password.
//
// Thread-safety: none (event loop thread). find() never touches the disk: the
// SQLite implementation caches the table in memory (reload() re-reads it).
// Views returned by find() are valid until the next put/erase/reload.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace sipedge::store {

struct Subscriber {
  std::string username;
  std::string realm;
  std::string password;    // plaintext; empty when only HA1 is provisioned
  std::string ha1_md5;     // 32 lower-case hex digits; empty = derive from password
  std::string ha1_sha256;  // 64 lower-case hex digits; empty = derive from password
};

class SubscriberStore {
 public:
  virtual ~SubscriberStore() = default;
  SubscriberStore() = default;
  SubscriberStore(const SubscriberStore&) = delete;
  SubscriberStore& operator=(const SubscriberStore&) = delete;

  // nullptr when unknown. username and realm compare byte-wise.
  virtual const Subscriber* find(std::string_view username, std::string_view realm) const = 0;
  virtual std::size_t size() const = 0;
  // Adds or replaces (durably for persistent stores). False with `error` when
  // the backend refused; the memory copy is then unchanged.
  virtual bool put(const Subscriber& subscriber, std::string& error) = 0;
  virtual bool erase(std::string_view username, std::string_view realm, std::string& error) = 0;
  // Every subscriber, ordered by (username, realm).
  virtual void for_each(const std::function<void(const Subscriber&)>& visit) const = 0;
  // Re-reads a persistent backend (rows written behind our back, e.g. with
  // the sqlite3 shell). False with `error` when it failed; the memory copy is
  // then unchanged. Stores with nothing behind them return true.
  virtual bool reload(std::string& error) = 0;
};

// In-memory subscriber table (tests, static provisioning).
class MemorySubscriberStore : public SubscriberStore {
 public:
  const Subscriber* find(std::string_view username, std::string_view realm) const override;
  std::size_t size() const override { return table_.size(); }
  bool put(const Subscriber& subscriber, std::string& error) override;
  bool erase(std::string_view username, std::string_view realm, std::string& error) override;
  void for_each(const std::function<void(const Subscriber&)>& visit) const override;
  bool reload(std::string& /*error*/) override { return true; }

 protected:
  // For subclasses that load from a backend.
  void replace_all(std::map<std::pair<std::string, std::string>, Subscriber, std::less<>> table) {
    table_ = std::move(table);
  }

 private:
  std::map<std::pair<std::string, std::string>, Subscriber, std::less<>> table_;
};

}  // namespace sipedge::store
