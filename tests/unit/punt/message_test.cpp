#include "punt/message.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "punt/body.h"

namespace sipedge::punt {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK776asdhds\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "Content-Length: 0\r\n\r\n";

Header sample_header(MessageType type) {
  return Header{.type = type,
                .flags = kFlagOutside | kFlagLocalLookup,
                .nat_bits = 0x80000005,
                .port_id = 1,
                .worker_id = 3,
                .src_ipv4 = 0xCB007107,
                .dst_ipv4 = 0xC6336401,
                .src_port = 40123,
                .dst_port = 5060,
                .payload_length = 0,
                .cookie = 0x0102030405060708ULL};
}

std::vector<std::uint8_t> encode_ok(const Header& h, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out(kMaxMessageSize);
  std::size_t written = 0;
  EXPECT_EQ(encode(h, payload, out, written), PuntError::Ok);
  out.resize(written);
  return out;
}

PuntError decode_error(const std::vector<std::uint8_t>& bytes) {
  Message m;
  return decode(bytes, m);
}

std::vector<std::uint8_t> state_payload(bool up) {
  std::vector<std::uint8_t> body(kStateBodySize);
  encode_state(StateBody{.set_id = 2, .destination_index = 9, .up = up, .generation = 77},
               std::span<std::uint8_t, kStateBodySize>(body.data(), kStateBodySize));
  return body;
}

std::vector<std::uint8_t> valid_punt_for_version() {
  return encode_ok(sample_header(MessageType::Punt), as_bytes(kInvite));
}

// ---- layout ---------------------------------------------------------------

TEST(PuntHeader, WireLayoutIsFixedLittleEndian) {
  const auto bytes = encode_ok(sample_header(MessageType::Punt), as_bytes("ab"));
  const std::vector<std::uint8_t> expected = {
      'S', 'P', 'N', 'T',                              // magic
      2,                                               // version
      1,                                               // type PUNT
      0x09, 0x00,                                      // flags
      0x05, 0x00, 0x00, 0x80,                          // nat bits
      0x01, 0x00,                                      // port id
      0x03, 0x00,                                      // worker id
      0x07, 0x71, 0x00, 0xCB,                          // src 203.0.113.7
      0x01, 0x64, 0x33, 0xC6,                          // dst 198.51.100.1
      0xBB, 0x9C,                                      // src port 40123
      0xC4, 0x13,                                      // dst port 5060
      0x02, 0x00, 0x00, 0x00,                          // payload length
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // cookie
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // src IPv6: none
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // dst IPv6: none
      'a', 'b'};
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(kHeaderSize, 72U);
  EXPECT_EQ(kMaxMessageSize, 72U + 65535U);
}

TEST(PuntHeader, Ipv6AddressesFollowTheVersion1Fields) {
  Header h = sample_header(MessageType::Punt);
  h.flags = kFlagIpv6;
  h.src_ipv4 = 0;
  h.dst_ipv4 = 0;
  h.src_ipv6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};  // 2001:db8::7
  h.dst_ipv6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};  // 2001:db8::1
  const auto bytes = encode_ok(h, as_bytes("ab"));
  ASSERT_EQ(bytes.size(), kHeaderSize + 2);
  EXPECT_EQ(bytes[6], 0x10);  // kFlagIpv6
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 16, bytes.begin() + 24), std::vector<std::uint8_t>(8, 0));
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 40, bytes.begin() + 56),
            std::vector<std::uint8_t>(h.src_ipv6.begin(), h.src_ipv6.end()));
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 56, bytes.begin() + 72),
            std::vector<std::uint8_t>(h.dst_ipv6.begin(), h.dst_ipv6.end()));
  Message m;
  ASSERT_EQ(decode(bytes, m), PuntError::Ok);
  EXPECT_TRUE(m.header.is_ipv6());
  h.payload_length = 2;
  EXPECT_EQ(m.header, h);
}

// What a sipedge of the previous release sends: a 40-byte version 1 header.
std::vector<std::uint8_t> version1_hello() {
  std::vector<std::uint8_t> v1(40 + 5, 0);
  v1[0] = 'S';
  v1[1] = 'P';
  v1[2] = 'N';
  v1[3] = 'T';
  v1[4] = 1;
  v1[5] = static_cast<std::uint8_t>(MessageType::Hello);
  v1[28] = 5;  // payload length
  return v1;
}

TEST(PuntHeader, AVersion1PeerIsRefusedByVersionNotLength) {
  const auto v1 = version1_hello();
  EXPECT_EQ(decode_error(v1), PuntError::BadVersion);
  EXPECT_EQ(peer_version(v1), 1);
  EXPECT_EQ(peer_version(valid_punt_for_version()), kVersion);
  EXPECT_EQ(peer_version(std::vector<std::uint8_t>{'S', 'P', 'N', 'T'}), 0) << "no version byte";
  EXPECT_EQ(peer_version(std::vector<std::uint8_t>{'X', 'P', 'N', 'T', 2}), 0) << "not our magic";
}

TEST(PuntNames, TypesAndErrors) {
  EXPECT_EQ(name(MessageType::Punt), "punt");
  EXPECT_EQ(name(MessageType::Tx), "tx");
  EXPECT_EQ(name(MessageType::Dispatch), "dispatch");
  EXPECT_EQ(name(MessageType::State), "state");
  EXPECT_EQ(name(MessageType::Stats), "stats");
  EXPECT_EQ(name(MessageType::Hello), "hello");
  EXPECT_EQ(name(MessageType::Reload), "reload");
  EXPECT_EQ(name(static_cast<MessageType>(0)), "unknown");
  EXPECT_EQ(name(PuntError::Ok), "ok");
  EXPECT_EQ(name(PuntError::LengthMismatch), "payload length differs from the datagram size");
  EXPECT_EQ(name(static_cast<PuntError>(200)), "unknown");
}

// ---- round trips ----------------------------------------------------------

struct Case {
  MessageType type;
  std::vector<std::uint8_t> payload;
};

std::vector<Case> one_of_each_type() {
  const auto invite = as_bytes(kInvite);
  std::vector<std::uint8_t> stats(3 * kStatEntrySize, 0x5A);
  return {
      {MessageType::Punt, {invite.begin(), invite.end()}},
      {MessageType::Tx, {'\r', '\n', '\r', '\n'}},
      {MessageType::Dispatch, {invite.begin(), invite.end()}},
      {MessageType::State, state_payload(true)},
      {MessageType::Stats, stats},
      {MessageType::Stats, {}},
      {MessageType::Hello, {'c', 'p', ' ', '0', '.', '1'}},
      {MessageType::Hello, {}},
      {MessageType::Reload, {}},
  };
}

TEST(PuntRoundTrip, EveryType) {
  for (const auto& c : one_of_each_type()) {
    SCOPED_TRACE(std::string(name(c.type)));
    const Header h = sample_header(c.type);
    const auto bytes = encode_ok(h, c.payload);
    ASSERT_EQ(bytes.size(), kHeaderSize + c.payload.size());
    Message m;
    ASSERT_EQ(decode(bytes, m), PuntError::Ok);
    Header expected = h;
    expected.payload_length = static_cast<std::uint32_t>(c.payload.size());
    EXPECT_EQ(m.header, expected);
    EXPECT_EQ(std::vector<std::uint8_t>(m.payload.begin(), m.payload.end()), c.payload);
    if (!c.payload.empty()) {
      EXPECT_EQ(m.payload.data(), bytes.data() + kHeaderSize);  // a view, not a copy
    }
  }
}

TEST(PuntRoundTrip, ExtremeFieldValues) {
  Header h{.type = MessageType::Tx, .flags = 0xFFFF, .nat_bits = 0xFFFFFFFF, .port_id = kAnyPort,
           .worker_id = 0xFFFF, .src_ipv4 = 0xFFFFFFFF, .dst_ipv4 = 0, .src_port = 0xFFFF, .dst_port = 0,
           .payload_length = 0, .cookie = ~std::uint64_t{0}};
  const auto bytes = encode_ok(h, as_bytes("x"));
  Message m;
  ASSERT_EQ(decode(bytes, m), PuntError::Ok);
  h.payload_length = 1;
  EXPECT_EQ(m.header, h);  // unknown flag bits pass through untouched
}

TEST(PuntRoundTrip, LargestPayload) {
  std::vector<std::uint8_t> payload(kMaxPayload, 'A');
  const auto bytes = encode_ok(sample_header(MessageType::Punt), payload);
  ASSERT_EQ(bytes.size(), kMaxMessageSize);
  Message m;
  ASSERT_EQ(decode(bytes, m), PuntError::Ok);
  EXPECT_EQ(m.payload.size(), kMaxPayload);
}

TEST(PuntRoundTrip, EncodeHeaderMatchesEncode) {
  const Header h = sample_header(MessageType::Punt);
  const auto full = encode_ok(h, as_bytes(kInvite));
  std::array<std::uint8_t, kHeaderSize> head{};
  ASSERT_EQ(encode_header(h, kInvite.size(), head), PuntError::Ok);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), full.begin()));
  EXPECT_EQ(encode_header(h, kMaxPayload + 1, head), PuntError::TooLong);
  Header bad = h;
  bad.type = static_cast<MessageType>(0);
  EXPECT_EQ(encode_header(bad, 1, head), PuntError::BadType);
}

// ---- decode rejections ----------------------------------------------------

std::vector<std::uint8_t> valid_punt() { return encode_ok(sample_header(MessageType::Punt), as_bytes(kInvite)); }

TEST(PuntDecode, RejectsShortDatagrams) {
  EXPECT_EQ(decode_error({}), PuntError::TooShort);
  auto bytes = valid_punt();
  bytes.resize(kHeaderSize - 1);
  EXPECT_EQ(decode_error(bytes), PuntError::TooShort);
}

TEST(PuntDecode, RejectsBadMagic) {
  for (std::size_t i = 0; i < 4; ++i) {
    auto bytes = valid_punt();
    bytes[i] ^= 0x20;
    EXPECT_EQ(decode_error(bytes), PuntError::BadMagic) << i;
  }
}

TEST(PuntDecode, RejectsOtherVersions) {
  for (const std::uint8_t v : {0, 1, 3, 255}) {
    auto bytes = valid_punt();
    bytes[4] = v;
    EXPECT_EQ(decode_error(bytes), PuntError::BadVersion) << int{v};
  }
}

TEST(PuntDecode, RejectsUnknownTypes) {
  for (const std::uint8_t t : {0, 8, 128, 255}) {
    auto bytes = valid_punt();
    bytes[5] = t;
    EXPECT_EQ(decode_error(bytes), PuntError::BadType) << int{t};
  }
}

TEST(PuntDecode, RejectsLengthMismatch) {
  auto bytes = valid_punt();
  bytes.push_back('x');  // datagram longer than the header says
  EXPECT_EQ(decode_error(bytes), PuntError::LengthMismatch);
  bytes = valid_punt();
  bytes.pop_back();  // truncated
  EXPECT_EQ(decode_error(bytes), PuntError::LengthMismatch);
  bytes = encode_ok(sample_header(MessageType::Reload), {});
  bytes[28] = 1;  // claims a byte that is not there
  EXPECT_EQ(decode_error(bytes), PuntError::LengthMismatch);
}

TEST(PuntDecode, RejectsOversizedLengthField) {
  auto bytes = valid_punt();
  bytes[28] = 0x00;
  bytes[29] = 0x00;
  bytes[30] = 0x01;  // 65536
  EXPECT_EQ(decode_error(bytes), PuntError::TooLong);
  bytes[31] = 0xFF;  // near 4 GiB: must not wrap anything
  EXPECT_EQ(decode_error(bytes), PuntError::TooLong);
}

TEST(PuntDecode, RejectsBodiesThatDoNotFitTheType) {
  auto with_payload = [](MessageType type, std::vector<std::uint8_t> payload) {
    std::vector<std::uint8_t> bytes(kHeaderSize);
    std::array<std::uint8_t, kHeaderSize> head{};
    EXPECT_EQ(encode_header(sample_header(type), payload.size(), head), PuntError::Ok);
    std::copy(head.begin(), head.end(), bytes.begin());
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    return bytes;
  };
  EXPECT_EQ(decode_error(with_payload(MessageType::Punt, {})), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Tx, {})), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Dispatch, {})), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::State, std::vector<std::uint8_t>(15))), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::State, std::vector<std::uint8_t>(17))), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Stats, std::vector<std::uint8_t>(11))), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Hello, std::vector<std::uint8_t>(kMaxHelloLength + 1))),
            PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Reload, {0})), PuntError::BadBody);
  EXPECT_EQ(decode_error(with_payload(MessageType::Hello, std::vector<std::uint8_t>(kMaxHelloLength))), PuntError::Ok);
}

TEST(PuntDecode, FailureLeavesTheOutputAlone) {
  Message m;
  m.header.cookie = 42;
  auto bytes = valid_punt();
  bytes[4] = 9;
  ASSERT_NE(decode(bytes, m), PuntError::Ok);
  EXPECT_EQ(m.header.cookie, 42U);
  EXPECT_TRUE(m.payload.empty());
}

// ---- encode rejections ----------------------------------------------------

TEST(PuntEncode, RejectsWhatDecodeWouldReject) {
  std::vector<std::uint8_t> out(kMaxMessageSize + 1);
  std::size_t written = 99;
  Header h = sample_header(MessageType::Punt);
  EXPECT_EQ(encode(h, {}, out, written), PuntError::BadBody);
  EXPECT_EQ(written, 0U);
  std::vector<std::uint8_t> huge(kMaxPayload + 1, 'x');
  EXPECT_EQ(encode(h, huge, out, written), PuntError::TooLong);
  h.type = static_cast<MessageType>(9);
  EXPECT_EQ(encode(h, as_bytes("x"), out, written), PuntError::BadType);
  h.type = MessageType::State;
  EXPECT_EQ(encode(h, as_bytes("short"), out, written), PuntError::BadBody);
}

TEST(PuntEncode, RefusesASmallBufferWithoutWritingPastIt) {
  std::vector<std::uint8_t> out(kHeaderSize + kInvite.size() - 1, 0xEE);
  std::size_t written = 99;
  EXPECT_EQ(encode(sample_header(MessageType::Punt), as_bytes(kInvite), out, written), PuntError::BufferTooSmall);
  EXPECT_EQ(written, 0U);
  for (const auto b : out) {
    ASSERT_EQ(b, 0xEE);
  }
}

}  // namespace
}  // namespace sipedge::punt
