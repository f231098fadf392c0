// sipedge-cp's reload re-reads its TOML file: a broken file is refused with
// file:line before the dataplane is asked (the running config stays); a good
// one's dispatcher sets are probed and listed once the dataplane reloaded.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <memory>
#include <thread>
#include <vector>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "fixtures/node_toml.h"
#include "loop_fixture.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {
namespace {

// The node as the loop was started on it: the shared fixture node with one
// port "p0", its store in `dir`. `extra` is appended (later keys of a section
// are written as whole sections, so tests add [registrar] etc.).
std::string node_toml(const std::string& dir, const std::vector<fixtures::NodeDestination>& destinations,
                      std::string_view extra = {}, unsigned node_id = 1, std::string_view store_file = "location.db") {
  fixtures::NodeToml node{.id = node_id,
                          .punt_socket = dir + "/punt.sock",
                          .ports = {{.name = "p0", .device = "net_null0", .address = "203.0.113.10/24"}},
                          .inside_prefixes = {},
                          .set_algorithm = "",
                          .destinations = destinations};
  node.extra = "[store.sqlite]\npath = \"" + dir + "/" + std::string(store_file) + "\"\n" + std::string(extra);
  if (extra.find("[probe]") == std::string_view::npos) node.extra += "[probe]\nenabled = false\n";
  return fixtures::node_toml(node);
}

const std::vector<fixtures::NodeDestination> kOneDestination{{"sip:198.51.100.21:5060", {}}};
const std::vector<fixtures::NodeDestination> kTwoDestinations{{"sip:198.51.100.21:5060", {}}, {"sip:198.51.100.22:5060", {}}};

class LoopReload : public LoopFixture {
 protected:
  LoopReload() : path_(dir_.path() + "/sipedge.toml") {
    write_file(node_toml(dir_.path(), kOneDestination));
    auto loaded = config::load_file(path_);
    if (!loaded.ok()) throw std::runtime_error(loaded.errors.front().to_string());
    config_ = std::move(*loaded.config);
  }
  void SetUp() override { start_loop(nullptr, path_, RunningLoop::ReloadFd::eventfd); }
  void write_file(std::string_view text) { std::ofstream(path_) << text; }
  // POST /api/reload answered by the fake dataplane (`dataplane_ok`); the HTTP answer.
  std::string reload(bool dataplane_ok = true, const std::string& headers = {}) {
    return reload_answered_by_dataplane("POST /api/reload HTTP/1.1\r\n" + headers + "\r\n",
                                        static_cast<std::uint16_t>(punt::kFlagReply | (dataplane_ok ? 0 : punt::kFlagFailed)),
                                        ++generation_);
  }

  std::string path_;
  std::uint64_t generation_ = 1;
};

TEST_F(LoopReload, ABrokenFileIsRefusedWithItsPositionAndTheDataplaneIsNotAsked) {
  write_file("[node]\nid = = 1\n");
  const std::string r = http_raw(port(), "POST /api/reload HTTP/1.1\r\n\r\n", 4000);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 409")) << r;
  EXPECT_NE(r.find(path_ + ":2:"), std::string::npos) << "file:line: " << r;
  EXPECT_FALSE(dp_->recv(300)) << "no RELOAD for a file the dataplane would refuse too";
  const std::string sets = http_get(port(), "/api/sets");
  EXPECT_NE(sets.find("198.51.100.21"), std::string::npos);
  EXPECT_EQ(sets.find("198.51.100.22"), std::string::npos);
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_config_refused_total 1\n"), std::string::npos);
}

TEST_F(LoopReload, AGoodFilesSetsAreTakenOverOnceTheDataplaneReloaded) {
  write_file(node_toml(dir_.path(), kTwoDestinations));
  std::string response;
  std::thread client([&] { response = http_raw(port(), "POST /api/reload HTTP/1.1\r\n\r\n", 4000); });
  const auto req = dp_->recv(3000);
  if (!req) client.join();
  ASSERT_TRUE(req) << response;
  ASSERT_EQ(req->header.type, punt::MessageType::Reload);
  EXPECT_EQ(http_get(port(), "/api/sets").find("198.51.100.22"), std::string::npos) << "not before its answer";
  dp_->send({.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 2}, "");
  client.join();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK")) << response;
  const std::string sets = http_get(port(), "/api/sets");
  EXPECT_NE(sets.find("\"index\":1,\"uri\":\"sip:198.51.100.22:5060\""), std::string::npos) << sets;
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_config_reloads_total 1\n"), std::string::npos);
}

// A port nobody listens on right now (bound, read, closed).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0x7F000001);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

TEST_F(LoopReload, KeysThatNeedARestartAreRefusedByNameAndNothingChanges) {
  write_file(node_toml(dir_.path(), kTwoDestinations, {}, 2, "other.db"));
  const std::string r = http_raw(port(), "POST /api/reload HTTP/1.1\r\n\r\n", 4000);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 409")) << r;
  EXPECT_NE(r.find("node.id, store.sqlite.path changed: they take a restart of sipedge-cp"), std::string::npos) << r;
  EXPECT_FALSE(dp_->recv(300)) << "the dataplane is not asked";
  EXPECT_EQ(http_get(port(), "/api/sets").find("198.51.100.22"), std::string::npos) << "the sets did not change either";
  EXPECT_NE(http_get(port(), "/metrics").find("\nsipedge_cp_config_refused_total 1\n"), std::string::npos);
}

TEST_F(LoopReload, AnAnnounceChangeIsRefusedItTakesARestart) {
  write_file(node_toml(dir_.path(), kTwoDestinations, "[announce]\nhold_down = 7\n"));
  const std::string r = http_raw(port(), "POST /api/reload HTTP/1.1\r\n\r\n", 4000);
  EXPECT_TRUE(r.starts_with("HTTP/1.1 409")) << r;
  EXPECT_NE(r.find("announce.* changed: it takes a restart of sipedge-cp"), std::string::npos) << r;
  EXPECT_FALSE(dp_->recv(300)) << "the dataplane is not asked";
}

TEST_F(LoopReload, MetricsListenIsReboundAndANewTokenApplies) {
  const std::string token_file = dir_.path() + "/api.token";
  std::ofstream(token_file) << "reloaded-token-0123456789\n";
  ::chmod(token_file.c_str(), 0600);
  const std::uint16_t old_port = port();
  const std::uint16_t new_port = free_port();
  write_file(node_toml(dir_.path(), kOneDestination,
                       "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(new_port) + "\"\ntoken_file = \"" +
                           token_file + "\"\n"));
  const std::string r = reload();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_EQ(port(), new_port);
  EXPECT_TRUE(http_get(old_port, "/metrics").empty()) << "the old listener is closed";
  EXPECT_TRUE(http_get(new_port, "/metrics").starts_with("HTTP/1.1 200 OK"));
  const std::string set_down = "POST /api/sets/state?destination=pool/0&state=down HTTP/1.1\r\nContent-Length: 0\r\n";
  EXPECT_TRUE(http_raw(new_port, set_down + "\r\n").starts_with("HTTP/1.1 401")) << "the token now applies";
  EXPECT_TRUE(http_raw(new_port, set_down + "Authorization: Bearer reloaded-token-0123456789\r\n\r\n")
                  .starts_with("HTTP/1.1 200 OK"));
}

TEST_F(LoopReload, AnAddressInUseKeepsTheOldListenerAndSaysSo) {
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(0x7F000001);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);
  socklen_t len = sizeof sa;
  ::getsockname(squatter, reinterpret_cast<sockaddr*>(&sa), &len);
  const std::uint16_t taken = ntohs(sa.sin_port);
  const std::uint16_t old_port = port();
  write_file(node_toml(dir_.path(), kTwoDestinations, "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(taken) + "\"\n"));
  const std::string r = reload();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 500")) << r;
  EXPECT_NE(r.find("metrics listen 127.0.0.1:" + std::to_string(taken) + ": Address already in use"), std::string::npos)
      << r;
  EXPECT_NE(r.find("the API stays on 127.0.0.1:" + std::to_string(old_port)), std::string::npos) << r;
  EXPECT_EQ(port(), old_port);
  EXPECT_NE(http_get(old_port, "/api/sets").find("198.51.100.22"), std::string::npos)
      << "the old listener still answers, and everything else was applied";
  ::close(squatter);
}

TEST_F(LoopReload, SighupReloadsAsTheApiDoes) {
  write_file(node_toml(dir_.path(), kTwoDestinations));
  running_->sighup();
  const auto req = dp_->recv(3000);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->header.type, punt::MessageType::Reload);
  dp_->send({.type = punt::MessageType::Reload, .flags = punt::kFlagReply, .cookie = 2}, "");
  bool taken = false;
  for (int i = 0; i < 40 && !taken; ++i) {
    taken = http_get(port(), "/api/sets").find("198.51.100.22") != std::string::npos;
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(taken);
}

}  // namespace
}  // namespace sipedge::cp::test
