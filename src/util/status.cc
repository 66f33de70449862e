#include "aeternus/status.h"

namespace aeternus {

Status::Status(Code code, std::string_view what, std::string_view detail)
    : rep_(std::make_unique<Rep>()) {
  rep_->code = code;
  rep_->message.reserve(what.size() + (detail.empty() ? 0 : detail.size() + 2));
  rep_->message.append(what);
  if (!detail.empty()) {
    rep_->message.append(": ");
    rep_->message.append(detail);
  }
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  }
  return *this;
}

std::string Status::ToString() const {
  if (ok()) {
    return "OK";
  }
  std::string_view name;
  switch (rep_->code) {
    case Code::kOk: name = "OK"; break;
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kNotSupported: name = "NotSupported"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kAborted: name = "Aborted"; break;
  }
  std::string out(name);
  out.append(": ");
  out.append(rep_->message);
  return out;
}

}  // namespace aeternus
