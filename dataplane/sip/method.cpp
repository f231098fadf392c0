#include "sip/method.h"

#include <array>

namespace sipedge::sip {
namespace {

constexpr std::array<std::string_view, kMethodCount> kNames = {
    "OTHER",  "INVITE", "ACK",       "BYE",    "CANCEL",  "REGISTER", "OPTIONS", "INFO",
    "UPDATE", "PRACK",  "SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER",    "PUBLISH",
};

}  // namespace

Method method_from_token(std::string_view t) noexcept {
  // Dispatch on length and first letter, then one exact compare.
  switch (t.size()) {
    case 3:
      if (t == "ACK") return Method::ack;
      if (t == "BYE") return Method::bye;
      break;
    case 4:
      if (t == "INFO") return Method::info;
      break;
    case 5:
      if (t == "PRACK") return Method::prack;
      if (t == "REFER") return Method::refer;
      break;
    case 6:
      if (t[0] == 'I') return t == "INVITE" ? Method::invite : Method::other;
      if (t[0] == 'C') return t == "CANCEL" ? Method::cancel : Method::other;
      if (t[0] == 'U') return t == "UPDATE" ? Method::update : Method::other;
      if (t[0] == 'N') return t == "NOTIFY" ? Method::notify : Method::other;
      break;
    case 7:
      if (t == "OPTIONS") return Method::options;
      if (t == "MESSAGE") return Method::message;
      if (t == "PUBLISH") return Method::publish;
      break;
    case 8:
      if (t == "REGISTER") return Method::register_;
      break;
    case 9:
      if (t == "SUBSCRIBE") return Method::subscribe;
      break;
    default:
      break;
  }
  return Method::other;
}

std::string_view method_name(Method m) noexcept {
  const auto i = static_cast<std::size_t>(m);
  return i < kNames.size() ? kNames[i] : kNames[0];
}

}  // namespace sipedge::sip
