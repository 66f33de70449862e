#include "describe.h"

namespace aeternus::cli {

std::string Plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kValue:
      return "put";
    case ValueType::kDeletion:
      return "delete";
    case ValueType::kRangeDeletion:
      return "range-delete";
  }
  return "unknown";
}

std::string Quoted(const ByteFormat& format, std::string_view bytes) {
  std::string out = "\"";
  format.Append(out, bytes);
  out.push_back('"');
  return out;
}

std::string DescribeInternalKey(const ByteFormat& format, std::string_view internal_key) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) {
    return "malformed internal key " + Quoted(format, internal_key);
  }
  return Quoted(format, parsed.user_key) + " seq=" + std::to_string(parsed.sequence) + " " +
         std::string(ValueTypeName(parsed.type));
}

}  // namespace aeternus::cli
