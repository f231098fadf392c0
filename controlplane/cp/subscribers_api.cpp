#include "cp/subscribers_api.h"

#include <cstdio>

#include "cp/api.h"
#include "cp/http_request.h"
#include "registrar/digest.h"
#include "store/subscriber_check.h"

namespace sipedge::cp {
namespace {

ApiReply error_reply(std::uint16_t status, std::string_view message) {
  std::string body = "{\"ok\":false,\"error\":";
  append_json_string(body, message);
  body += "}\n";
  return {status, std::move(body)};
}

std::string lower(std::string_view hex) {
  std::string out(hex);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The problem with a form parameter that must be present, or "".
std::string required(const std::optional<std::string>& value, std::string_view name, std::string_view problem) {
  if (!value) return "missing " + std::string(name) + "= (or badly %-encoded)";
  return std::string(problem);
}

void append_identity(std::string& body, const store::Subscriber& s) {
  body += "\"username\":";
  append_json_string(body, s.username);
  body += ",\"realm\":";
  append_json_string(body, s.realm);
}

}  // namespace

ApiReply subscriber_add(store::SubscriberStore& subscribers, std::string_view form, Counters& counters) {
  const auto username = form_value(form, "username");
  const auto realm = form_value(form, "realm");
  const auto password = form_value(form, "password");
  const auto ha1_md5 = form_value(form, "ha1_md5");
  const auto ha1_sha256 = form_value(form, "ha1_sha256");
  std::string problem = required(username, "username", username ? store::username_problem(*username) : "");
  if (problem.empty()) problem = required(realm, "realm", realm ? store::realm_problem(*realm) : "");
  if (problem.empty()) {
    if (password && (ha1_md5 || ha1_sha256))
      problem = "give password= or ha1_md5= (with an optional ha1_sha256=), not both";
    else if (password)
      problem = store::password_problem(*password);
    else if (!ha1_md5)
      problem = ha1_sha256 ? "ha1_sha256= needs ha1_md5= too (phones answer MD5 challenges)"
                           : "missing password= or ha1_md5=";
    else {
      problem = store::ha1_problem(*ha1_md5, store::kHa1Md5Digits);
      if (problem.empty() && ha1_sha256) problem = store::ha1_problem(*ha1_sha256, store::kHa1Sha256Digits);
    }
  }
  if (!problem.empty()) {
    counters.add(Counter::subscriber_refused);
    return error_reply(400, problem);
  }

  store::Subscriber s{*username, *realm, {}, {}, {}};
  if (password) {
    // The password itself is not kept: HA1 is all digest authentication needs.
    s.ha1_md5 = registrar::digest_ha1(registrar::DigestAlgorithm::md5, s.username, s.realm, *password);
    s.ha1_sha256 = registrar::digest_ha1(registrar::DigestAlgorithm::sha256, s.username, s.realm, *password);
  } else {
    s.ha1_md5 = lower(*ha1_md5);
    if (ha1_sha256) s.ha1_sha256 = lower(*ha1_sha256);
  }
  const bool replaced = subscribers.find(s.username, s.realm) != nullptr;
  std::string error;
  if (!subscribers.put(s, error)) {
    counters.add(Counter::subscriber_store_failed);
    std::fprintf(stderr, "sipedge-cp: subscriber %s@%s not stored: %s\n", s.username.c_str(), s.realm.c_str(),
                 error.c_str());
    return error_reply(500, "the subscriber store refused the write: " + error);
  }
  counters.add(Counter::subscriber_added);
  std::string body = "{\"ok\":true,";
  append_identity(body, s);
  body += ",\"replaced\":";
  body += replaced ? "true" : "false";
  body += ",\"ha1_md5\":true,\"ha1_sha256\":";
  body += s.ha1_sha256.empty() ? "false" : "true";
  body += "}\n";
  return {200, std::move(body)};
}

ApiReply subscriber_delete(store::SubscriberStore& subscribers, std::string_view username, std::string_view realm,
                           Counters& counters) {
  std::string_view problem = store::username_problem(username);
  if (problem.empty()) problem = store::realm_problem(realm);
  if (!problem.empty()) {
    counters.add(Counter::subscriber_refused);
    return error_reply(400, problem);
  }
  const store::Subscriber* existing = subscribers.find(username, realm);
  if (existing == nullptr) {
    counters.add(Counter::subscriber_refused);
    return error_reply(404, "no subscriber " + std::string(username) + "@" + std::string(realm));
  }
  std::string body = "{\"ok\":true,";
  append_identity(body, *existing);  // before erase(): `existing` dies with the row
  body += ",\"removed\":1}\n";
  std::string error;
  if (!subscribers.erase(username, realm, error)) {
    counters.add(Counter::subscriber_store_failed);
    std::fprintf(stderr, "sipedge-cp: subscriber %.*s@%.*s not removed: %s\n", static_cast<int>(username.size()),
                 username.data(), static_cast<int>(realm.size()), realm.data(), error.c_str());
    return error_reply(500, "the subscriber store refused the removal: " + error);
  }
  counters.add(Counter::subscriber_removed);
  return {200, std::move(body)};
}

ApiReply subscriber_delete(store::SubscriberStore& subscribers, std::string_view user_at_realm, Counters& counters) {
  const auto at = user_at_realm.rfind('@');
  if (at == std::string_view::npos) {
    counters.add(Counter::subscriber_refused);
    return error_reply(400, "expected USER@REALM");
  }
  return subscriber_delete(subscribers, user_at_realm.substr(0, at), user_at_realm.substr(at + 1), counters);
}

ApiReply subscriber_delete_form(store::SubscriberStore& subscribers, std::string_view form, Counters& counters) {
  const auto username = form_value(form, "username");
  const auto realm = form_value(form, "realm");
  if (!username || !realm) {
    counters.add(Counter::subscriber_refused);
    return error_reply(400, "body must be username=U&realm=R (form-encoded)");
  }
  return subscriber_delete(subscribers, *username, *realm, counters);
}

std::string subscribers_list(const store::SubscriberStore& subscribers, const std::optional<std::string>& realm,
                             bool text) {
  std::string out;
  std::size_t n = 0;
  if (!text) out.push_back('[');
  subscribers.for_each([&](const store::Subscriber& s) {
    if (realm && s.realm != *realm) return;
    if (text) {
      if (n == 0) out += "USERNAME                         REALM                            CREDENTIALS\n";
      std::string credentials;
      for (const auto& [set, name] : {std::pair{!s.password.empty(), "password"}, std::pair{!s.ha1_md5.empty(), "ha1-md5"},
                                      std::pair{!s.ha1_sha256.empty(), "ha1-sha256"}})
        if (set) credentials.append(credentials.empty() ? "" : ",").append(name);
      char line[512];
      std::snprintf(line, sizeof line, "%-32s %-32s %s\n", s.username.c_str(), s.realm.c_str(),
                    credentials.empty() ? "none" : credentials.c_str());
      out += line;
    } else {
      if (n != 0) out += ',';
      out += '{';
      append_identity(out, s);
      out += ",\"password\":";
      out += s.password.empty() ? "false" : "true";
      out += ",\"ha1_md5\":";
      out += s.ha1_md5.empty() ? "false" : "true";
      out += ",\"ha1_sha256\":";
      out += s.ha1_sha256.empty() ? "false" : "true";
      out += '}';
    }
    ++n;
  });
  if (text)
    out += std::to_string(n) + (n == 1 ? " subscriber\n" : " subscribers\n");
  else
    out += "]\n";
  return out;
}

}  // namespace sipedge::cp
