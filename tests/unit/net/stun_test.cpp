#include "net/stun.h"

#include <gtest/gtest.h>

#include "frame_builder.h"
#include "net/crc32.h"

namespace sipedge::net {
namespace {

using test::Bytes;

// RFC 5769 2.1: sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED,
// USERNAME, MESSAGE-INTEGRITY, FINGERPRINT).
const Bytes kRfc5769Request = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6,
    0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74,
    0x65, 0x73, 0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e,
    0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20,
    0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
    0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5,
    0x7a, 0x3b, 0xcf};

// RFC 5769 2.2: sample IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853.
const Bytes kRfc5769Response = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
    0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74,
    0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01,
    0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43, 0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
    0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b,
    0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

const std::array<std::uint8_t, 12> kTxid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                            0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

// A request as a keepalive client sends it: header plus attributes, with a
// FINGERPRINT appended when asked.
Bytes request(const Bytes& attributes = {}, bool fingerprint = false,
              std::uint16_t type = 0x0001) {
  Bytes b;
  put16(b, type);
  put16(b, static_cast<std::uint16_t>(attributes.size() + (fingerprint ? 8 : 0)));
  put32(b, 0x2112A442);
  b.insert(b.end(), kTxid.begin(), kTxid.end());
  b.insert(b.end(), attributes.begin(), attributes.end());
  if (fingerprint) {
    const std::uint32_t fp = crc32(b) ^ 0x5354554e;
    put16(b, 0x8028);
    put16(b, 4);
    put32(b, fp);
  }
  return b;
}

// Independent decoder: walk the attributes, un-XOR by hand.
struct Decoded {
  std::uint16_t type = 0;
  std::uint16_t length = 0;
  bool has_xma = false;
  std::uint32_t ip = 0;
  std::uint16_t port = 0;
  std::string software;
  bool has_fingerprint = false;
  std::uint32_t fingerprint = 0;
  std::size_t fingerprint_at = 0;
};

Decoded decode(const Bytes& m) {
  Decoded d;
  d.type = test::be16(m, 0);
  d.length = test::be16(m, 2);
  for (std::size_t at = 20; at + 4 <= m.size();) {
    const std::uint16_t type = test::be16(m, at);
    const std::uint16_t len = test::be16(m, at + 2);
    if (type == 0x0020) {
      d.has_xma = true;
      EXPECT_EQ(len, 8);
      EXPECT_EQ(m[at + 5], 0x01);
      d.port = static_cast<std::uint16_t>(test::be16(m, at + 6) ^ 0x2112);
      d.ip = test::be32(m, at + 8) ^ 0x2112A442;
    } else if (type == 0x8022) {
      d.software.assign(m.begin() + static_cast<std::ptrdiff_t>(at + 4),
                        m.begin() + static_cast<std::ptrdiff_t>(at + 4 + len));
    } else if (type == 0x8028) {
      d.has_fingerprint = true;
      d.fingerprint = test::be32(m, at + 4);
      d.fingerprint_at = at;
    }
    at += 4 + ((len + 3u) & ~3u);
  }
  return d;
}

TEST(Crc32, CheckValue) {
  EXPECT_EQ(crc32(test::bytes_of("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32({}), 0u);
}

TEST(Crc32, Rfc5769Fingerprint) {
  const std::span<const std::uint8_t> before(kRfc5769Response.data(), kRfc5769Response.size() - 8);
  EXPECT_EQ(crc32(before) ^ 0x5354554eu, 0xc07d4c96u);
}

TEST(StunParse, PlainBindingRequest) {
  StunBindingRequest req;
  ASSERT_EQ(parse_stun(request(), req), StunParse::binding_request);
  EXPECT_EQ(req.transaction_id, kTxid);
  EXPECT_FALSE(req.has_fingerprint);
}

TEST(StunParse, FingerprintIsVerifiedAndRemembered) {
  StunBindingRequest req;
  Bytes r = request({0x80, 0x22, 0x00, 0x03, 'a', 'b', 'c', 0x00}, true);
  ASSERT_EQ(parse_stun(r, req), StunParse::binding_request);
  EXPECT_TRUE(req.has_fingerprint);
  r[25] ^= 1;  // covered byte changed: CRC no longer matches
  EXPECT_EQ(parse_stun(r, req), StunParse::malformed);
}

TEST(StunParse, Rfc5769RequestHasCredentialsWeLack) {
  // Its FINGERPRINT is right (else: malformed), but it carries USERNAME and
  // MESSAGE-INTEGRITY that we cannot check.
  StunBindingRequest req;
  EXPECT_EQ(parse_stun(kRfc5769Request, req), StunParse::unsupported);
  Bytes bad_fp = kRfc5769Request;
  bad_fp.back() ^= 0xff;
  EXPECT_EQ(parse_stun(bad_fp, req), StunParse::malformed);
}

TEST(StunParse, NotStun) {
  StunBindingRequest req;
  EXPECT_EQ(parse_stun(test::bytes_of("OPTIONS sip:a SIP/2.0\r\n\r\n"), req), StunParse::not_stun);
  EXPECT_EQ(parse_stun(Bytes(19, 0), req), StunParse::not_stun);
  Bytes wrong_cookie = request();
  wrong_cookie[7] = 0x43;
  EXPECT_EQ(parse_stun(wrong_cookie, req), StunParse::not_stun);
  Bytes top_bits = request();
  top_bits[0] = 0x40;
  EXPECT_EQ(parse_stun(top_bits, req), StunParse::not_stun);
}

TEST(StunParse, Malformed) {
  StunBindingRequest req;
  Bytes odd_len = request({0x80, 0x22, 0x00, 0x01, 'a', 0, 0, 0});
  odd_len[3] = 6;  // not a multiple of 4
  EXPECT_EQ(parse_stun(odd_len, req), StunParse::malformed);
  Bytes extra = request();
  extra.push_back(0);  // length field disagrees with the datagram
  EXPECT_EQ(parse_stun(extra, req), StunParse::malformed);
  // Attribute claims more than the message holds.
  EXPECT_EQ(parse_stun(request({0x80, 0x22, 0x00, 0x09, 'a', 'b', 'c', 'd'}), req),
            StunParse::malformed);
  // An attribute after FINGERPRINT.
  Bytes after_fp = request({}, true);
  after_fp.insert(after_fp.end(), {0x80, 0x22, 0x00, 0x00});
  after_fp[3] = static_cast<std::uint8_t>(after_fp.size() - 20);
  EXPECT_EQ(parse_stun(after_fp, req), StunParse::malformed);
}

TEST(StunParse, OtherMessagesAndUnknownAttributes) {
  StunBindingRequest req;
  EXPECT_EQ(parse_stun(request({}, false, 0x0011), req), StunParse::other_message);  // indication
  EXPECT_EQ(parse_stun(kRfc5769Response, req), StunParse::other_message);
  EXPECT_EQ(parse_stun(request({}, false, 0x0003), req), StunParse::other_message);  // Allocate
  // Unknown comprehension-required attribute 0x7777: no answer.
  EXPECT_EQ(parse_stun(request({0x77, 0x77, 0x00, 0x00}), req), StunParse::unsupported);
  // Unknown comprehension-optional 0xC001 is ignored; PRIORITY is understood.
  EXPECT_EQ(parse_stun(request({0xc0, 0x01, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4}), req),
            StunParse::binding_request);
}

TEST(StunResponse, XorMappedAddressDecodesToTheSource) {
  StunBindingRequest req;
  ASSERT_EQ(parse_stun(request(), req), StunParse::binding_request);
  Bytes out(kStunMaxResponseLength, 0xee);
  const std::size_t n = build_stun_binding_response(out, req, test::kPeerIp, 40123);
  ASSERT_EQ(n, 32u);
  out.resize(n);
  const Decoded d = decode(out);
  EXPECT_EQ(d.type, 0x0101);
  EXPECT_EQ(d.length, n - 20);
  EXPECT_EQ(test::be32(out, 4), 0x2112A442u);
  EXPECT_TRUE(std::equal(kTxid.begin(), kTxid.end(), out.begin() + 8));
  ASSERT_TRUE(d.has_xma);
  EXPECT_EQ(d.ip, test::kPeerIp);
  EXPECT_EQ(d.port, 40123);
  EXPECT_FALSE(d.has_fingerprint);
  const auto lib = stun_xor_mapped_address(out);
  ASSERT_TRUE(lib);
  EXPECT_EQ(lib->ip, test::kPeerIp);
  EXPECT_EQ(lib->port, 40123);
}

TEST(StunResponse, MatchesRfc5769Encoding) {
  StunBindingRequest req;
  req.transaction_id = kTxid;
  Bytes out(kStunMaxResponseLength);
  const std::size_t n = build_stun_binding_response(out, req, 0xC0000201, 32853, "test vector");
  ASSERT_EQ(n, 48u);
  // Same header (but length), XOR-MAPPED-ADDRESS and SOFTWARE as the sample,
  // which puts SOFTWARE first and pads it with a space where we pad with zero.
  EXPECT_EQ(test::be16(out, 2), 28);
  EXPECT_TRUE(std::equal(out.begin() + 4, out.begin() + 20, kRfc5769Response.begin() + 4));
  EXPECT_TRUE(std::equal(out.begin() + 20, out.begin() + 32, kRfc5769Response.begin() + 36));
  EXPECT_TRUE(std::equal(out.begin() + 32, out.begin() + 47, kRfc5769Response.begin() + 20));
  EXPECT_EQ(out[47], 0);
  const auto addr = stun_xor_mapped_address(kRfc5769Response);
  ASSERT_TRUE(addr);
  EXPECT_EQ(addr->ip, 0xC0000201u);
  EXPECT_EQ(addr->port, 32853);
}

TEST(StunResponse, SoftwareAndFingerprint) {
  StunBindingRequest req;
  ASSERT_EQ(parse_stun(request({}, true), req), StunParse::binding_request);
  Bytes out(kStunMaxResponseLength);
  const std::size_t n = build_stun_binding_response(out, req, test::kPeerIp, 5060, "sipedge");
  ASSERT_EQ(n, 20u + 12 + 12 + 8);
  out.resize(n);
  const Decoded d = decode(out);
  EXPECT_EQ(d.software, "sipedge");
  EXPECT_EQ(out[20 + 12 + 4 + 7], 0);  // padding
  ASSERT_TRUE(d.has_fingerprint);
  EXPECT_EQ(d.fingerprint_at, n - 8);
  EXPECT_EQ(d.fingerprint, crc32(std::span(out).first(n - 8)) ^ 0x5354554eu);
  // Our own parser accepts what we send (as a response: other_message).
  StunBindingRequest again;
  EXPECT_EQ(parse_stun(out, again), StunParse::other_message);
}

TEST(StunResponse, LongSoftwareIsCut) {
  StunBindingRequest req;
  Bytes out(kStunMaxResponseLength);
  const std::string longname(300, 'x');
  const std::size_t n = build_stun_binding_response(out, req, 1, 2, longname);
  ASSERT_EQ(n, 20u + 12 + 4 + 128);
  out.resize(n);
  EXPECT_EQ(decode(out).software, std::string(kStunMaxSoftware, 'x'));
}

TEST(StunResponse, WrittenOverTheRequest) {
  // The dataplane answers in the request's own buffer.
  Bytes buf = request({}, true);
  StunBindingRequest req;
  ASSERT_EQ(parse_stun(buf, req), StunParse::binding_request);
  buf.resize(kStunMaxResponseLength);
  const std::size_t n = build_stun_binding_response(buf, req, test::kPeerIp, 1234);
  ASSERT_EQ(n, 40u);
  buf.resize(n);
  EXPECT_TRUE(std::equal(kTxid.begin(), kTxid.end(), buf.begin() + 8));
  EXPECT_EQ(decode(buf).port, 1234);
}

TEST(StunResponse, NeedsRoom) {
  StunBindingRequest req;
  Bytes out(31, 0);
  EXPECT_EQ(build_stun_binding_response(out, req, 1, 2), 0u);
  EXPECT_EQ(out, Bytes(31, 0));
}

TEST(StunXorMappedAddress, AbsentOrTruncated) {
  EXPECT_FALSE(stun_xor_mapped_address(request()));
  Bytes cut(kRfc5769Response.begin(), kRfc5769Response.begin() + 44);
  EXPECT_FALSE(stun_xor_mapped_address(cut));
  EXPECT_FALSE(stun_xor_mapped_address(Bytes(10, 0)));
}

}  // namespace
}  // namespace sipedge::net
