#pragma once
// Helpers for the fuzz targets: in-memory files over the fuzzer's bytes.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "env/file_system.h"
#include "env/mem_file_system.h"

namespace aeternus::fuzz {

// A RandomAccessFile over a copy of the input. `mapped`: reads point into
// the file's own memory, as a memory-mapped table's do.
class BytesFile final : public RandomAccessFile {
 public:
  BytesFile(std::string bytes, bool mapped) : bytes_(std::move(bytes)), mapped_(mapped) {}
  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    if (offset >= bytes_.size()) {
      *result = {};
      return Status::OK();
    }
    const std::size_t len = std::min<std::size_t>(n, bytes_.size() - offset);
    if (mapped_) {
      *result = std::string_view(bytes_.data() + offset, len);
    } else {
      std::memcpy(scratch, bytes_.data() + offset, len);
      *result = std::string_view(scratch, len);
    }
    return Status::OK();
  }
  bool MemoryMapped() const override { return mapped_; }

 private:
  const std::string bytes_;
  const bool mapped_;
};

// Writes `bytes` to `path` in `fs`.
inline void WriteFile(MemFileSystem& fs, const std::string& path, std::string_view bytes) {
  std::unique_ptr<WritableFile> f;
  if (fs.NewWritableFile(path, &f).ok()) {
    f->Append(bytes).IgnoreError();
    f->Close().IgnoreError();
  }
}

}  // namespace aeternus::fuzz
