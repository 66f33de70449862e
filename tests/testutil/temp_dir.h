#pragma once
// TempDir: a fresh, empty directory for one test, removed (with everything
// in it) when the TempDir is destroyed. It lives under $TEST_TMPDIR, else
// $TMPDIR, else /tmp.
//
// Thread safety: the object is immutable after construction.

#include <string>
#include <string_view>

namespace aeternus::test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "aeternus-test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path() + "/" + name; nothing is created.
  std::string Sub(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace aeternus::test
