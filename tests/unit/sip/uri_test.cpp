// parse_uri, URI parameters, unescape.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "sip/uri.h"

namespace sipedge::sip {
namespace {

struct UriCase {
  std::string_view text;
  UriScheme scheme;
  std::string_view user;
  std::string_view password;
  std::string_view host;
  HostType host_type;
  int port;  // -1: absent
  std::string_view params;
  std::string_view headers;
};

TEST(Uri, Table) {
  const UriCase cases[] = {
      {"sip:alice@atlanta.example.com", UriScheme::sip, "alice", "", "atlanta.example.com", HostType::hostname, -1, "", ""},
      {"SIP:alice@atlanta.example.com", UriScheme::sip, "alice", "", "atlanta.example.com", HostType::hostname, -1, "", ""},
      {"sips:bob@biloxi.example.com:5061", UriScheme::sips, "bob", "", "biloxi.example.com", HostType::hostname, 5061, "",
       ""},
      {"sip:alice:secretword@atlanta.com;transport=tcp", UriScheme::sip, "alice", "secretword", "atlanta.com",
       HostType::hostname, -1, ";transport=tcp", ""},
      {"sip:+1-212-555-1212:1234@gateway.com;user=phone", UriScheme::sip, "+1-212-555-1212", "1234", "gateway.com",
       HostType::hostname, -1, ";user=phone", ""},
      {"sip:198.51.100.7", UriScheme::sip, "", "", "198.51.100.7", HostType::ipv4, -1, "", ""},
      {"sip:198.51.100.7:5080;lr", UriScheme::sip, "", "", "198.51.100.7", HostType::ipv4, 5080, ";lr", ""},
      {"sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", UriScheme::sip, "", "", "atlanta.com",
       HostType::hostname, -1, ";method=REGISTER", "to=alice%40atlanta.com"},
      {"sip:alice@atlanta.com?subject=project%20x&priority=urgent", UriScheme::sip, "alice", "", "atlanta.com",
       HostType::hostname, -1, "", "subject=project%20x&priority=urgent"},
      {"sip:user@[2001:db8::10]", UriScheme::sip, "user", "", "2001:db8::10", HostType::ipv6, -1, "", ""},
      {"sip:[2001:db8::10]:5070;transport=udp", UriScheme::sip, "", "", "2001:db8::10", HostType::ipv6, 5070,
       ";transport=udp", ""},
      {"sip:[::ffff:192.0.2.1]", UriScheme::sip, "", "", "::ffff:192.0.2.1", HostType::ipv6, -1, "", ""},
      // user-unreserved allows ';' '?' '/' in the user part
      {"sip:user;par=u%40example.net@example.com", UriScheme::sip, "user;par=u%40example.net", "", "example.com",
       HostType::hostname, -1, "", ""},
      {"sip:%61lice@example.com", UriScheme::sip, "%61lice", "", "example.com", HostType::hostname, -1, "", ""},
      {"sip:example.com.", UriScheme::sip, "", "", "example.com.", HostType::hostname, -1, "", ""},
      {"sip:a@h;lr;maddr=198.51.100.1;ttl=15", UriScheme::sip, "a", "", "h", HostType::hostname, -1,
       ";lr;maddr=198.51.100.1;ttl=15", ""},
      {"tel:+1-201-555-0123", UriScheme::tel, "+1-201-555-0123", "", "", HostType::none, -1, "", ""},
      {"tel:7042;phone-context=example.com", UriScheme::tel, "7042", "", "", HostType::none, -1,
       ";phone-context=example.com", ""},
  };
  for (const UriCase& c : cases) {
    const auto r = parse_uri(c.text);
    ASSERT_TRUE(r) << c.text << ": " << parse_error_name(r.error());
    EXPECT_EQ(r->scheme, c.scheme) << c.text;
    EXPECT_EQ(r->user, c.user) << c.text;
    EXPECT_EQ(r->password, c.password) << c.text;
    EXPECT_EQ(r->host, c.host) << c.text;
    EXPECT_EQ(r->host_type, c.host_type) << c.text;
    EXPECT_EQ(r->has_port, c.port >= 0) << c.text;
    if (c.port >= 0) {
      EXPECT_EQ(r->port, c.port) << c.text;
    }
    EXPECT_EQ(r->params, c.params) << c.text;
    EXPECT_EQ(r->headers, c.headers) << c.text;
    EXPECT_EQ(r->text, c.text);
  }
}

TEST(Uri, UnusualSchemesAreOpaque) {
  for (std::string_view text : {"urn:service:sos", "mailto:alice@example.com", "http://example.com/a?b=c",
                                "soap.beep://192.0.2.103:3002", "im:fred@example.com", "x-custom+1.2:anything"}) {
    const auto r = parse_uri(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(r->scheme, UriScheme::other) << text;
    EXPECT_EQ(r->opaque, text.substr(text.find(':') + 1));
    EXPECT_EQ(r->host_type, HostType::none);
  }
}

TEST(Uri, Ipv4Value) {
  const auto r = parse_uri("sip:u@192.168.0.1:5060");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ipv4, 0xC0A80001u);
}

TEST(Uri, Rejections) {
  const std::pair<std::string_view, ParseError> cases[] = {
      {"", ParseError::bad_uri},
      {"alice@example.com", ParseError::bad_uri},
      {"sip:", ParseError::bad_uri},
      {"urn:", ParseError::bad_uri},
      {"1sip:a@b", ParseError::bad_uri},
      {":a@b", ParseError::bad_uri},
      {"sip:a b@example.com", ParseError::bad_uri},
      {"sip:a@example.com>", ParseError::bad_uri},
      {"sip:\"a\"@example.com", ParseError::bad_uri},
      {"sip:@example.com", ParseError::bad_uri},
      {"sip:a@", ParseError::bad_host},
      {"sip:a@exa_mple.com", ParseError::bad_host},
      {"sip:a@-example.com", ParseError::bad_host},
      {"sip:a@example..com", ParseError::bad_host},
      {"sip:a@1.2.3.256", ParseError::bad_host},
      {"sip:a@1.2.3", ParseError::bad_host},
      {"sip:a@b@c", ParseError::bad_host},
      {"sip:a@[2001:db8::1", ParseError::bad_ipv6_reference},
      {"sip:a@[zz]", ParseError::bad_ipv6_reference},
      {"sip:a@[]", ParseError::bad_ipv6_reference},
      {"sip:a@h:", ParseError::bad_port},
      {"sip:a@h:65536", ParseError::bad_port},
      {"sip:a@h:5x", ParseError::bad_uri},
      {"sip:a@h;", ParseError::bad_param},
      {"sip:a@h;;lr", ParseError::bad_param},
      {"sip:a@h;=x", ParseError::bad_param},
      {"sip:a@h?", ParseError::bad_uri},
      {"tel:", ParseError::bad_uri},
      {"tel:;x=1", ParseError::bad_uri},
      {"tel:123;", ParseError::bad_param},
  };
  for (const auto& [text, error] : cases) {
    const auto r = parse_uri(text);
    EXPECT_FALSE(r) << text;
    EXPECT_EQ(parse_error_name(r.error()), parse_error_name(error)) << text;
  }
}

// alias() and transport() are located at parse time: the first of each name
// counts, as with param(), in sip: and tel: URIs alike.
TEST(Uri, FirstAliasAndTransportCount) {
  const auto r = parse_uri("sip:a@198.51.100.9;ALIAS=198.51.100.1~5062~1;alias=x;transport=udp;Transport=tcp");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->alias(), "198.51.100.1~5062~1");
  EXPECT_EQ(r->transport(), "udp");
  const auto none = parse_uri("sip:a@198.51.100.9;lr;aliasx=1;transports=tls");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->alias(), "");
  EXPECT_EQ(none->transport(), "");
  EXPECT_EQ(none->port_or_default(), 5060);
  const auto tls = parse_uri("sip:a@198.51.100.9;transport=TLS");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->port_or_default(), 5061);
  const auto tel = parse_uri("tel:+15551234;alias=198.51.100.1~5060");
  ASSERT_TRUE(tel);
  EXPECT_EQ(tel->alias(), "198.51.100.1~5060");
  EXPECT_FALSE(parse_uri("sip:a@198.51.100.9;alias=1;=2"));
}

TEST(Uri, ParamLookups) {
  const auto r = parse_uri("sip:gw@198.51.100.9:5070;LR;Transport=TCP;maddr=239.0.0.1;alias=192.168.1.2~5060~1;user=phone");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->lr());
  EXPECT_TRUE(r->has_param("lr"));
  EXPECT_FALSE(r->has_param("l"));
  EXPECT_EQ(r->transport(), "TCP");
  EXPECT_EQ(r->maddr(), "239.0.0.1");
  EXPECT_EQ(r->alias(), "192.168.1.2~5060~1");
  EXPECT_EQ(r->user_param(), "phone");
  Param p;
  ASSERT_TRUE(r->param("maddr", p));
  EXPECT_TRUE(p.has_value);
  EXPECT_FALSE(r->param("ttl", p));
}

TEST(Uri, LrVariants) {
  // RFC 4475 3.3.x: ";lr", ";lr=on", ";lr=true" all mean loose routing.
  for (std::string_view text : {"sip:p.example.com;lr", "sip:p.example.com;lr=on", "sip:p.example.com;lr=true",
                                "sip:p.example.com;transport=udp;lr", "sip:p.example.com;LR"}) {
    const auto r = parse_uri(text);
    ASSERT_TRUE(r) << text;
    EXPECT_TRUE(r->lr()) << text;
  }
  const auto strict = parse_uri("sip:p.example.com;lrx");
  ASSERT_TRUE(strict);
  EXPECT_FALSE(strict->lr());
}

TEST(Uri, DefaultsAndBrackets) {
  auto r = parse_uri("sip:a@h");
  EXPECT_EQ(r->port_or_default(), 5060);
  r = parse_uri("sips:a@h");
  EXPECT_EQ(r->port_or_default(), 5061);
  r = parse_uri("sip:a@h;transport=tls");
  EXPECT_EQ(r->port_or_default(), 5061);
  r = parse_uri("sip:a@h:7000");
  EXPECT_EQ(r->port_or_default(), 7000);
  EXPECT_EQ(r->host_with_brackets(), "h");
  r = parse_uri("sip:a@[2001:db8::1]:7000");
  EXPECT_EQ(r->host_with_brackets(), "[2001:db8::1]");
  EXPECT_TRUE(r->has_user());
  r = parse_uri("sip:h");
  EXPECT_FALSE(r->has_user());
}

TEST(Uri, Unescape) {
  std::array<char, 32> buf{};
  auto n = unescape("%61lice%2Bx%2b", buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string_view(buf.data(), *n), "alice+x+");
  EXPECT_FALSE(unescape("bad%2", buf));
  EXPECT_FALSE(unescape("bad%", buf));
  EXPECT_FALSE(unescape("bad%zz", buf));
  std::array<char, 3> small{};
  EXPECT_FALSE(unescape("abcd", small));
  n = unescape("abc", small);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
}

TEST(Params, IteratorAndWhitespace) {
  ParamIterator it(" ; a ; b = 1 ;c=\"x;y\" ;d=[2001:db8::1]");
  Param p;
  ASSERT_TRUE(it.next(p));
  EXPECT_EQ(p.name, "a");
  EXPECT_FALSE(p.has_value);
  EXPECT_EQ(p.whole, "a");
  ASSERT_TRUE(it.next(p));
  EXPECT_EQ(p.name, "b");
  EXPECT_EQ(p.value, "1");
  EXPECT_EQ(p.whole, "b = 1");
  ASSERT_TRUE(it.next(p));
  EXPECT_EQ(p.value, "\"x;y\"");
  EXPECT_EQ(p.unquoted(), "x;y");
  ASSERT_TRUE(it.next(p));
  EXPECT_EQ(p.value, "[2001:db8::1]");
  EXPECT_EQ(p.unquoted(), "[2001:db8::1]");
  EXPECT_FALSE(it.next(p));
  EXPECT_FALSE(it.error());
}

TEST(Params, FoldsCountAsWhitespace) {
  Param p;
  ASSERT_TRUE(find_param(";a=1\r\n ;tag=xyz", "TAG", p));
  EXPECT_EQ(p.value, "xyz");
}

TEST(Params, Errors) {
  for (std::string_view list : {";", ";a;", ";a=\"open", ";a=1 b", ";a=\"q\"x", "a b", ";=1", ";a,b"}) {
    EXPECT_FALSE(params_valid(list)) << list;
  }
  EXPECT_TRUE(params_valid(""));
  EXPECT_TRUE(params_valid("a;b=;c"));
  Param p;
  EXPECT_FALSE(find_param(";x;;tag=1", "tag", p));  // malformed before it
}

}  // namespace
}  // namespace sipedge::sip
