#include "pair_lines.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace aeternus::cli {
namespace {

// A JSON string literal of `text`. Escaped text and hex are printable
// ASCII, so this never meets invalid UTF-8.
void AppendJsonString(std::string& dst, const std::string& text) {
  dst.append(nlohmann::json(text).dump());
}

Status ParseField(const ByteFormat& bytes, std::string_view name, std::string_view text,
                  std::string* out) {
  if (Status s = bytes.Parse(text, out); !s.ok()) {
    return Status::InvalidArgument(std::string(name) + ": " + std::string(s.message()));
  }
  return Status::OK();
}

Status ParseTsv(std::string_view line, const ByteFormat& bytes, std::string* key,
                std::string* value) {
  const std::size_t tab = line.find('\t');
  if (tab == std::string_view::npos) {
    return Status::InvalidArgument("expected KEY<TAB>VALUE, found no tab");
  }
  if (line.find('\t', tab + 1) != std::string_view::npos) {
    return Status::InvalidArgument(
        "more than one tab (a tab inside a key or value is written \\x09)");
  }
  if (Status s = ParseField(bytes, "key", line.substr(0, tab), key); !s.ok()) {
    return s;
  }
  return ParseField(bytes, "value", line.substr(tab + 1), value);
}

Status ParseJson(std::string_view line, const ByteFormat& bytes, std::string* key,
                 std::string* value) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument(
        "not valid JSON (it must be UTF-8: write any other byte as the escape \\xNN)");
  }
  if (!j.is_object()) {
    return Status::InvalidArgument("expected a JSON object {\"key\": ..., \"value\": ...}");
  }
  const std::pair<const char*, std::string*> fields[] = {{"key", key}, {"value", value}};
  for (const auto& [name, out] : fields) {
    auto field = j.find(name);
    if (field == j.end() || !field->is_string()) {
      return Status::InvalidArgument(std::string("expected a string member \"") + name + "\"");
    }
    if (Status s = ParseField(bytes, name, field->get_ref<const std::string&>(), out); !s.ok()) {
      return s;
    }
  }
  return Status::OK();
}

}  // namespace

PairFormat DetectPairFormat(std::string_view line) {
  return !line.empty() && line.front() == '{' ? PairFormat::kJsonLines : PairFormat::kTsv;
}

void AppendPairLine(std::string& dst, PairFormat format, const ByteFormat& bytes,
                    std::string_view key, std::string_view value) {
  if (format == PairFormat::kTsv) {
    bytes.Append(dst, key);
    dst.push_back('\t');
    bytes.Append(dst, value);
  } else {
    dst.append("{\"key\": ");
    AppendJsonString(dst, bytes.Format(key));
    dst.append(", \"value\": ");
    AppendJsonString(dst, bytes.Format(value));
    dst.push_back('}');
  }
  dst.push_back('\n');
}

Status ParsePairLine(std::string_view line, PairFormat format, const ByteFormat& bytes,
                     std::string* key, std::string* value) {
  return format == PairFormat::kTsv ? ParseTsv(line, bytes, key, value)
                                    : ParseJson(line, bytes, key, value);
}

}  // namespace aeternus::cli
