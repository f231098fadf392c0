// Appends text into a caller-owned fixed buffer; never allocates. Once an
// append does not fit, the writer stays failed (ok() false) and later appends
// do nothing, so a builder checks once at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace sipedge::loadgen {

class TextWriter {
 public:
  explicit TextWriter(std::span<char> buffer) : buffer_(buffer) {}

  TextWriter& operator<<(std::string_view text) {
    if (!ok_ || text.size() > buffer_.size() - size_) {
      ok_ = false;
      return *this;
    }
    std::memcpy(buffer_.data() + size_, text.data(), text.size());
    size_ += text.size();
    return *this;
  }
  TextWriter& operator<<(char c) { return *this << std::string_view(&c, 1); }
  TextWriter& operator<<(std::uint64_t value) {
    char digits[20];
    std::size_t n = 0;
    do {
      digits[sizeof digits - 1 - n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    return *this << std::string_view(digits + sizeof digits - n, n);
  }
  TextWriter& operator<<(std::uint32_t value) { return *this << static_cast<std::uint64_t>(value); }
  TextWriter& operator<<(int value) = delete;  // say which width is meant

  TextWriter& hex(std::uint64_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    char digits[16];
    std::size_t n = 0;
    do {
      digits[sizeof digits - 1 - n++] = kDigits[value & 0xF];
      value >>= 4;
    } while (value != 0);
    return *this << std::string_view(digits + sizeof digits - n, n);
  }

  bool ok() const { return ok_; }
  std::size_t size() const { return size_; }
  std::string_view text() const { return {buffer_.data(), size_}; }

 private:
  std::span<char> buffer_;
  std::size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace sipedge::loadgen
