#pragma once
// sipedge::cp::restart_only_changes — the keys a reload of sipedge-cp cannot
// apply while it runs, because they name what it was started on: the node's
// identity (node.id is stamped into every branch and binding owner), the
// location store and its address (store.*, cluster.*: bindings live there),
// the punt socket, and the addresses SIP leaves from (sip.vips, sip.ports,
// [[port]] names, roles and addresses: the dataplane needs a restart for
// them too). Everything else ControlPlane::stage_config() applies live.
//
// Thread-safety: pure function. Cold path: allocates.
#include <string>
#include <vector>

#include "config/config.h"

namespace sipedge::cp {

// The dotted keys that differ between `running` and `next` among those;
// empty when `next` may replace `running`.
std::vector<std::string> restart_only_changes(const config::Config& running, const config::Config& next);

}  // namespace sipedge::cp
