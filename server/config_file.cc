#include "config_file.h"

#include <fstream>

namespace aeternus::server {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Status ReadConfigFile(const std::string& path,
                      std::vector<std::pair<std::string, std::string>>* settings) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read the config file", path);
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#') {
      continue;
    }
    const std::size_t space = text.find_first_of(" \t");
    if (space == std::string_view::npos) {
      return Status::InvalidArgument(path + ":" + std::to_string(number),
                                     "expected \"name value\"");
    }
    std::string_view value = Trim(text.substr(space + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    settings->emplace_back(std::string(text.substr(0, space)), std::string(value));
  }
  return Status::OK();
}

}  // namespace aeternus::server
