// sipedge-cp's reload re-reads its TOML file: a broken file is refused with
// file:line before the dataplane is asked (the running config stays); a good
// one's dispatcher sets are probed and listed once the dataplane reloaded.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>

#include "cp/loop.h"
#include "cp_fixture.h"
#include "fake_dataplane.h"
#include "store/memory_store.h"

namespace sipedge::cp::test {
namespace {

constexpr std::string_view kToml = R"toml([node]
id = 1
[dataplane]
worker_lcores = [1]
[[port]]
name = "p0"
device = "net_null0"
address = "203.0.113.10/24"
[sip]
vips = ["203.0.113.1"]
default_set = "pool"
[[set]]
name = "pool"
id = 1
[[set.destination]]
uri = "sip:198.51.100.21:5060"
[[set.destination]]
uri = "sip:198.51.100.22:5060"
)toml";

class LoopReload : public ::testing::Test {
 protected:
  LoopReload() : config_(test_config(dir_.path())), path_(dir_.path() + "/sipedge.toml") {
    config::SetConfig pool;
    pool.name = "pool";
    pool.id = 1;
    config::DestinationConfig d;
    d.uri = "sip:198.51.100.21:5060";
    d.address = 0xC6336415;
    d.port = 5060;
    pool.destinations = {d};
    config_.sets = {pool};
    config_.probe.enabled = false;
  }
  void SetUp() override {
    loop_ = std::make_unique<Loop>(config_, store_, nullptr, config::Ipv4Endpoint{0x7F000001, 0}, path_);
    dp_ = std::make_unique<FakeDataplane>(config_.dataplane.punt_socket);
    stop_ = ::eventfd(0, EFD_CLOEXEC);
    runner_ = std::thread([this] { rc_ = loop_->run(stop_); });
    ASSERT_TRUE(dp_->accept(6000));
  }
  void TearDown() override {
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(stop_, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    runner_.join();
    EXPECT_EQ(rc_, 0);
    ::close(stop_);
  }
  void write_file(std::string_view text) { std::ofstream(path_) << text; }
  std::uint16_t port() const { return loop_->http_port(); }

  TempDir dir_;
  config::Config config_;
  std::string path_;
  store::MemoryStore store_;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<FakeDataplane> dp_;
  int stop_ = -1;
  int rc_ = -1;
  std::thread runner_;
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
  write_file(kToml);
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

}  // namespace
}  // namespace sipedge::cp::test
