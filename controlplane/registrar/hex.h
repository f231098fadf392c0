#pragma once
// Lower-case hex encoding, and a comparison whose time does not depend on
// where two secrets differ. No allocation except the returned string.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sipedge::registrar {

std::string to_hex(std::span<const std::uint8_t> bytes);
// Decodes exactly out.size() bytes from 2 * out.size() hex digits (either
// case); false on any other length or a non-hex character.
bool from_hex(std::string_view text, std::span<std::uint8_t> out) noexcept;
// Equal contents, compared without an early exit (lengths are not secret).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace sipedge::registrar
