#pragma once
// Test helpers: REGISTER requests built from a few fields, and parsed views
// of text that keep their buffer alive.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"

namespace sipedge::registrar::test {

// A datagram and the Message parsed from it (the Message points into the
// string, so the pair lives on the heap and never moves).
struct Parsed {
  std::string text;
  sip::Message msg;
  sip::ParseError error = sip::ParseError::ok;
};

inline std::unique_ptr<Parsed> parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->text = std::move(text);
  p->error = p->msg.parse(p->text);
  return p;
}

struct RegisterSpec {
  std::string to = "sip:alice@example.com";
  std::vector<std::string> contacts = {"<sip:alice@192.168.1.20:5060>"};
  std::optional<std::uint32_t> expires;  // Expires header
  std::string call_id = "call-1@phone";
  std::uint32_t cseq = 1;
  std::vector<std::string> extra;  // whole header lines without CRLF
  std::string method = "REGISTER";
};

inline std::string register_text(const RegisterSpec& s) {
  std::string t = s.method + " sip:example.com SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-" + std::to_string(s.cseq) + ";rport\r\n";
  t += "Max-Forwards: 70\r\n";
  t += "From: <" + s.to + ">;tag=from1\r\n";
  t += "To: <" + s.to + ">\r\n";
  t += "Call-ID: " + s.call_id + "\r\n";
  t += "CSeq: " + std::to_string(s.cseq) + " " + s.method + "\r\n";
  for (const std::string& c : s.contacts) t += "Contact: " + c + "\r\n";
  if (s.expires) t += "Expires: " + std::to_string(*s.expires) + "\r\n";
  for (const std::string& line : s.extra) t += line + "\r\n";
  t += "User-Agent: test-phone/1.0\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

inline std::unique_ptr<Parsed> make_register(const RegisterSpec& s) {
  auto p = parse(register_text(s));
  EXPECT_EQ(p->error, sip::ParseError::ok) << p->text;
  return p;
}

// Values of every header named `name` in a parsed response.
inline std::vector<std::string> header_values(const sip::Message& msg, sip::HeaderId id) {
  std::vector<std::string> out;
  for (const sip::HeaderValue& v : msg.values(id)) out.emplace_back(v.text);
  return out;
}

// The value of param `name="..."` or name=... inside a header value.
inline std::string param_of(std::string_view value, std::string_view name) {
  const std::string key = std::string(name) + "=";
  auto at = value.find(key);
  while (at != std::string_view::npos && at > 0 && value[at - 1] != ' ' && value[at - 1] != ',' &&
         value[at - 1] != ';')
    at = value.find(key, at + 1);
  if (at == std::string_view::npos) return {};
  auto rest = value.substr(at + key.size());
  if (!rest.empty() && rest.front() == '"') {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(rest.substr(0, rest.find_first_of(",; \r\n")));
}

}  // namespace sipedge::registrar::test
