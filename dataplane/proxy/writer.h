#pragma once
// A bounded appender over a caller's buffer: every write checks the room
// left and, once one does not fit, the writer stays failed and writes nothing
// more. Lets message builders be written straight-line and checked once.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sipedge::proxy {

class BoundedWriter {
 public:
  explicit BoundedWriter(std::span<char> out) noexcept : out_(out) {}

  BoundedWriter& put(std::string_view s) noexcept {
    if (failed_ || s.size() > out_.size() - used_) {
      failed_ = true;
      return *this;
    }
    std::memcpy(out_.data() + used_, s.data(), s.size());
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
    put_uint(a >> 24).put(".").put_uint((a >> 16) & 0xFF).put(".");
    return put_uint((a >> 8) & 0xFF).put(".").put_uint(a & 0xFF);
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
