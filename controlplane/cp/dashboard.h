#pragma once
// sipedge::cp::dashboard_html — the operator dashboard served at "/": one
// self-contained HTML page (inline CSS and JS, canvas graphs, nothing fetched
// from anywhere but this sipedge-cp) that polls /api/stats, /api/registrations
// and, when another build provides it, /api/sets once a second.
//
// For tests and scrapers, each graph's canvas carries data-points (how many
// per-second samples it drew) and data-last (the newest value); the page's
// <body> carries data-updates (successful polls) and data-error.
//
// Thread-safety: a constant. Errors: none.
#include <string_view>

namespace sipedge::cp {

std::string_view dashboard_html() noexcept;

}  // namespace sipedge::cp
