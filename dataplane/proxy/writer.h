#pragma once
// A bounded appender over a caller's buffer: every write checks the room
// left and, once one does not fit, the writer stays failed and writes nothing
// more. Lets message builders be written straight-line and checked once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "sip/copy.h"
#include "sip/ipv4.h"

namespace sipedge::proxy {

class BoundedWriter {
 public:
  explicit BoundedWriter(std::span<char> out) noexcept : out_(out) {}

  BoundedWriter& put(std::string_view s) noexcept {
    if (failed_ || s.size() > out_.size() - used_) {
      failed_ = true;
      return *this;
    }
    sip::copy_bytes(out_.data() + used_, s.data(), s.size());
    used_ += s.size();
    return *this;
  }
  BoundedWriter& put_uint(uint32_t v) noexcept {
    char digits[10];
    std::size_t n = 0;
    do {
      digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    return put({digits + sizeof digits - n, n});
  }
  BoundedWriter& put_ipv4(uint32_t a) noexcept {
    if (!failed_ && out_.size() - used_ >= sip::kIpv4TextMax) {  // straight into the buffer
      used_ += sip::format_ipv4(a, std::span<char, sip::kIpv4TextMax>(out_.data() + used_, sip::kIpv4TextMax));
      return *this;
    }
    char text[sip::kIpv4TextMax];
    const std::size_t n = sip::format_ipv4(a, text);
    if (failed_ || n > out_.size() - used_) {
      failed_ = true;
      return *this;
    }
    std::memcpy(out_.data() + used_, text, n);
    used_ += n;
    return *this;
  }

  bool ok() const noexcept { return !failed_; }
  std::size_t size() const noexcept { return used_; }
  // The bytes written so far (valid until the buffer is reused).
  std::string_view written() const noexcept { return {out_.data(), used_}; }

 private:
  std::span<char> out_;
  std::size_t used_ = 0;
  bool failed_ = false;
};

}  // namespace sipedge::proxy
