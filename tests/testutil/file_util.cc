#include "testutil/file_util.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

namespace aeternus::test {

namespace fs = std::filesystem;

std::vector<std::string> ListFiles(const std::string& dir, std::string_view suffix) {
  std::vector<std::pair<std::uint64_t, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::uint64_t number = std::strtoull(name.c_str(), nullptr, 10);
    found.emplace_back(number, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& f : found) {
    out.push_back(std::move(f.second));
  }
  return out;
}

std::string NewestFile(const std::string& dir, std::string_view suffix) {
  auto files = ListFiles(dir, suffix);
  return files.empty() ? std::string() : files.back();
}

std::string BaseName(const std::string& path) { return fs::path(path).filename().string(); }

bool FileExists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::int64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? -1 : static_cast<std::int64_t>(size);
}

std::string ReadFileToString(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "cannot open " + path;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return in.bad() ? "cannot read " + path : std::string();
}

std::string WriteStringToFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  return out ? std::string() : "cannot write " + path;
}

std::string AppendToFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  return out ? std::string() : "cannot append to " + path;
}

std::string TruncateFile(const std::string& path, std::uint64_t size) {
  std::error_code ec;
  fs::resize_file(path, size, ec);
  return ec ? "cannot truncate " + path + ": " + ec.message() : std::string();
}

std::string XorByte(const std::string& path, std::uint64_t offset, std::uint8_t mask) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!f) {
    return "cannot open " + path;
  }
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  if (!f.get(c)) {
    return "cannot read byte " + std::to_string(offset) + " of " + path;
  }
  c = static_cast<char>(static_cast<std::uint8_t>(c) ^ mask);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(c);
  f.close();
  return f ? std::string() : "cannot write byte " + std::to_string(offset) + " of " + path;
}

}  // namespace aeternus::test
