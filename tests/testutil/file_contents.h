#pragma once
// FileContents: a file's bytes through a FileSystem, as a string a failing
// assertion prints.

#include <gtest/gtest.h>

#include <string>

#include "env/file_system.h"

namespace aeternus::test {

// The contents of `path`, "NOT_FOUND", or the error text.
inline std::string FileContents(FileSystem& fs, const std::string& path) {
  std::string data;
  Status s = ReadFileToString(&fs, path, &data);
  if (s.IsNotFound()) {
    return "NOT_FOUND";
  }
  return s.ok() ? data : s.ToString();
}

}  // namespace aeternus::test
