// RFC 3261 10.3 semantics of the local registrar.
#include <gtest/gtest.h>

#include "registrar/registrar.h"
#include "registrar_fixture.h"

namespace sipedge::registrar::test {
namespace {

using RegistrarTest = RegistrarFixture;

constexpr std::string_view kAor = "alice@example.com";
constexpr std::string_view kContact = "sip:alice@192.168.1.20:5060";

TEST_F(RegistrarTest, NewBindingIsStoredAndListed) {
  const Response r = send({.extra = {"User-Agent: ignored-duplicate"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.outcome, Outcome::updated);
  EXPECT_EQ(r.aor, kAor);
  ASSERT_EQ(contacts().size(), 1u);
  EXPECT_EQ(contacts()[0], "<sip:alice@192.168.1.20:5060>;expires=1800");  // default_expires

  const store::Binding* b = store_.find(kAor, kContact);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->received, (store::Endpoint{kPhoneIp, 40000}));
  EXPECT_EQ(b->local, (store::Endpoint{kVip, 5060}));
  EXPECT_EQ(b->expires_at, kNow + 1800);
  EXPECT_EQ(b->registered_at, kNow);
  EXPECT_EQ(b->last_refresh_ms, kNowMs);
  EXPECT_EQ(b->call_id, "call-1@phone");
  EXPECT_EQ(b->cseq, 1u);
  EXPECT_TRUE(b->nat);
  EXPECT_EQ(b->nat_bits, 0x3u);
  EXPECT_FALSE(b->has_q);
  EXPECT_EQ(registrar().stats().bindings_added, 1u);
  EXPECT_EQ(registrar().stats().outcomes[static_cast<std::size_t>(Outcome::updated)], 1u);
}

TEST_F(RegistrarTest, ResponseCopiesTheDialogHeadersAndFixesTheVia) {
  send({});
  const sip::Message& m = last_->msg;
  EXPECT_EQ(m.call_id(), "call-1@phone");
  EXPECT_EQ(m.cseq().number, 1u);
  EXPECT_EQ(m.cseq().method, sip::Method::register_);
  EXPECT_EQ(m.from_tag(), "from1");
  EXPECT_FALSE(m.to_tag().empty());
  const auto via = m.top_via();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->received, "198.51.100.7");
  EXPECT_EQ(via->rport, 40000);
  EXPECT_TRUE(m.has(sip::HeaderId::server));
  EXPECT_NE(last_->text.find("\r\nDate: "), std::string::npos);
  EXPECT_EQ(m.content_length(), 0u);
  // A retransmission gets the same To tag.
  const std::string tag(m.to_tag());
  send({});
  EXPECT_EQ(last_->msg.to_tag(), tag);
}

TEST_F(RegistrarTest, ExpiresParamBeatsHeaderAndIsClamped) {
  send({.contacts = {"<sip:alice@192.168.1.20:5060>;expires=120"}, .expires = 600});
  EXPECT_EQ(contacts().at(0), "<sip:alice@192.168.1.20:5060>;expires=120");
  send({.contacts = {"<sip:alice@192.168.1.20:5060>"}, .expires = 600, .cseq = 2});
  EXPECT_EQ(contacts().at(0), "<sip:alice@192.168.1.20:5060>;expires=600");
  send({.contacts = {"<sip:alice@192.168.1.20:5060>;expires=86400"}, .cseq = 3});
  EXPECT_EQ(contacts().at(0), "<sip:alice@192.168.1.20:5060>;expires=3600");  // max_expires
}

TEST_F(RegistrarTest, TooBriefIs423WithMinExpires) {
  const Response r = send({.expires = 30});
  EXPECT_EQ(r.status, 423);
  EXPECT_EQ(r.outcome, Outcome::interval_too_brief);
  EXPECT_EQ(last_->msg.value(sip::HeaderId::min_expires), "60");
  EXPECT_EQ(store_.binding_count(), 0u);
  EXPECT_EQ(r.durable_after, 0u);
  // Exactly the minimum is fine.
  EXPECT_EQ(send({.expires = 60}).status, 200);
}

TEST_F(RegistrarTest, ForeignDomainIs403AndEmptyListServesAny) {
  Response r = send({.to = "sip:alice@elsewhere.net"});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.outcome, Outcome::foreign_domain);
  EXPECT_EQ(store_.binding_count(), 0u);
  // The domain compares case-insensitively (the AOR is lower-cased).
  EXPECT_EQ(send({.to = "sip:alice@EXAMPLE.com"}).status, 200);
  config_.domains.clear();
  registrar().reconfigure(config_);
  EXPECT_EQ(send({.to = "sip:alice@elsewhere.net"}).status, 200);
}

struct MalformedCase {
  const char* name;
  RegisterSpec spec;
  std::uint16_t status;
  const char* reason;
};

TEST_F(RegistrarTest, MalformedRequestsAre400WithAReason) {
  const std::vector<MalformedCase> cases = {
      {"bad contact", {.contacts = {"<sip:alice@192.168.1.20"}}, 400, "Malformed Contact"},
      {"bad Expires", {.extra = {"Expires: soon"}}, 400, "Malformed Expires"},
      {"bad expires param", {.contacts = {"<sip:a@h>;expires=x"}}, 400, "Malformed Contact Expires"},
      {"bad q", {.contacts = {"<sip:a@h>;q=1.5"}}, 400, "Malformed Contact q-value"},
      {"bad reg-id", {.contacts = {"<sip:a@h>;+sip.instance=\"<urn:x>\";reg-id=0"}}, 400, "Malformed Contact reg-id"},
      {"star with other", {.contacts = {"*", "<sip:a@h>"}, .expires = 0}, 400, "Wildcard Contact Not Alone"},
      {"star expires", {.contacts = {"*"}, .expires = 60}, 400, "Wildcard Contact Requires Expires 0"},
      {"star no expires", {.contacts = {"*"}}, 400, "Wildcard Contact Requires Expires 0"},
      {"not register", {.method = "OPTIONS"}, 400, "Not A REGISTER"},
      {"no user", {.to = "sip:example.com"}, 404, "Not Found - No SIP User In To"},
      {"tel To", {.to = "tel:+15551234"}, 404, "Not Found - No SIP User In To"},
  };
  for (const auto& c : cases) {
    const Response r = send(c.spec);
    EXPECT_EQ(r.status, c.status) << c.name;
    EXPECT_EQ(last_->msg.reason(), c.reason) << c.name;
  }
  EXPECT_EQ(store_.binding_count(), 0u);
  EXPECT_EQ(registrar().stats().outcomes[static_cast<std::size_t>(Outcome::malformed)], 9u);
}

TEST_F(RegistrarTest, MalformedToIs400) {
  auto request = parse(
      "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\n"
      "To: <sip:alice@example.com\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContact: <sip:a@h>\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(request->error, sip::ParseError::ok);
  const Response r = registrar().handle(request->msg, source_, kNowMs);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.text.find("SIP/2.0 400 Malformed To\r\n"), std::string::npos);
}

TEST_F(RegistrarTest, ZeroExpiryRemovesThatContactOnly) {
  send({.contacts = {"<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"}});
  EXPECT_EQ(store_.binding_count(), 2u);
  send({.contacts = {"<sip:alice@10.0.0.1>;expires=0"}, .cseq = 2});
  ASSERT_EQ(contacts().size(), 1u);
  EXPECT_EQ(contacts()[0], "<sip:alice@10.0.0.2>;expires=1800");
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.1"), nullptr);
  EXPECT_EQ(registrar().stats().bindings_removed, 1u);
}

TEST_F(RegistrarTest, WildcardRemovesAll) {
  send({.contacts = {"<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"}});
  const Response r = send({.contacts = {"*"}, .expires = 0, .cseq = 2});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(contacts().empty());
  EXPECT_EQ(store_.binding_count(), 0u);
  EXPECT_EQ(registrar().stats().bindings_removed, 2u);
}

TEST_F(RegistrarTest, NoContactListsBindingsWithoutChange) {
  send({});
  const Response r = send({.contacts = {}, .cseq = 2}, kNowMs + 100'000);
  EXPECT_EQ(r.outcome, Outcome::queried);
  EXPECT_EQ(contacts().at(0), "<sip:alice@192.168.1.20:5060>;expires=1700");
  EXPECT_EQ(store_.find(kAor, kContact)->cseq, 1u);
}

TEST_F(RegistrarTest, OkListsAllBindingsWithRemainingExpiry) {
  send({.contacts = {"<sip:alice@10.0.0.1>;expires=3600"}});
  send({.contacts = {"<sip:alice@10.0.0.2>;expires=600"}, .call_id = "other-phone"}, kNowMs + 100'000);
  auto list = contacts();
  std::sort(list.begin(), list.end());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], "<sip:alice@10.0.0.1>;expires=3500");
  EXPECT_EQ(list[1], "<sip:alice@10.0.0.2>;expires=600");
}

TEST_F(RegistrarTest, ExpiredBindingsAreNotListed) {
  send({.contacts = {"<sip:alice@10.0.0.1>;expires=60"}});
  send({.contacts = {"<sip:alice@10.0.0.2>"}, .call_id = "other"}, kNowMs + 61'000);
  ASSERT_EQ(contacts().size(), 1u);
  EXPECT_EQ(contacts()[0], "<sip:alice@10.0.0.2>;expires=1800");
}

// RFC 3261 10.3 step 7.
TEST_F(RegistrarTest, SameCallIdLowerCSeqFailsTheWholeRequest) {
  send({.contacts = {"<sip:alice@10.0.0.1>;expires=600"}, .cseq = 5});
  const Response r = send({.contacts = {"<sip:alice@10.0.0.2>", "<sip:alice@10.0.0.1>;expires=0"}, .cseq = 4});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.outcome, Outcome::out_of_order);
  // Nothing changed: not the removal, not the new contact.
  EXPECT_NE(store_.find(kAor, "sip:alice@10.0.0.1"), nullptr);
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.2"), nullptr);
}

TEST_F(RegistrarTest, SameCallIdSameCSeqIsARetransmission) {
  send({.expires = 600, .cseq = 5});
  const Response r = send({.expires = 300, .cseq = 5}, kNowMs + 2'000);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.outcome, Outcome::retransmission);
  EXPECT_EQ(store_.find(kAor, kContact)->expires_at, kNow + 600);  // untouched
  EXPECT_EQ(contacts().at(0), "<sip:alice@192.168.1.20:5060>;expires=598");
  EXPECT_EQ(r.durable_after, 0u);  // nothing pending: send at once
}

TEST_F(RegistrarTest, SameCallIdHigherCSeqUpdates) {
  send({.expires = 600, .cseq = 5});
  send({.expires = 300, .cseq = 6});
  EXPECT_EQ(store_.find(kAor, kContact)->expires_at, kNow + 300);
  EXPECT_EQ(store_.find(kAor, kContact)->cseq, 6u);
  EXPECT_EQ(registrar().stats().bindings_refreshed, 1u);
}

TEST_F(RegistrarTest, DifferentCallIdAlwaysUpdates) {
  send({.expires = 600, .call_id = "before-reboot", .cseq = 900});
  send({.expires = 300, .call_id = "after-reboot", .cseq = 1});
  const store::Binding* b = store_.find(kAor, kContact);
  EXPECT_EQ(b->call_id, "after-reboot");
  EXPECT_EQ(b->cseq, 1u);
  EXPECT_EQ(b->expires_at, kNow + 300);
}

TEST_F(RegistrarTest, WildcardWithOlderCSeqFails) {
  send({.cseq = 5});
  const Response r = send({.contacts = {"*"}, .expires = 0, .cseq = 3});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(store_.binding_count(), 1u);
}

TEST_F(RegistrarTest, QValueStoredAndEchoed) {
  send({.contacts = {"<sip:alice@10.0.0.1>;q=0.5"}});
  EXPECT_EQ(contacts().at(0), "<sip:alice@10.0.0.1>;expires=1800;q=0.5");
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.1")->q, 500);
  send({.contacts = {"<sip:alice@10.0.0.1>;q=0.125"}, .cseq = 2});
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.1")->q, 125);
  EXPECT_EQ(contacts().at(0), "<sip:alice@10.0.0.1>;expires=1800;q=0.125");
  send({.contacts = {"<sip:alice@10.0.0.1>;q=1.000"}, .cseq = 3});
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.1")->q, 1000);
}

TEST_F(RegistrarTest, EquivalentContactUpdatesTheSameBinding) {
  send({.contacts = {"<sip:alice@Host.Example:5060>"}});
  send({.contacts = {"<sip:alice@host.example:5060>"}, .cseq = 2});
  EXPECT_EQ(store_.binding_count(), 1u);
  EXPECT_NE(store_.find(kAor, "sip:alice@host.example:5060"), nullptr);  // the latest spelling
}

TEST_F(RegistrarTest, OutboundInstanceAndRegIdReplaceTheFlow) {
  const std::string instance = ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
  const std::string supported = "Supported: path, outbound";
  send({.contacts = {"<sip:alice@10.0.0.1:5060;ob>" + instance + ";reg-id=1"}, .extra = {supported}});
  EXPECT_EQ(last_->msg.value(sip::HeaderId::require), "outbound");
  // Same instance and reg-id from a new address (new flow): replaces.
  send({.contacts = {"<sip:alice@10.0.0.9:6000;ob>" + instance + ";reg-id=1"}, .cseq = 2, .extra = {supported}});
  EXPECT_EQ(store_.binding_count(), 1u);
  const store::Binding* b = store_.find(kAor, "sip:alice@10.0.0.9:6000;ob");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->reg_id, 1u);
  EXPECT_EQ(b->instance_id, "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
  ASSERT_EQ(contacts().size(), 1u);
  EXPECT_EQ(contacts()[0],
            "<sip:alice@10.0.0.9:6000;ob>;expires=1800;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-"
            "000A95A0E128>\";reg-id=1");
  // A second flow (reg-id 2) of the same instance is a binding of its own.
  send({.contacts = {"<sip:alice@10.0.0.10:6000;ob>" + instance + ";reg-id=2"}, .cseq = 3, .extra = {supported}});
  EXPECT_EQ(store_.binding_count(), 2u);
}

TEST_F(RegistrarTest, RegIdIgnoredWithoutOutboundSupport) {
  const std::string instance = ";+sip.instance=\"<urn:uuid:1>\"";
  send({.contacts = {"<sip:alice@10.0.0.1>" + instance + ";reg-id=1"}});
  EXPECT_FALSE(last_->msg.has(sip::HeaderId::require));
  EXPECT_EQ(store_.find(kAor, "sip:alice@10.0.0.1")->reg_id, 0u);
  // Same instance (no reg-id in effect) from a new contact: still one binding.
  send({.contacts = {"<sip:alice@10.0.0.2>" + instance + ";reg-id=1"}, .cseq = 2});
  EXPECT_EQ(store_.binding_count(), 1u);
  EXPECT_NE(store_.find(kAor, "sip:alice@10.0.0.2"), nullptr);
}

TEST_F(RegistrarTest, PathIsStoredAndEchoedWhenSupported) {
  send({.extra = {"Path: <sip:p1.example.net;lr>", "Path: <sip:p2.example.net;lr>", "Supported: path"}});
  EXPECT_EQ(last_->msg.value(sip::HeaderId::path), "<sip:p1.example.net;lr>, <sip:p2.example.net;lr>");
  const store::Binding* b = store_.find(kAor, kContact);
  ASSERT_EQ(b->path.size(), 2u);
  EXPECT_EQ(b->path[1], "<sip:p2.example.net;lr>");
  // Without Supported: path, stored but not echoed (RFC 3327 5.3).
  send({.cseq = 2, .extra = {"Path: <sip:p3.example.net;lr>"}});
  EXPECT_FALSE(last_->msg.has(sip::HeaderId::path));
  EXPECT_EQ(store_.find(kAor, kContact)->path.at(0), "<sip:p3.example.net;lr>");
}

TEST_F(RegistrarTest, UnknownRequiredExtensionIs420) {
  const Response r = send({.extra = {"Require: path, 100rel, foo"}});
  EXPECT_EQ(r.status, 420);
  EXPECT_EQ(last_->msg.value(sip::HeaderId::unsupported), "100rel, foo");
  EXPECT_EQ(store_.binding_count(), 0u);
  EXPECT_EQ(send({.extra = {"Require: path"}}).status, 200);
}

TEST_F(RegistrarTest, TooManyBindingsIs403) {
  options_.max_bindings_per_aor = 2;
  send({.contacts = {"<sip:alice@10.0.0.1>", "<sip:alice@10.0.0.2>"}});
  const Response r = send({.contacts = {"<sip:alice@10.0.0.3>"}, .cseq = 2});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.outcome, Outcome::too_many_bindings);
  EXPECT_EQ(store_.binding_count(), 2u);
  // Replacing one while adding one fits.
  EXPECT_EQ(send({.contacts = {"<sip:alice@10.0.0.1>;expires=0", "<sip:alice@10.0.0.3>"}, .cseq = 3}).status, 200);
  EXPECT_EQ(store_.binding_count(), 2u);
}

TEST_F(RegistrarTest, OwnerNodeIsStamped) {
  options_.node_id = 7;
  send({});
  EXPECT_EQ(store_.find(kAor, kContact)->owner, 7u);
}

// RFC 4475 3.3 REGISTER cases, which the dataplane punts here: what the
// registrar answers each (dataplane/sip/CONFORMANCE.md).
TEST_F(RegistrarTest, Rfc4475RegisterCases) {
  // cparam01: ";unknownparam" outside <> belongs to the header, not the URI.
  EXPECT_EQ(send({.contacts = {"sip:+19725552222@gw1.example.net;unknownparam"}}).status, 200);
  EXPECT_NE(store_.find(kAor, "sip:+19725552222@gw1.example.net"), nullptr);
  // cparam02: inside <> it is a URI parameter and part of the binding.
  EXPECT_EQ(send({.contacts = {"<sip:+19725552222@gw1.example.net;unknownparam>"}, .call_id = "cp2"}).status, 200);
  EXPECT_NE(store_.find(kAor, "sip:+19725552222@gw1.example.net;unknownparam"), nullptr);
  // regescrt: an escaped Route header in the Contact URI is kept with it.
  EXPECT_EQ(send({.contacts = {"<sip:alice@198.51.100.7?Route=%3Csip:sip.example.com%3E>"}, .call_id = "esc"}).status, 200);
  EXPECT_NE(store_.find(kAor, "sip:alice@198.51.100.7?Route=%3Csip:sip.example.com%3E"), nullptr);
  const std::size_t bindings = store_.binding_count();
  // unksm2: an address-of-record that is not a SIP URI names no user here
  // (RFC 3261 10.3 step 3).
  const Response unknown = send({.to = "isbn:2983792873", .contacts = {"<name:John_Smith>"}, .call_id = "unk"});
  EXPECT_EQ(unknown.status, 404) << unknown.text;
  EXPECT_EQ(store_.binding_count(), bindings);
  // regaut01: an Authorization of an unknown scheme is no credential: with
  // auth on, it is challenged like none at all.
  config_.auth = true;
  config_.realm = "example.com";
  registrar_.reset();
  const Response challenged =
      send({.call_id = "aut", .extra = {"Authorization: NoOneKnowsThisScheme opaque-data=here"}});
  EXPECT_EQ(challenged.status, 401) << challenged.text;
  EXPECT_EQ(store_.binding_count(), bindings);
}

}  // namespace
}  // namespace sipedge::registrar::test
