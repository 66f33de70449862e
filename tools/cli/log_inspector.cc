#include "log_inspector.h"

#include <memory>
#include <string_view>
#include <utility>

#include "aeternus/write_batch.h"

#include "db/write_batch_internal.h"
#include "describe.h"
#include "env/file_system.h"
#include "key/internal_key.h"
#include "manifest/file_names.h"
#include "manifest/version_edit.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "wal/wal_reader.h"

namespace aeternus::cli {
namespace {

Status OpenLog(const std::string& path, LogFileKind kind, std::uint64_t number,
               std::unique_ptr<WalReader>* reader) {
  std::unique_ptr<SequentialFile> file;
  AE_RETURN_IF_ERROR(FileSystem::Default()->NewSequentialFile(path, &file));
  *reader = std::make_unique<WalReader>(std::move(file), path, kind, number);
  return Status::OK();
}

// The offset at which the record after one ending at `end` starts: a record
// never starts in a block's last kLogRecordHeaderSize - 1 bytes (trailer).
std::uint64_t NextRecordStart(std::uint64_t end) {
  const std::uint64_t left = kLogBlockSize - end % kLogBlockSize;
  return left < kLogRecordHeaderSize ? end + left : end;
}

Status EntryCorruption(const std::string& path, std::uint64_t offset, const Status& cause) {
  return Status::Corruption(path,
                            "entry at offset " + std::to_string(offset) + ": " + cause.ToString());
}

// Prints the records of a batch to *out, when `out` is not null, each with
// its sequence number.
class BatchDecoder final : public WriteBatch::Handler {
 public:
  // REQUIRES: format is not null when out is not null.
  BatchDecoder(SequenceNumber first, const ByteFormat* format, std::string* out)
      : sequence_(first), format_(format), out_(out) {}

  Status Put(std::string_view key, std::string_view value) override {
    if (out_ != nullptr) {
      Print("put", "key=" + Quoted(*format_, key) + " value=" + Quoted(*format_, value));
    }
    ++sequence_;
    return Status::OK();
  }
  Status Delete(std::string_view key) override {
    if (out_ != nullptr) {
      Print("delete", "key=" + Quoted(*format_, key));
    }
    ++sequence_;
    return Status::OK();
  }
  Status DeleteRange(std::string_view begin, std::string_view end) override {
    if (out_ != nullptr) {
      Print("range-delete", "begin=" + Quoted(*format_, begin) + " end=" + Quoted(*format_, end));
    }
    ++sequence_;
    return Status::OK();
  }

 private:
  void Print(std::string_view type, const std::string& fields) {
    out_->append("    ").append(type).append(" seq=").append(std::to_string(sequence_));
    out_->append(" ").append(fields).push_back('\n');
  }

  SequenceNumber sequence_;
  const ByteFormat* format_;
  std::string* out_;
};

// Checks a WAL entry's batch (docs/format/wal.md, "Batch payload"); prints
// it to *out when `out` is not null. REQUIRES: format is not null when out
// is not null.
Status DecodeBatch(std::string_view payload, bool first_entry, const ByteFormat* format,
                   std::string* out) {
  WriteBatch batch;
  AE_RETURN_IF_ERROR(WriteBatchInternal::SetContents(batch, payload));
  const SequenceNumber sequence = WriteBatchInternal::Sequence(batch);
  const std::uint32_t count = batch.Count();
  if (out != nullptr) {
    if (count == 0) {
      out->append("  sequence marker: the WAL's first write gets sequence " +
                  std::to_string(sequence) + "\n");
    } else {
      out->append("  batch: sequence " + std::to_string(sequence) + ", " +
                  Plural(count, "record", "records") + "\n");
    }
  }
  if (sequence == 0 || sequence > kMaxSequenceNumber ||
      (count > 0 && count - 1 > kMaxSequenceNumber - sequence)) {
    return Status::Corruption("write batch", "sequence numbers out of range");
  }
  if (count == 0 && !first_entry) {
    return Status::Corruption("write batch", "a batch with no records after the first entry");
  }
  BatchDecoder decoder(sequence, format, out);
  return batch.Iterate(&decoder);
}

void DescribeEdit(const VersionEdit& edit, const ByteFormat& format, std::string* out) {
  auto field = [&](std::string_view name, std::uint64_t value) {
    out->append("  ").append(name).append(": ").append(std::to_string(value)).push_back('\n');
  };
  if (edit.log_number) {
    field("log_number", *edit.log_number);
  }
  if (edit.next_file_number) {
    field("next_file_number", *edit.next_file_number);
  }
  if (edit.last_sequence) {
    field("last_sequence", *edit.last_sequence);
  }
  for (const auto& [level, number] : edit.deleted_files) {
    out->append("  deleted_file: level " + std::to_string(level) + " number " +
                std::to_string(number) + "\n");
  }
  for (const auto& [level, f] : edit.new_files) {
    out->append("  new_file: level " + std::to_string(level) + " number " +
                std::to_string(f.number) + " size " + std::to_string(f.file_size) + " entries " +
                std::to_string(f.num_entries) + " deletions " + std::to_string(f.num_deletions) +
                " range_deletions " + std::to_string(f.num_range_deletions) + " seq " +
                std::to_string(f.smallest_seq) + ".." + std::to_string(f.largest_seq) + "\n");
    out->append("    smallest " +
                (f.smallest.empty() ? "(none)" : DescribeInternalKey(format, f.smallest)) + "\n");
    out->append("    largest  " +
                (f.largest.empty() ? "(none)" : DescribeInternalKey(format, f.largest)) + "\n");
  }
}

// The header record as stored: the record header, then the file header.
inline constexpr std::size_t kRawHeaderSize = kLogRecordHeaderSize + kLogFileHeaderSize;

// Reads the first kRawHeaderSize bytes of the file (fewer when it is
// shorter) into *raw.
Status ReadRawHeader(const std::string& path, std::string* raw) {
  std::unique_ptr<RandomAccessFile> file;
  AE_RETURN_IF_ERROR(FileSystem::Default()->NewRandomAccessFile(path, &file));
  char buf[kRawHeaderSize];
  std::string_view got;
  AE_RETURN_IF_ERROR(file->Read(0, kRawHeaderSize, buf, &got));
  raw->assign(got);
  return Status::OK();
}

}  // namespace

Status CheckLog(const std::string& path, LogFileKind kind, std::uint64_t number,
                LogCheckSummary* summary) {
  std::unique_ptr<WalReader> reader;
  AE_RETURN_IF_ERROR(OpenLog(path, kind, number, &reader));
  std::string payload;
  std::uint64_t start = kLogFirstEntryOffset;
  std::uint64_t entries = 0;
  while (reader->ReadRecord(&payload)) {
    Status s;
    if (kind == LogFileKind::kWal) {
      s = DecodeBatch(payload, entries == 0, nullptr, nullptr);
    } else {
      VersionEdit edit;
      s = edit.DecodeFrom(payload);
    }
    if (!s.ok()) {
      return EntryCorruption(path, start, s);
    }
    ++entries;
    start = NextRecordStart(reader->last_record_end());
  }
  AE_RETURN_IF_ERROR(reader->status());
  summary->entries = entries;
  summary->dropped_bytes = reader->dropped_bytes();
  summary->clean_close = reader->clean_close();
  return Status::OK();
}

Status ReadManifestTables(const std::string& path, std::uint64_t number,
                          std::map<std::uint64_t, std::uint64_t>* tables) {
  tables->clear();
  std::unique_ptr<WalReader> reader;
  AE_RETURN_IF_ERROR(OpenLog(path, LogFileKind::kManifest, number, &reader));
  std::string payload;
  std::uint64_t start = kLogFirstEntryOffset;
  bool has_log_number = false;
  bool has_next_file_number = false;
  bool has_last_sequence = false;
  while (reader->ReadRecord(&payload)) {
    VersionEdit edit;
    if (Status s = edit.DecodeFrom(payload); !s.ok()) {
      return EntryCorruption(path, start, s);
    }
    has_log_number = has_log_number || edit.log_number.has_value();
    has_next_file_number = has_next_file_number || edit.next_file_number.has_value();
    has_last_sequence = has_last_sequence || edit.last_sequence.has_value();
    for (const auto& deleted : edit.deleted_files) {
      tables->erase(deleted.second);
    }
    for (const auto& added : edit.new_files) {
      (*tables)[added.second.number] = added.second.file_size;
    }
    start = NextRecordStart(reader->last_record_end());
  }
  AE_RETURN_IF_ERROR(reader->status());
  // As recovery: a manifest that lost its first edit must not read as an
  // empty database.
  if (!has_log_number || !has_next_file_number || !has_last_sequence) {
    return Status::Corruption(path,
                              "lacks the log number, next file number or last sequence "
                              "(its first edit is missing or damaged)");
  }
  return Status::OK();
}

Status DumpLog(const std::string& path, const ByteFormat& format, std::FILE* out) {
  std::uint64_t size = 0;
  AE_RETURN_IF_ERROR(FileSystem::Default()->GetFileSize(path, &size));
  std::string raw;
  AE_RETURN_IF_ERROR(ReadRawHeader(path, &raw));

  std::string text = "log " + path + ": " + std::to_string(size) + " bytes\n";
  LogFileKind kind = LogFileKind::kWal;
  std::uint64_t number = 0;
  bool named = false;
  {
    const std::size_t slash = path.rfind('/');
    const std::string_view base =
        std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
    const FileType type = ParseFileName(base, &number);
    if (type == FileType::kWal || type == FileType::kManifest) {
      kind = type == FileType::kWal ? LogFileKind::kWal : LogFileKind::kManifest;
      named = true;
    }
  }
  if (raw.size() < kRawHeaderSize) {
    text += "header: missing (the file is shorter than a header record)\n";
  } else {
    const char* h = raw.data() + kLogRecordHeaderSize;
    const auto raw_kind = static_cast<std::uint8_t>(h[8]);
    const std::uint64_t raw_number = DecodeFixed64(h + 10);
    text += "header: magic " + Quoted(ByteFormat(false), std::string_view(h, 8)) + ", kind " +
            std::to_string(raw_kind);
    if (raw_kind == static_cast<std::uint8_t>(LogFileKind::kWal) ||
        raw_kind == static_cast<std::uint8_t>(LogFileKind::kManifest)) {
      text += " (" + std::string(LogFileKindName(static_cast<LogFileKind>(raw_kind))) + ")";
      if (!named) {
        kind = static_cast<LogFileKind>(raw_kind);
      }
    }
    text += ", format version " + std::to_string(static_cast<std::uint8_t>(h[9])) +
            ", file number " + std::to_string(raw_number) + "\n";
    if (!named) {
      number = raw_number;
    }
  }
  std::fwrite(text.data(), 1, text.size(), out);

  std::unique_ptr<WalReader> reader;
  AE_RETURN_IF_ERROR(OpenLog(path, kind, number, &reader));
  Status first_error;
  std::string payload;
  std::uint64_t start = kLogFirstEntryOffset;
  std::uint64_t entries = 0;
  while (reader->ReadRecord(&payload)) {
    text = "entry " + std::to_string(entries) + " at offset " + std::to_string(start) + ": " +
           std::to_string(payload.size()) + " bytes, synced_through " +
           std::to_string(reader->last_synced_through()) + "\n";
    Status s;
    if (kind == LogFileKind::kWal) {
      s = DecodeBatch(payload, entries == 0, &format, &text);
    } else {
      VersionEdit edit;
      s = edit.DecodeFrom(payload);
      if (s.ok()) {
        DescribeEdit(edit, format, &text);
      }
    }
    if (!s.ok()) {
      s = EntryCorruption(path, start, s);
      text += "  error: " + s.ToString() + "\n";
      if (first_error.ok()) {
        first_error = s;
      }
    }
    std::fwrite(text.data(), 1, text.size(), out);
    ++entries;
    start = NextRecordStart(reader->last_record_end());
  }

  const Status& s = reader->status();
  text = "end: " + Plural(entries, "entry", "entries") + "; ";
  if (!s.ok()) {
    text += "stopped at damage: " + s.ToString() + "\n";
  } else if (reader->clean_close()) {
    text += "closed cleanly at offset " + std::to_string(reader->last_record_end()) + "\n";
  } else if (reader->dropped_bytes() > 0) {
    text += "not closed; a torn tail of " + std::to_string(reader->dropped_bytes()) +
            " bytes after offset " + std::to_string(reader->last_record_end()) + " was ignored\n";
  } else {
    text += "not closed (the writer was still open, or crashed)\n";
  }
  std::fwrite(text.data(), 1, text.size(), out);
  return first_error.ok() ? s : first_error;
}

}  // namespace aeternus::cli
