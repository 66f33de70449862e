#include "wal/wal_writer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "util/coding.h"
#include "util/crc32c.h"
#include "util/status_macros.h"

namespace aeternus {
namespace {

// Scratch buffers grown past this are released after the record, so that a
// single huge batch does not pin its size for the life of the log.
constexpr std::size_t kMaxRetainedScratch = 4 << 20;

// Writes the 7-byte header of a record whose data (of `length` bytes)
// already follows it at hdr + kLogRecordHeaderSize.
void FinishRecordHeader(char* hdr, std::size_t length, LogRecordType type) {
  assert(length <= kLogMaxFragmentSize);
  hdr[4] = static_cast<char>(length & 0xff);
  hdr[5] = static_cast<char>(length >> 8);
  hdr[6] = static_cast<char>(type);
  // The checksum covers the type byte and the data, which are contiguous.
  std::uint32_t crc = crc32c::Value(hdr + 6, 1 + length);
  EncodeFixed32(hdr, crc32c::Mask(crc));
}

}  // namespace

WalWriter::WalWriter(PrivateTag, std::unique_ptr<WritableFile> file, LogFileKind kind,
                     std::uint64_t file_number)
    : file_(std::move(file)), kind_(kind), file_number_(file_number) {}

Status WalWriter::Create(std::unique_ptr<WritableFile> file, LogFileKind kind,
                         std::uint64_t file_number, std::unique_ptr<WalWriter>* out) {
  out->reset();
  if (file == nullptr) {
    return Status::InvalidArgument("log writer", "no file");
  }
  if (file->Size() != 0) {
    return Status::InvalidArgument("log writer", "the file is not empty");
  }
  auto writer = std::make_unique<WalWriter>(PrivateTag(), std::move(file), kind, file_number);
  char header[kLogFileHeaderSize];
  std::memcpy(header, kLogMagic.data(), kLogMagic.size());
  header[8] = static_cast<char>(kind);
  header[9] = static_cast<char>(WrittenLogFormatVersion(kind));
  EncodeFixed64(header + 10, file_number);
  AE_RETURN_IF_ERROR(writer->EmitRecord({}, std::string_view(header, sizeof(header))));
  assert(writer->file_size_ == kLogFirstEntryOffset);
  *out = std::move(writer);
  return Status::OK();
}

Status WalWriter::CheckUsable() const {
  if (closed_) {
    return Status::InvalidArgument("log writer", "already closed");
  }
  return error_;
}

Status WalWriter::AddRecord(std::string_view payload) {
  assert(!closed_);
  AE_RETURN_IF_ERROR(CheckUsable());
  char synced_through[kLogSyncedThroughSize];
  EncodeFixed64(synced_through, synced_size_);
  return EmitRecord(std::string_view(synced_through, sizeof(synced_through)), payload);
}

Status WalWriter::EmitRecord(std::string_view prefix, std::string_view payload) {
  const std::size_t total = prefix.size() + payload.size();
  // Every fragment but the first and the last fills a block, so there are at
  // most total / kLogMaxFragmentSize + 2 of them, each costing a header and
  // at most a trailer before it.
  const std::size_t max_fragments = total / kLogMaxFragmentSize + 2;
  const std::size_t bound =
      total + max_fragments * (kLogRecordHeaderSize + kLogRecordHeaderSize - 1);
  if (scratch_.size() < bound) {
    scratch_.resize(bound);
  }

  char* const start = scratch_.data();
  char* p = start;
  std::size_t block_offset = block_offset_;
  std::size_t done = 0;  // bytes of prefix + payload emitted
  bool first = true;
  do {
    const std::size_t leftover = kLogBlockSize - block_offset;
    if (leftover < kLogRecordHeaderSize) {
      std::memset(p, 0, leftover);  // block trailer
      p += leftover;
      block_offset = 0;
    }
    // Invariant: a header fits in the rest of the block, so avail >= 0.
    const std::size_t avail = kLogBlockSize - block_offset - kLogRecordHeaderSize;
    const std::size_t length = std::min(total - done, avail);
    const bool last = done + length == total;
    const LogRecordType type = first && last ? LogRecordType::kFull
                               : first       ? LogRecordType::kFirst
                               : last        ? LogRecordType::kLast
                                             : LogRecordType::kMiddle;
    char* hdr = p;
    char* data = p + kLogRecordHeaderSize;
    // Copy [done, done + length) of the concatenation prefix | payload.
    std::size_t copied = 0;
    if (done < prefix.size()) {
      copied = std::min(length, prefix.size() - done);
      std::memcpy(data, prefix.data() + done, copied);
    }
    if (copied < length) {
      std::memcpy(data + copied, payload.data() + (done + copied - prefix.size()), length - copied);
    }
    FinishRecordHeader(hdr, length, type);
    p = data + length;
    block_offset += kLogRecordHeaderSize + length;
    done += length;
    first = false;
  } while (done < total);
  assert(static_cast<std::size_t>(p - start) <= bound);

  Status s = AppendScratch(static_cast<std::size_t>(p - start), block_offset);
  if (scratch_.size() > kMaxRetainedScratch) {
    std::string().swap(scratch_);
  }
  return s;
}

Status WalWriter::EmitClose() {
  if (scratch_.size() < 2 * kLogRecordHeaderSize) {
    scratch_.resize(2 * kLogRecordHeaderSize);
  }
  char* p = scratch_.data();
  std::size_t block_offset = block_offset_;
  std::size_t n = 0;
  const std::size_t leftover = kLogBlockSize - block_offset;
  if (leftover < kLogRecordHeaderSize) {
    std::memset(p, 0, leftover);
    n = leftover;
    block_offset = 0;
  }
  FinishRecordHeader(p + n, 0, LogRecordType::kClose);
  n += kLogRecordHeaderSize;
  block_offset += kLogRecordHeaderSize;
  return AppendScratch(n, block_offset);
}

Status WalWriter::AppendScratch(std::size_t n, std::size_t new_block_offset) {
  Status s = file_->Append(std::string_view(scratch_.data(), n));
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  file_size_ += n;
  block_offset_ = new_block_offset == kLogBlockSize ? 0 : new_block_offset;
  assert(block_offset_ == file_size_ % kLogBlockSize);
  return Status::OK();
}

Status WalWriter::Flush() {
  assert(!closed_);
  AE_RETURN_IF_ERROR(CheckUsable());
  Status s = file_->Flush();
  if (!s.ok()) {
    error_ = s;
  }
  return s;
}

Status WalWriter::Sync() {
  assert(!closed_);
  AE_RETURN_IF_ERROR(CheckUsable());
  Status s = file_->Sync();
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  synced_size_ = file_size_;
  return Status::OK();
}

Status WalWriter::Close() {
  assert(!closed_);
  if (closed_) {
    return CheckUsable();
  }
  // Invariant behind the close record's meaning: everything before it is
  // durable before it is written.
  Status s = error_;
  if (s.ok()) {
    s = Sync();
  }
  if (s.ok()) {
    s = EmitClose();
  }
  if (s.ok()) {
    s = Sync();
  }
  Status c = file_->Close();
  if (s.ok()) {
    s = c;
  }
  closed_ = true;
  if (!s.ok() && error_.ok()) {
    error_ = s;
  }
  return s;
}

}  // namespace aeternus
