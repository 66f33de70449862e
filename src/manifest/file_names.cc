#include "manifest/file_names.h"

#include <charconv>
#include <cstdio>

namespace aeternus {
namespace {

std::string Numbered(std::uint64_t number, std::string_view suffix) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%06llu", static_cast<unsigned long long>(number));
  std::string out(buf, static_cast<std::size_t>(n));
  out.append(suffix);
  return out;
}

bool ParseNumber(std::string_view digits, std::uint64_t* number) {
  if (digits.empty()) {
    return false;
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *number);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

}  // namespace

std::string TableFileName(const std::string& dir, std::uint64_t number) {
  return dir + "/" + Numbered(number, ".sst");
}
std::string WalFileName(const std::string& dir, std::uint64_t number) {
  return dir + "/" + Numbered(number, ".log");
}
std::string ManifestName(std::uint64_t number) {
  return "MANIFEST-" + Numbered(number, "");
}
std::string ManifestFileName(const std::string& dir, std::uint64_t number) {
  return dir + "/" + ManifestName(number);
}
std::string CurrentFileName(const std::string& dir) { return dir + "/CURRENT"; }
std::string LockFileName(const std::string& dir) { return dir + "/LOCK"; }

FileType ParseFileName(std::string_view name, std::uint64_t* number) {
  *number = 0;
  if (name == "CURRENT") {
    return FileType::kCurrent;
  }
  if (name == "LOCK") {
    return FileType::kLock;
  }
  if (name.ends_with(".tmp")) {
    return FileType::kTemp;
  }
  if (name.starts_with("MANIFEST-")) {
    return ParseNumber(name.substr(9), number) ? FileType::kManifest : FileType::kUnknown;
  }
  if (name.ends_with(".log")) {
    return ParseNumber(name.substr(0, name.size() - 4), number) ? FileType::kWal
                                                                 : FileType::kUnknown;
  }
  if (name.ends_with(".sst")) {
    return ParseNumber(name.substr(0, name.size() - 4), number) ? FileType::kTable
                                                                 : FileType::kUnknown;
  }
  return FileType::kUnknown;
}

}  // namespace aeternus
