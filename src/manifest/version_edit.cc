#include "manifest/version_edit.h"

#include "util/coding.h"

namespace aeternus {
namespace {

enum Tag : std::uint32_t {
  kLogNumber = 1,
  kNextFileNumber = 2,
  kLastSequence = 3,
  kDeletedFile = 4,
  kNewFile = 5,
  kClosedWal = 6,
};

// Levels in a manifest are bounded so that a damaged value cannot make the
// reader allocate without limit.
constexpr std::uint32_t kMaxLevelInManifest = 64;

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (log_number) {
    PutVarint32(*dst, kLogNumber);
    PutVarint64(*dst, *log_number);
  }
  if (next_file_number) {
    PutVarint32(*dst, kNextFileNumber);
    PutVarint64(*dst, *next_file_number);
  }
  if (last_sequence) {
    PutVarint32(*dst, kLastSequence);
    PutVarint64(*dst, *last_sequence);
  }
  for (const auto& [level, number] : deleted_files) {
    PutVarint32(*dst, kDeletedFile);
    PutVarint32(*dst, static_cast<std::uint32_t>(level));
    PutVarint64(*dst, number);
  }
  for (const auto& [level, f] : new_files) {
    PutVarint32(*dst, kNewFile);
    PutVarint32(*dst, static_cast<std::uint32_t>(level));
    PutVarint64(*dst, f.number);
    PutVarint64(*dst, f.file_size);
    PutLengthPrefixed(*dst, f.smallest);
    PutLengthPrefixed(*dst, f.largest);
    PutVarint64(*dst, f.smallest_seq);
    PutVarint64(*dst, f.largest_seq);
    PutVarint64(*dst, f.num_entries);
    PutVarint64(*dst, f.num_deletions);
    PutVarint64(*dst, f.num_range_deletions);
  }
  if (closed_wal) {
    PutVarint32(*dst, kClosedWal);
    PutVarint64(*dst, closed_wal->first);
    PutVarint64(*dst, closed_wal->second);
  }
}

Status VersionEdit::DecodeFrom(std::string_view src) {
  *this = VersionEdit();
  std::string_view in = src;
  while (!in.empty()) {
    std::uint32_t tag = 0;
    if (!GetVarint32(in, &tag)) {
      return Status::Corruption("version edit", "bad tag");
    }
    std::uint64_t v = 0;
    switch (tag) {
      case kLogNumber:
        if (!GetVarint64(in, &v)) {
          return Status::Corruption("version edit", "bad log number");
        }
        log_number = v;
        break;
      case kNextFileNumber:
        if (!GetVarint64(in, &v)) {
          return Status::Corruption("version edit", "bad next file number");
        }
        next_file_number = v;
        break;
      case kLastSequence:
        if (!GetVarint64(in, &v) || v > kMaxSequenceNumber) {
          return Status::Corruption("version edit", "bad last sequence");
        }
        last_sequence = v;
        break;
      case kDeletedFile: {
        std::uint32_t level = 0;
        if (!GetVarint32(in, &level) || level >= kMaxLevelInManifest || !GetVarint64(in, &v)) {
          return Status::Corruption("version edit", "bad deleted file");
        }
        deleted_files.emplace_back(static_cast<int>(level), v);
        break;
      }
      case kNewFile: {
        std::uint32_t level = 0;
        FileMetaData f;
        std::string_view smallest;
        std::string_view largest;
        if (!GetVarint32(in, &level) || level >= kMaxLevelInManifest ||
            !GetVarint64(in, &f.number) || !GetVarint64(in, &f.file_size) ||
            !GetLengthPrefixed(in, &smallest) || !GetLengthPrefixed(in, &largest) ||
            !GetVarint64(in, &f.smallest_seq) || !GetVarint64(in, &f.largest_seq) ||
            !GetVarint64(in, &f.num_entries) || !GetVarint64(in, &f.num_deletions) ||
            !GetVarint64(in, &f.num_range_deletions)) {
          return Status::Corruption("version edit", "bad new file");
        }
        if ((!smallest.empty() && smallest.size() < kTrailerSize) ||
            (!largest.empty() && largest.size() < kTrailerSize)) {
          return Status::Corruption("version edit", "bad key range of new file");
        }
        f.smallest.assign(smallest);
        f.largest.assign(largest);
        new_files.emplace_back(static_cast<int>(level), std::move(f));
        break;
      }
      case kClosedWal: {
        std::uint64_t size = 0;
        if (!GetVarint64(in, &v) || !GetVarint64(in, &size)) {
          return Status::Corruption("version edit", "bad closed WAL");
        }
        closed_wal = std::make_pair(v, size);
        break;
      }
      default:
        return Status::Corruption("version edit", "unknown tag " + std::to_string(tag));
    }
  }
  return Status::OK();
}

}  // namespace aeternus
