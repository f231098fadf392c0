// The fuzz seed corpus is realistic SIP: every seed must parse, and the
// dataplane's request rewrite of each must parse again.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sip/nat.h"
#include "sip/rewrite.h"

namespace sipedge::sip {
namespace {

std::vector<std::filesystem::path> seeds() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(SIPEDGE_SIP_CORPUS_DIR)) out.push_back(e.path());
  return out;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Corpus, EverySeedParsesAndRewrites) {
  const auto files = seeds();
  EXPECT_GE(files.size(), 15u);
  for (const auto& f : files) {
    const std::string text = slurp(f);
    Message m;
    ASSERT_EQ(parse_error_name(m.parse(text)), "ok") << f;
    ASSERT_TRUE(m.top_via()) << f;
    ASSERT_TRUE(m.from()) << f;
    ASSERT_TRUE(m.to()) << f;
    (void)nat_test(m, 0xC6336407u, 5060, kAllNatTests);

    Rewriter rw(m);
    ASSERT_EQ(rw.set_top_via_received(0xC6336407u), RewriteError::ok) << f;
    ASSERT_EQ(rw.set_top_via_rport(5060), RewriteError::ok) << f;
    ASSERT_EQ(rw.insert_header_before(HeaderId::via, HeaderId::via, "SIP/2.0/UDP 203.0.113.1;branch=z9hG4bKc"),
              RewriteError::ok);
    rw.use_compact_names(true);
    std::vector<char> buf(rw.output_size());
    const auto n = rw.apply(buf);
    ASSERT_TRUE(n) << f;
    Message r;
    ASSERT_EQ(parse_error_name(r.parse(std::string_view(buf.data(), *n))), "ok") << f;
    EXPECT_EQ(r.top_via()->branch, "z9hG4bKc") << f;
    EXPECT_EQ(r.body(), m.body()) << f;
  }
}

TEST(Corpus, FoldedSeedValues) {
  const std::string text = slurp(std::filesystem::path(SIPEDGE_SIP_CORPUS_DIR) / "folded.sip");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  EXPECT_EQ(m.max_forwards(), 68u);
  EXPECT_EQ(m.cseq().number, 9u);
  EXPECT_EQ(m.to_tag(), "1918181833n");
  EXPECT_EQ(m.from_tag(), "98asjd8");
  std::size_t vias = 0;
  for (const HeaderValue& v : m.values(HeaderId::via)) {
    ASSERT_TRUE(parse_via(v.text)) << v.text;
    ++vias;
  }
  EXPECT_EQ(vias, 3u);
  EXPECT_EQ(m.top_via()->branch, "390skdjuw");
  const auto contact = parse_name_addr(m.values(HeaderId::contact).front().text);
  ASSERT_TRUE(contact);
  Param q;
  ASSERT_TRUE(contact->param("q", q));
  EXPECT_EQ(q.value, "0.33");
}

}  // namespace
}  // namespace sipedge::sip
