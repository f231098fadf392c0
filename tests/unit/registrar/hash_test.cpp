// The libcrypto wrapper (registrar/crypto.h): MD5 against the RFC 1321 A.5
// test suite, SHA-256 against the FIPS 180-4 examples, HMAC-SHA-256 against
// RFC 4231, and the random source.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "registrar/crypto.h"
#include "registrar/hex.h"

namespace sipedge::registrar {
namespace {

struct Vector {
  std::string input;
  std::string digest;
};

TEST(Md5, Rfc1321TestSuite) {
  const std::vector<Vector> vectors = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& v : vectors) EXPECT_EQ(to_hex(md5(v.input)), v.digest) << '"' << v.input << '"';
}

TEST(Sha256, Fips180Examples) {
  const std::vector<Vector> vectors = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopq"
       "rstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (const auto& v : vectors) EXPECT_EQ(to_hex(sha256(v.input)), v.digest) << '"' << v.input << '"';
}

TEST(Sha256, MillionAs) {
  Sha256 h;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Every split point of a message spanning two blocks gives the one-shot
// digest: exercises the partial-block buffering and the padding boundary.
TEST(Hashes, IncrementalEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 130; ++i) text += static_cast<char>('A' + i % 26);
  for (std::size_t length : {55u, 56u, 63u, 64u, 65u, 119u, 120u, 128u, 130u}) {
    const std::string_view message(text.data(), length);
    const auto md5_whole = md5(message);
    const auto sha_whole = sha256(message);
    for (std::size_t split = 0; split <= length; split += 7) {
      Md5 m;
      m.update(message.substr(0, split));
      m.update(message.substr(split));
      EXPECT_EQ(m.finish(), md5_whole) << length << "/" << split;
      Sha256 s;
      s.update(message.substr(0, split));
      s.update(message.substr(split));
      EXPECT_EQ(s.finish(), sha_whole) << length << "/" << split;
    }
  }
}

TEST(Hashes, FinishResetsForTheNextMessage) {
  Md5 m;
  m.update(std::string_view("garbage"));
  (void)m.finish();
  m.update(std::string_view("abc"));
  EXPECT_EQ(to_hex(m.finish()), "900150983cd24fb0d6963f7d28e17f72");
  Sha256 s;
  s.update(std::string_view("garbage"));
  (void)s.finish();
  s.update(std::string_view("abc"));
  EXPECT_EQ(to_hex(s.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(to_hex(hmac_sha256(bytes(std::string(20, '\x0b')), bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256(bytes("Jefe"), bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(to_hex(hmac_sha256(bytes(std::string(131, '\xaa')),
                               bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, EmptyKey) {
  // HMAC with an empty key is HMAC with 64 zero bytes (RFC 2104: the key is zero-padded).
  EXPECT_EQ(hmac_sha256({}, bytes("abc")), hmac_sha256(bytes(std::string(64, '\0')), bytes("abc")));
}

TEST(RandomBytes, FillsEveryCallAfresh) {
  std::array<std::uint8_t, 32> a{}, b{};
  ASSERT_TRUE(random_bytes(a));
  ASSERT_TRUE(random_bytes(b));
  EXPECT_NE(a, b);  // equal by chance with probability 2^-256
  EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
}

TEST(Hex, RoundTripAndRejects) {
  const std::vector<std::uint8_t> raw = {0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(to_hex(raw), "007f80ff");
  std::uint8_t out[4];
  ASSERT_TRUE(from_hex("007F80ff", out));
  EXPECT_EQ(std::vector<std::uint8_t>(out, out + 4), raw);
  EXPECT_FALSE(from_hex("007f80f", out));   // odd length
  EXPECT_FALSE(from_hex("007f80fg", out));  // not hex
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
}

}  // namespace
}  // namespace sipedge::registrar
