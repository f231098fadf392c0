#include "cp/json.h"

namespace sipedge::cp {

std::string dump_json(const Json& doc) {
  return doc.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sipedge::cp
