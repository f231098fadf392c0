#pragma once
// sipedge::cp subscribers API: the HTTP bodies behind /api/subscribers, which
// provision the digest-auth credentials (store::SubscriberStore) of the
// running sipedge-cp. cp/loop.cpp routes them; sipedgectl `subscriber`
// calls them.
//
//   POST /api/subscribers, form-encoded body (or query):
//     username=U&realm=R&password=P, or username=U&realm=R&ha1_md5=H
//     [&ha1_sha256=H2] -> 200 {"ok":true,"username":..,"realm":..,
//     "replaced":false,"ha1_md5":true,"ha1_sha256":true}. A password is
//     not stored: both HA1 values are derived from it. 400 bad input (see
//     store/subscriber_check.h), 500 the store refused (counted).
//   DELETE /api/subscribers/USER@REALM (%-encoded), or POST
//     /api/subscribers/del with username=U&realm=R -> 200, 404 unknown.
//   GET /api/subscribers[?realm=R] -> 200, a flat JSON array
//     [{"username":"alice","realm":"example.com","password":false,
//       "ha1_md5":true,"ha1_sha256":true}], each boolean saying whether that
//     credential is set; never a password or an HA1. ?format=text: a table.
//
// The store writes its file and its memory copy at once, so the next
// REGISTER authenticates (or not) without a restart or a reload.
//
// Thread-safety: none (event loop thread). Errors: bad input gets a 4xx
// reply, a store failure a 500, never an exception. Cold path: allocates.
#include <optional>
#include <string>
#include <string_view>

#include "cp/counters.h"
#include "cp/sets_api.h"
#include "store/subscriber.h"

namespace sipedge::cp {

// `form`: the request's form-encoded parameters.
ApiReply subscriber_add(store::SubscriberStore& subscribers, std::string_view form, Counters& counters);
ApiReply subscriber_delete(store::SubscriberStore& subscribers, std::string_view username, std::string_view realm,
                           Counters& counters);
// "USER@REALM" (already %-decoded; split at the last '@') for DELETE.
ApiReply subscriber_delete(store::SubscriberStore& subscribers, std::string_view user_at_realm, Counters& counters);
// POST /api/subscribers/del: username=U&realm=R.
ApiReply subscriber_delete_form(store::SubscriberStore& subscribers, std::string_view form, Counters& counters);
// `realm`: only that realm's subscribers; nullopt: all. Text or JSON.
std::string subscribers_list(const store::SubscriberStore& subscribers, const std::optional<std::string>& realm,
                             bool text);

}  // namespace sipedge::cp
