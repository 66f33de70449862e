#include "manifest/current_file.h"

#include <charconv>

#include "manifest/file_names.h"

namespace aeternus {

Status ParseCurrentFile(std::string_view contents, const std::string& path, CurrentFile* out) {
  *out = CurrentFile();
  const std::size_t eol = contents.find('\n');
  if (eol == std::string_view::npos) {
    return Status::Corruption("CURRENT file is damaged", path);
  }
  const std::string_view name = contents.substr(0, eol);
  if (ParseFileName(name, &out->manifest_number) != FileType::kManifest) {
    return Status::Corruption("CURRENT names no manifest", path);
  }
  out->manifest = std::string(name);
  std::string_view rest = contents.substr(eol + 1);
  if (rest.empty()) {
    return Status::OK();
  }
  constexpr std::string_view kClosed = "closed ";
  std::uint64_t size = 0;
  if (!rest.starts_with(kClosed) || !rest.ends_with('\n')) {
    return Status::Corruption("CURRENT file is damaged", path);
  }
  rest = rest.substr(kClosed.size(), rest.size() - kClosed.size() - 1);
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), size);
  if (ec != std::errc() || end != rest.data() + rest.size() || rest.empty()) {
    return Status::Corruption("CURRENT file is damaged", path);
  }
  out->closed_size = size;
  return Status::OK();
}

std::string EncodeCurrentFile(const std::string& manifest,
                              std::optional<std::uint64_t> closed_size) {
  std::string s = manifest + "\n";
  if (closed_size) {
    s += "closed " + std::to_string(*closed_size) + "\n";
  }
  return s;
}

}  // namespace aeternus
