// Contact alias (far-end NAT fix) and Rewriter::append_uri_param: every
// Contact form, round-tripped through the parser, and the alias decodes back
// to the source address.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "sip/contact_alias.h"
#include "sip/ipv4.h"
#include "sip/rewrite.h"

namespace sipedge::sip {
namespace {

using test::with_body;

constexpr std::uint32_t kNatIp = 0xCB007107;  // 203.0.113.7
constexpr std::uint16_t kNatPort = 40000;

std::string message_with_contacts(std::string_view contact_lines) {
  std::string head =
      "INVITE sip:bob@198.51.100.20 SIP/2.0\n"
      "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\n"
      "Max-Forwards: 70\n"
      "To: <sip:bob@198.51.100.20>\n"
      "From: <sip:alice@example.com>;tag=1928301774\n"
      "Call-ID: alias-test@example.com\n"
      "CSeq: 1 INVITE\n";
  head += contact_lines;
  return with_body(head);
}

struct Aliased {
  std::string text;
  std::vector<std::string> contacts;  // Contact values after the rewrite
  ContactAliasResult result;
};

Aliased alias(const std::string& text) {
  Message m;
  EXPECT_EQ(m.parse(text), ParseError::ok);
  Rewriter rw(m);
  Aliased a;
  const ContactAlias alias_text = make_contact_alias(kNatIp, kNatPort);
  a.result = add_contact_alias(m, rw, alias_text);
  std::vector<char> buf(4096);
  const auto n = rw.apply(buf);
  EXPECT_TRUE(n) << rewrite_error_name(n.error());
  if (!n) return a;
  EXPECT_EQ(*n, rw.output_size());
  a.text.assign(buf.data(), *n);
  Message out;
  EXPECT_EQ(out.parse(a.text), ParseError::ok) << a.text;
  for (const HeaderValue& v : out.values(HeaderId::contact)) a.contacts.emplace_back(v.text);
  return a;
}

TEST(ContactAlias, BracketedContactGetsTheSourceAddress) {
  const auto a = alias(message_with_contacts("Contact: <sip:alice@192.168.1.10:5060>;expires=60\n"));
  EXPECT_EQ(a.result.aliased, 1u);
  ASSERT_EQ(a.contacts.size(), 1u);
  EXPECT_EQ(a.contacts[0], "<sip:alice@192.168.1.10:5060;alias=203.0.113.7~40000~1>;expires=60");
  // The alias is a URI parameter the fast path can decode.
  const auto na = parse_name_addr(a.contacts[0]);
  ASSERT_TRUE(na);
  EXPECT_EQ(na->uri.alias(), "203.0.113.7~40000~1");
  Param p;
  EXPECT_TRUE(na->param("expires", p)) << "header parameters stay header parameters";
}

TEST(ContactAlias, AddrSpecIsBracketedSoTheAliasIsAUriParameter) {
  const auto a = alias(message_with_contacts("Contact: sip:alice@192.168.1.10;expires=60\n"));
  ASSERT_EQ(a.contacts.size(), 1u);
  EXPECT_EQ(a.contacts[0], "<sip:alice@192.168.1.10;alias=203.0.113.7~40000~1>;expires=60");
  const auto na = parse_name_addr(a.contacts[0]);
  ASSERT_TRUE(na);
  EXPECT_EQ(na->uri.alias(), "203.0.113.7~40000~1");
}

TEST(ContactAlias, EveryContactOfAListAndOfSeveralLines) {
  const auto a = alias(message_with_contacts(
      "Contact: \"A\" <sip:alice@192.168.1.10:5060;transport=udp>, sip:alice@192.168.1.11\n"
      "Contact: <sips:alice@192.168.1.12>\n"));
  EXPECT_EQ(a.result.aliased, 3u);
  ASSERT_EQ(a.contacts.size(), 3u);
  EXPECT_EQ(a.contacts[0], "\"A\" <sip:alice@192.168.1.10:5060;transport=udp;alias=203.0.113.7~40000~1>");
  EXPECT_EQ(a.contacts[1], "<sip:alice@192.168.1.11;alias=203.0.113.7~40000~1>");
  EXPECT_EQ(a.contacts[2], "<sips:alice@192.168.1.12;alias=203.0.113.7~40000~1>");
}

TEST(ContactAlias, StarForeignSchemesAndExistingAliasesAreLeftAlone) {
  const std::string star = message_with_contacts("Contact: *\n");
  EXPECT_EQ(alias(star).result.aliased, 0u);
  const auto a = alias(message_with_contacts(
      "Contact: <tel:+15551234>, <sip:alice@192.168.1.10;alias=198.51.100.9~5060~1>\n"));
  EXPECT_EQ(a.result.aliased, 0u);
  ASSERT_EQ(a.contacts.size(), 2u);
  EXPECT_EQ(a.contacts[1], "<sip:alice@192.168.1.10;alias=198.51.100.9~5060~1>");
}

TEST(ContactAlias, TextForEveryAddressAndPortWidth) {
  EXPECT_EQ(make_contact_alias(0xFFFFFFFF, 65535).view(), ";alias=255.255.255.255~65535~1");
  EXPECT_EQ(make_contact_alias(0x01020304, 0).view(), ";alias=1.2.3.4~0~1");
  // The longest IPv4 alias; the buffer's bound is the IPv6 one (ipv6_test).
  EXPECT_EQ(make_contact_alias(0xFFFFFFFF, 65535).size, 30u);
}

TEST(ContactAlias, NoContactNoEdit) {
  const std::string text = message_with_contacts("");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  Rewriter rw(m);
  EXPECT_EQ(add_contact_alias(m, rw, make_contact_alias(kNatIp, kNatPort)).aliased, 0u);
  EXPECT_EQ(rw.edit_count(), 0u);
}

TEST(ContactAlias, RunsOutOfEditsCleanlyNeverHalfBracketed) {
  // Each addr-spec needs two edits; the Rewriter holds kMaxEdits.
  std::string lines;
  for (std::size_t i = 0; i < Rewriter::kMaxEdits; ++i) {
    lines += "Contact: sip:u";
    lines += std::to_string(i);
    lines += "@192.168.1.10\n";
  }
  const std::string text = message_with_contacts(lines);
  Message m;
  Limits limits;
  ASSERT_EQ(m.parse(text, limits), ParseError::ok);
  Rewriter rw(m);
  const ContactAlias alias_text = make_contact_alias(kNatIp, kNatPort);
  const auto r = add_contact_alias(m, rw, alias_text);
  EXPECT_EQ(r.error, RewriteError::too_many_edits);
  EXPECT_EQ(r.aliased, Rewriter::kMaxEdits / 2);
  EXPECT_EQ(rw.edit_count() % 2, 0u) << "no lone '<'";
  std::vector<char> buf(8192);
  const auto n = rw.apply(buf);
  ASSERT_TRUE(n);
  Message out;
  EXPECT_EQ(out.parse(std::string_view(buf.data(), *n)), ParseError::ok);
}

TEST(ContactAlias, AppendUriParamRefusesAViewFromElsewhere) {
  const std::string text = message_with_contacts("Contact: <sip:alice@192.168.1.10>\n");
  Message m;
  ASSERT_EQ(m.parse(text), ParseError::ok);
  const auto other = parse_name_addr("<sip:x@198.51.100.1>");
  ASSERT_TRUE(other);
  Rewriter rw(m);
  EXPECT_EQ(rw.append_uri_param(*other, ";a=b"), RewriteError::no_such_header);
  EXPECT_EQ(rw.edit_count(), 0u);
}

}  // namespace
}  // namespace sipedge::sip
