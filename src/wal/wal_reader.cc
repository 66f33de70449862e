#include "wal/wal_reader.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "util/coding.h"
#include "util/crc32c.h"

namespace aeternus {

WalReader::WalReader(std::unique_ptr<SequentialFile> file, std::string file_name,
                     LogFileKind expected_kind, std::uint64_t expected_file_number)
    : file_(std::move(file)),
      file_name_(std::move(file_name)),
      expected_kind_(expected_kind),
      expected_file_number_(expected_file_number),
      block_(std::make_unique_for_overwrite<char[]>(kLogBlockSize)) {}

WalReader::~WalReader() = default;

bool WalReader::ReadBlock() {
  if (started_) {
    // Only a full block is followed by another.
    assert(block_len_ == kLogBlockSize);
    block_start_ += block_len_;
  }
  started_ = true;
  block_len_ = 0;
  block_pos_ = 0;
  // Fill the block: a short read ends the file only when it is empty.
  while (block_len_ < kLogBlockSize) {
    const std::size_t want = kLogBlockSize - block_len_;
    char* dst = block_.get() + block_len_;
    std::string_view got;
    Status s = file_->Read(want, dst, &got);
    if (!s.ok()) {
      status_ = std::move(s);
      state_ = State::kDone;
      return false;
    }
    if (got.empty()) {
      break;
    }
    const std::size_t n = std::min(got.size(), want);
    if (got.data() != dst) {
      std::memmove(dst, got.data(), n);
    }
    block_len_ += n;
  }
  return true;
}

WalReader::Fragment WalReader::ReadPhysical(Physical* rec) {
  while (true) {
    if (!started_ && !ReadBlock()) {
      return Fragment::kIoError;
    }
    // block_pos_ <= kLogBlockSize; it may exceed block_len_ after a bad
    // record in the last block.
    const std::size_t to_block_end = kLogBlockSize - block_pos_;
    if (to_block_end < kLogRecordHeaderSize) {
      if (block_len_ < kLogBlockSize) {
        return Fragment::kEof;  // the file ends in this block's trailer
      }
      if (!ReadBlock()) {
        return Fragment::kIoError;
      }
      continue;
    }
    rec->offset = block_start_ + block_pos_;
    rec->header_implausible = false;
    // A header fits in the block, so block_pos_ < kLogBlockSize; a full
    // block therefore has bytes left, and avail == 0 means end of file.
    const std::size_t avail = block_len_ > block_pos_ ? block_len_ - block_pos_ : 0;
    if (avail == 0) {
      return Fragment::kEof;
    }
    if (avail < kLogRecordHeaderSize) {
      rec->problem = "the file ends inside a record header";
      return Fragment::kTruncated;
    }
    const char* header = block_.get() + block_pos_;
    const auto type = static_cast<std::uint8_t>(header[6]);
    const std::size_t length =
        static_cast<std::uint8_t>(header[4]) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(header[5])) << 8);
    // When only the checksum fails, the header is plausible and the length
    // most likely right (damage to the data is likelier than to the two
    // length bytes), so a scan continues after the record: a later record
    // in the same block may claim it was synced. Otherwise it resyncs at
    // the next block, where a record always starts.
    bool trust_length = false;
    if (type == 0 || type > kMaxLogRecordType) {
      rec->problem = type == 0 ? "zeroed record" : "unknown record type";
    } else if (kLogRecordHeaderSize + length > to_block_end) {
      rec->problem = "record length runs past the block";
    } else if (kLogRecordHeaderSize + length > avail) {
      // Only the last block is short, so the file ends inside this record.
      rec->problem = "the file ends inside a record";
      return Fragment::kTruncated;
    } else if (crc32c::Unmask(DecodeFixed32(header)) != crc32c::Value(header + 6, 1 + length)) {
      rec->problem = "record checksum mismatch";
      trust_length = true;
    } else if (type == static_cast<std::uint8_t>(LogRecordType::kClose) && length != 0) {
      rec->problem = "close record with data";
      trust_length = true;
    } else {
      rec->type = static_cast<LogRecordType>(type);
      rec->data = std::string_view(header + kLogRecordHeaderSize, length);
      block_pos_ += kLogRecordHeaderSize + length;
      return Fragment::kRecord;
    }
    rec->header_implausible = !trust_length;
    block_pos_ = trust_length ? block_pos_ + kLogRecordHeaderSize + length : kLogBlockSize;
    return Fragment::kBad;
  }
}

void WalReader::FindNextValidRecord(std::size_t bad) {
  const std::size_t end = std::min(block_len_, kLogBlockSize);
  for (std::size_t p = bad + 1; p + kLogRecordHeaderSize <= end; ++p) {
    const char* header = block_.get() + p;
    const auto type = static_cast<std::uint8_t>(header[6]);
    const std::size_t length =
        static_cast<std::uint8_t>(header[4]) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(header[5])) << 8);
    if (type != 0 && type <= kMaxLogRecordType && p + kLogRecordHeaderSize + length <= end &&
        crc32c::Unmask(DecodeFixed32(header)) == crc32c::Value(header + 6, 1 + length)) {
      block_pos_ = p;
      return;
    }
  }
}

bool WalReader::ReadRecord(std::string* payload) {
  payload->clear();
  if (ReadEntry(payload)) {
    return true;
  }
  payload->clear();
  return false;
}

bool WalReader::ReadEntry(std::string* payload) {
  if (state_ == State::kHeader && !ReadHeader()) {
    return false;
  }
  if (state_ == State::kDone) {
    return false;
  }
  bool in_record = false;
  std::uint64_t record_start = 0;
  synced_prefix_len_ = 0;
  Physical rec;
  while (true) {
    switch (ReadPhysical(&rec)) {
      case Fragment::kIoError:
        return false;
      case Fragment::kEof:
        if (in_record) {
          return StopAtDamage(record_start, "the file ends inside a fragmented record", file_size(),
                              nullptr);
        }
        return FinishAtEnd();
      case Fragment::kTruncated:
      case Fragment::kBad:
        if (rec.header_implausible) {
          FindNextValidRecord(static_cast<std::size_t>(rec.offset - block_start_));
        }
        return StopAtDamage(in_record ? record_start : rec.offset, rec.problem, rec.offset,
                            nullptr);
      case Fragment::kRecord:
        break;
    }
    switch (rec.type) {
      case LogRecordType::kFull:
      case LogRecordType::kFirst:
        if (in_record) {
          return StopAtDamage(record_start, "a record starts inside a fragmented record",
                              rec.offset, &rec);
        }
        in_record = true;
        record_start = rec.offset;
        AppendEntryData(rec.data, payload);
        break;
      case LogRecordType::kMiddle:
      case LogRecordType::kLast:
        if (!in_record) {
          // The scan skips a fragment without a start anyway.
          return StopAtDamage(rec.offset, "a fragment without its first part", rec.offset, nullptr);
        }
        AppendEntryData(rec.data, payload);
        break;
      case LogRecordType::kClose:
        if (in_record) {
          return StopAtDamage(record_start, "the close record interrupts a fragmented record",
                              rec.offset, &rec);
        }
        clean_close_ = true;
        last_record_end_ = rec.offset + kLogRecordHeaderSize;
        return FinishAtEnd();
      case LogRecordType::kZero:
        assert(false);  // ReadPhysical rejects it
        break;
    }
    if (rec.type != LogRecordType::kFull && rec.type != LogRecordType::kLast) {
      continue;
    }
    // A whole entry: check its synced_through.
    if (synced_prefix_len_ < kLogSyncedThroughSize) {
      return FailCorruption(record_start, "entry too short for its synced_through");
    }
    const std::uint64_t synced_through = DecodeFixed64(synced_prefix_);
    if (synced_through > record_start) {
      return FailCorruption(record_start, "entry claims the file synced through " +
                                              std::to_string(synced_through) +
                                              ", past its own offset");
    }
    if (synced_through < last_synced_through_) {
      return FailCorruption(record_start, "synced_through " + std::to_string(synced_through) +
                                              " is below the previous entry's " +
                                              std::to_string(last_synced_through_));
    }
    last_synced_through_ = synced_through;
    last_record_end_ = block_start_ + block_pos_;
    return true;
  }
}

void WalReader::AppendEntryData(std::string_view data, std::string* payload) {
  if (synced_prefix_len_ < kLogSyncedThroughSize) {
    const std::size_t n = std::min(kLogSyncedThroughSize - synced_prefix_len_, data.size());
    std::memcpy(synced_prefix_ + synced_prefix_len_, data.data(), n);
    synced_prefix_len_ += n;
    data.remove_prefix(n);
  }
  payload->append(data);
}

bool WalReader::ReadHeader() {
  Physical rec;
  switch (ReadPhysical(&rec)) {
    case Fragment::kIoError:
      return false;
    case Fragment::kEof:
    case Fragment::kTruncated:
      // Empty, or a torn first record: a crash right after creation.
      state_ = State::kDone;
      dropped_bytes_ = file_size();
      return false;
    case Fragment::kBad:
      if (rec.header_implausible) {
        FindNextValidRecord(static_cast<std::size_t>(rec.offset - block_start_));
      }
      return StopAtDamage(0, rec.problem, rec.offset, nullptr);
    case Fragment::kRecord:
      break;
  }
  // A checksum-valid first record is what the writer wrote: anything wrong
  // with it is not a torn write.
  const std::string_view data = rec.data;
  const bool magic_ok = data.size() >= 10 && data.substr(0, kLogMagic.size()) == kLogMagic;
  const auto version = magic_ok ? static_cast<std::uint8_t>(data[9]) : std::uint8_t{0};
  if (magic_ok && version > kLogFormatVersion) {
    state_ = State::kDone;
    status_ = Status::NotSupported(file_name_, "log format version " + std::to_string(version) +
                                                   "; this build reads versions up to " +
                                                   std::to_string(kLogFormatVersion));
    return false;
  }
  if (rec.type != LogRecordType::kFull || data.size() != kLogFileHeaderSize || !magic_ok) {
    return FailCorruption(0, "not a log file header");
  }
  if (version == 0) {
    return FailCorruption(0, "log format version 0");
  }
  const auto kind = static_cast<std::uint8_t>(data[8]);
  if (kind != static_cast<std::uint8_t>(expected_kind_)) {
    return FailCorruption(0, "the header says file kind " + std::to_string(kind) + " (" +
                                 std::string(LogFileKindName(static_cast<LogFileKind>(kind))) +
                                 "), expected " + std::string(LogFileKindName(expected_kind_)));
  }
  const std::uint64_t number = DecodeFixed64(data.data() + 10);
  if (number != expected_file_number_) {
    return FailCorruption(0, "the header names file number " + std::to_string(number) +
                                 ", expected " + std::to_string(expected_file_number_));
  }
  last_record_end_ = block_start_ + block_pos_;
  assert(last_record_end_ == kLogFirstEntryOffset);
  state_ = State::kEntries;
  return true;
}

namespace {

// Offset in [p, p + n) of the first non-zero byte, or n.
std::size_t FirstNonZero(const char* p, std::size_t n) {
  static constexpr char kZeros[4096] = {};
  std::size_t i = 0;
  // memcmp against zeros is vectorized; the byte loop only finds the spot.
  while (i < n) {
    const std::size_t len = std::min(n - i, sizeof(kZeros));
    if (std::memcmp(p + i, kZeros, len) != 0) {
      break;
    }
    i += len;
  }
  while (i < n && p[i] == 0) {
    ++i;
  }
  return i;
}

}  // namespace

bool WalReader::FinishAtEnd() {
  if (clean_close_) {
    // Nothing but zeros follows a close record: the whole log was synced
    // before it, and zeros are reserved space whose truncation was lost.
    assert(block_start_ + block_pos_ == last_record_end_);
    while (true) {
      const std::size_t from = std::min(block_pos_, block_len_);
      const std::size_t i = from + FirstNonZero(block_.get() + from, block_len_ - from);
      if (i < block_len_) {
        const std::string problem = "data after the close record (a non-zero byte at offset " +
                                    std::to_string(block_start_ + i) + ")";
        return FailCorruption(last_record_end_, problem);
      }
      block_pos_ = block_len_;
      if (block_len_ < kLogBlockSize) {
        break;  // end of file
      }
      if (!ReadBlock()) {
        return false;
      }
    }
  }
  // Trailer bytes of a record never completed, or zeros after the close
  // record, if any.
  dropped_bytes_ = file_size() - last_record_end_;
  state_ = State::kDone;
  return false;
}

bool WalReader::FailCorruption(std::uint64_t offset, std::string_view problem) {
  state_ = State::kDone;
  std::string detail = "offset " + std::to_string(offset) + ": ";
  detail.append(problem);
  status_ = Status::Corruption(file_name_, detail);
  return false;
}

bool WalReader::StopAtDamage(std::uint64_t damage, std::string_view problem,
                             std::uint64_t bad_offset, const Physical* pending) {
  bool found = false;
  std::uint64_t claimant = 0;
  std::uint64_t claim = 0;
  if (!ScanForSyncedClaim(damage, pending, &found, &claimant, &claim)) {
    return false;  // I/O error
  }
  state_ = State::kDone;
  if (found) {
    std::string detail(problem);
    if (bad_offset != damage) {
      detail += " (at offset " + std::to_string(bad_offset) + ")";
    }
    detail += "; the record at offset " + std::to_string(claimant) +
              " says the file was synced through " + std::to_string(claim);
    return FailCorruption(damage, detail);
  }
  // A torn tail of never-synced data: drop it.
  dropped_bytes_ = file_size() - last_record_end_;
  return false;
}

bool WalReader::ScanForSyncedClaim(std::uint64_t damage, const Physical* pending, bool* found,
                                   std::uint64_t* claimant, std::uint64_t* claim) {
  *found = false;
  bool in_record = false;  // inside a logical record whose start was seen
  std::uint64_t start = 0;
  char prefix[kLogSyncedThroughSize];
  std::size_t have = 0;

  // True when `r` completes a claim beyond `damage`.
  auto consider = [&](const Physical& r) {
    switch (r.type) {
      case LogRecordType::kFull:
      case LogRecordType::kFirst:
        in_record = r.type == LogRecordType::kFirst;
        start = r.offset;
        have = 0;
        break;
      case LogRecordType::kMiddle:
      case LogRecordType::kLast:
        if (!in_record) {
          return false;
        }
        in_record = r.type == LogRecordType::kMiddle;
        break;
      case LogRecordType::kClose:
        // Everything before a close record was synced.
        in_record = false;
        *claimant = r.offset;
        *claim = r.offset;
        return r.offset > damage;
      case LogRecordType::kZero:
        return false;
    }
    if (have == kLogSyncedThroughSize) {
      return false;  // this record's claim was already judged
    }
    const std::size_t n = std::min(kLogSyncedThroughSize - have, r.data.size());
    std::memcpy(prefix + have, r.data.data(), n);
    have += n;
    if (have < kLogSyncedThroughSize) {
      return false;
    }
    const std::uint64_t synced_through = DecodeFixed64(prefix);
    if (synced_through <= damage) {
      return false;
    }
    *claimant = start;
    *claim = synced_through;
    return true;
  };

  if (pending != nullptr && consider(*pending)) {
    *found = true;
    return true;
  }
  Physical rec;
  while (true) {
    switch (ReadPhysical(&rec)) {
      case Fragment::kIoError:
        return false;
      case Fragment::kEof:
      case Fragment::kTruncated:
        return true;
      case Fragment::kBad:
        in_record = false;
        if (rec.header_implausible) {
          FindNextValidRecord(static_cast<std::size_t>(rec.offset - block_start_));
        }
        break;
      case Fragment::kRecord:
        if (consider(rec)) {
          *found = true;
          return true;
        }
        break;
    }
  }
}

}  // namespace aeternus
