#include "subscriber_args.h"

#include <vector>

#include "http_client.h"
#include "store/subscriber_check.h"

namespace sipedge::ctl {
namespace {

SubscriberArgs usage(std::string problem) {
  SubscriberArgs out;
  out.error = SubscriberArgsError::usage;
  out.problem = std::move(problem);
  return out;
}

SubscriberArgs invalid(std::string_view problem) {
  SubscriberArgs out;
  out.error = SubscriberArgsError::invalid;
  out.problem = std::string(problem);
  return out;
}

}  // namespace

SubscriberArgs parse_subscriber_args(std::span<const std::string_view> args) {
  if (args.empty()) return usage("missing add, del or list");
  SubscriberArgs out;
  SubscriberCommand& c = out.command;
  const std::string_view action = args[0];
  if (action == "add")
    c.action = SubscriberAction::add;
  else if (action == "del")
    c.action = SubscriberAction::del;
  else if (action == "list")
    c.action = SubscriberAction::list;
  else
    return usage("unknown subscriber action '" + std::string(action) + "'");

  std::vector<std::string_view> positional;
  bool has_password = false, has_md5 = false, has_sha256 = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const bool takes_value = a == "--password" || a == "--ha1-md5" || a == "--ha1-sha256";
    if (takes_value && c.action != SubscriberAction::add) return usage(std::string(a) + " is for add only");
    if (takes_value && i + 1 >= args.size()) return usage(std::string(a) + " needs a value");
    if (a == "--password") {
      has_password = true;
      const std::string_view v = args[++i];
      if (v == "-")
        c.password_from_stdin = true;
      else
        c.password = std::string(v);
    } else if (a == "--ha1-md5") {
      has_md5 = true;
      c.ha1_md5 = std::string(args[++i]);
    } else if (a == "--ha1-sha256") {
      has_sha256 = true;
      c.ha1_sha256 = std::string(args[++i]);
    } else if (a == "--json") {
      if (c.action != SubscriberAction::list) return usage("--json is for list only");
      c.json = true;
    } else if (a.starts_with("--") || a == "-h") {
      return usage("unknown option " + std::string(a));
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) return usage("missing CONFIG");
  c.config = std::string(positional[0]);

  if (c.action == SubscriberAction::list) {
    if (positional.size() > 2) return usage("list takes CONFIG and an optional REALM");
    if (positional.size() == 2) {
      if (const auto p = store::realm_problem(positional[1]); !p.empty()) return invalid(p);
      c.realm = std::string(positional[1]);
    }
    return out;
  }
  if (positional.size() != 2) return usage(std::string(action) + " takes CONFIG and USER@REALM");
  const std::string_view user_at_realm = positional[1];
  const auto at = user_at_realm.rfind('@');
  if (at == std::string_view::npos) return invalid("expected USER@REALM, got '" + std::string(user_at_realm) + "'");
  c.username = std::string(user_at_realm.substr(0, at));
  c.realm = std::string(user_at_realm.substr(at + 1));
  if (const auto p = store::username_problem(c.username); !p.empty()) return invalid(p);
  if (const auto p = store::realm_problem(c.realm); !p.empty()) return invalid(p);
  if (c.action == SubscriberAction::del) return out;

  if (has_password == has_md5) return usage("give --password or --ha1-md5 (not both)");
  if (has_sha256 && !has_md5) return usage("--ha1-sha256 goes with --ha1-md5");
  if (has_password && !c.password_from_stdin)
    if (const auto p = store::password_problem(c.password); !p.empty()) return invalid(p);
  if (has_md5)
    if (const auto p = store::ha1_problem(c.ha1_md5, store::kHa1Md5Digits); !p.empty()) return invalid(p);
  if (has_sha256)
    if (const auto p = store::ha1_problem(c.ha1_sha256, store::kHa1Sha256Digits); !p.empty()) return invalid(p);
  return out;
}

std::optional<std::string> read_password(std::FILE* in) {
  std::string line;
  for (int ch; (ch = std::fgetc(in)) != EOF;) {
    if (ch == '\n') return line.ends_with('\r') ? line.substr(0, line.size() - 1) : line;
    line += static_cast<char>(ch);
    if (line.size() > store::kMaxSubscriberPassword + 1) break;  // password_problem says too long
  }
  if (line.ends_with('\r')) line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

std::string subscriber_add_form(const SubscriberCommand& c) {
  std::string form = "username=" + url_encode(c.username) + "&realm=" + url_encode(c.realm);
  if (!c.ha1_md5.empty()) {
    form += "&ha1_md5=" + url_encode(c.ha1_md5);
    if (!c.ha1_sha256.empty()) form += "&ha1_sha256=" + url_encode(c.ha1_sha256);
  } else {
    form += "&password=" + url_encode(c.password);
  }
  return form;
}

}  // namespace sipedge::ctl
