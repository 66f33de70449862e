#pragma once
// Status: the outcome of an operation. OK costs nothing (a null pointer);
// errors carry a code and a message. No exception crosses the public API.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace aeternus {

class [[nodiscard]] Status {
 public:
  enum class Code : std::uint8_t {
    kOk = 0,
    kNotFound,
    kCorruption,
    kNotSupported,
    kInvalidArgument,
    kIOError,
    kBusy,
    kAborted,  // cancelled, e.g. a manual compaction by Close
  };

  Status() noexcept = default;  // OK
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kNotFound, what, detail);
  }
  static Status Corruption(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kCorruption, what, detail);
  }
  static Status NotSupported(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kNotSupported, what, detail);
  }
  static Status InvalidArgument(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kInvalidArgument, what, detail);
  }
  static Status IOError(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kIOError, what, detail);
  }
  static Status Busy(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kBusy, what, detail);
  }

  static Status Aborted(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kAborted, what, detail);
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return ok() ? Code::kOk : rep_->code; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsBusy() const { return code() == Code::kBusy; }
  bool IsAborted() const { return code() == Code::kAborted; }

  // The message without the code name; empty for OK.
  std::string_view message() const {
    return ok() ? std::string_view() : std::string_view(rep_->message);
  }
  // "OK", or "<Code>: <message>".
  std::string ToString() const;

  // Marks a deliberately ignored Status; greppable on purpose.
  void IgnoreError() const {}

 private:
  Status(Code code, std::string_view what, std::string_view detail);

  struct Rep {
    Code code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;  // null iff OK
};

}  // namespace aeternus
