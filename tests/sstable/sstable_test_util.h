#pragma once
// In-memory files and key helpers for the table tests.

#include <cstring>
#include <string>
#include <string_view>

#include "env/file_system.h"
#include "key/internal_key.h"

namespace aeternus::sstable_test {

inline std::string IKey(std::string_view user_key, SequenceNumber seq,
                        ValueType type = ValueType::kValue) {
  std::string k;
  AppendInternalKey(k, user_key, seq, type);
  return k;
}

// A WritableFile appending to a string.
class StringSink final : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    contents_.append(data);
    return Status::OK();
  }
  Status Flush() override { return Status::OK(); }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  std::uint64_t Size() const override { return contents_.size(); }
  const std::string& contents() const { return contents_; }

 private:
  std::string contents_;
};

// A RandomAccessFile reading a string, copying into scratch as pread does.
class StringSource final : public RandomAccessFile {
 public:
  // `mapped`: reads point into the source's own memory, as a memory-mapped
  // file's do (MemoryMapped() is true).
  explicit StringSource(std::string contents, bool mapped = false)
      : contents_(std::move(contents)), mapped_(mapped) {}
  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    if (offset > contents_.size()) {
      *result = {};
      return Status::OK();
    }
    const std::size_t len = std::min<std::size_t>(n, contents_.size() - offset);
    if (mapped_) {
      *result = std::string_view(contents_.data() + offset, len);
      return Status::OK();
    }
    std::memcpy(scratch, contents_.data() + offset, len);
    *result = std::string_view(scratch, len);
    return Status::OK();
  }
  bool MemoryMapped() const override { return mapped_; }

 private:
  std::string contents_;
  bool mapped_;
};

}  // namespace aeternus::sstable_test
