#include "cp/subscribers_api.h"

#include <cstdio>

#include "cp/api.h"
#include "cp/http_request.h"
#include "cp/json.h"
#include "registrar/digest.h"
#include "store/subscriber_check.h"

namespace sipedge::cp {
namespace {

ApiReply error_reply(std::uint16_t status, std::string_view message) {
  return {status, dump_json(Json{{"ok", false}, {"error", message}}) + "\n"};
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

Json identity(bool ok, const store::Subscriber& s) {
  Json doc = Json::object();
  if (ok) doc["ok"] = true;
  doc["username"] = s.username;
  doc["realm"] = s.realm;
  return doc;
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
  Json doc = identity(true, s);
  doc["replaced"] = replaced;
  doc["ha1_md5"] = true;
  doc["ha1_sha256"] = !s.ha1_sha256.empty();
  return {200, dump_json(doc) + "\n"};
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
  Json doc = identity(true, *existing);  // before erase(): `existing` dies with the row
  doc["removed"] = 1;
  const std::string body = dump_json(doc) + "\n";
  std::string error;
  if (!subscribers.erase(username, realm, error)) {
    counters.add(Counter::subscriber_store_failed);
    std::fprintf(stderr, "sipedge-cp: subscriber %.*s@%.*s not removed: %s\n", static_cast<int>(username.size()),
                 username.data(), static_cast<int>(realm.size()), realm.data(), error.c_str());
    return error_reply(500, "the subscriber store refused the removal: " + error);
  }
  counters.add(Counter::subscriber_removed);
  return {200, body};
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
  Json list = Json::array();
  std::size_t n = 0;
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
      Json entry = identity(false, s);
      entry["password"] = !s.password.empty();
      entry["ha1_md5"] = !s.ha1_md5.empty();
      entry["ha1_sha256"] = !s.ha1_sha256.empty();
      list.push_back(std::move(entry));
    }
    ++n;
  });
  if (text)
    out += std::to_string(n) + (n == 1 ? " subscriber\n" : " subscribers\n");
  else
    out = dump_json(list) + "\n";
  return out;
}

}  // namespace sipedge::cp
