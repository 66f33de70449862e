#pragma once
// WalReader: reads back the logical records of a log file (a WAL or a
// MANIFEST; format in wal_format.h and docs/format/wal.md) and decides
// whether damage it meets is a torn tail or corruption.
//
// Thread safety: none; one thread at a time.
//
// Recovery rules. A physical record is bad when its checksum mismatches,
// its length runs past the block, its type is unknown (a zeroed header has
// type 0), a kClose record carries data, or its fragment is out of order
// (a kMiddle/kLast without a start, a start inside an unfinished record).
// At the first bad spot, the damage offset D is the start of the logical
// record being read (of the bad record itself when none was under way).
// The reader then scans the rest of the file for a valid record that claims
// the file was synced beyond D (its synced_through > D, or a kClose record,
// which implies everything before it was synced). The scan skips fragments
// that lack a start; after a bad record it resyncs at the next block
// boundary, except that when only the checksum failed (type and length
// plausible) it trusts the length and goes on right after the record, so
// that a claim later in the same block is found too. (A damaged length can
// then make the scan read payload bytes as records; the only effect is a
// claim that turns a torn tail into Corruption: it errs on the safe side.)
// The outcome:
//   - such a claim: D lies in data known durable; status() is Corruption
//     naming the file, D and the claiming record;
//   - none: D starts a torn, never-synced tail; status() is OK and
//     dropped_bytes() counts the bytes from last_record_end() to the end.
// A file that ends inside a record is a torn tail too. Records past D are
// never returned. Damage to the file header is judged the same way with
// D = 0: a file that is empty or holds nothing valid that was ever synced
// reads as an empty log. A valid header record (its checksum matches) that
// names another magic, kind or file number is Corruption; a newer format
// version is NotSupported. A valid record that is malformed (an entry too
// short for synced_through, a synced_through beyond its own offset or
// smaller than the previous entry's) and any non-zero byte after the close
// record are Corruption: a checksum-valid record is never the product of a
// torn write.
//
// Zeros. A log file may be preallocated (FileSystem::NewLogFile): reserved
// space past the last record reads as zeros until the writer truncates it
// at close, and a crash can keep it. Zeros after the last record are a
// zeroed record header, so they read as any torn tail does (dropped, unless
// a later record claims synced data beyond them; the scan moves a block at
// a time through them). Zeros after the close record are accepted too:
// clean_close() is true and dropped_bytes() counts them.
//
// The reader never reads past the bytes it holds, whatever the file holds.
// It cannot see a loss of synced bytes at the very end of the file (the file
// simply looks shorter); the DB may check the size of a closed log against
// what it recorded elsewhere.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aeternus/status.h"

#include "env/file_system.h"
#include "wal/wal_format.h"

namespace aeternus {

class WalReader {
 public:
  // `file_name` is used in error messages. The header must name
  // `expected_kind` and `expected_file_number`.
  WalReader(std::unique_ptr<SequentialFile> file, std::string file_name, LogFileKind expected_kind,
            std::uint64_t expected_file_number);
  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;
  ~WalReader();

  // Stores the next logical record's payload (synced_through stripped) in
  // *payload and returns true. Returns false at the end, and from then on;
  // status() says why. *payload is scratch: its capacity is reused.
  bool ReadRecord(std::string* payload);

  // OK while reading, at a clean end and after dropping a torn tail;
  // Corruption, NotSupported or the file's IOError otherwise.
  Status status() const { return status_; }

  // Bytes ignored as a torn unsynced tail, or as zeros after the close
  // record (after the end: the file size less last_record_end() when
  // status() is OK).
  std::uint64_t dropped_bytes() const { return dropped_bytes_; }

  // File offset just past the last valid logical record consumed: the
  // header, the last returned entry or the close record (0 when the header
  // was not valid). When status() is OK at the end,
  // last_record_end() + dropped_bytes() is the file size.
  std::uint64_t last_record_end() const { return last_record_end_; }

  // The synced_through claimed by the last returned entry.
  std::uint64_t last_synced_through() const { return last_synced_through_; }

  // The writer's close record was seen: the log ended cleanly and every
  // byte of it was synced (zeros may follow it: see Zeros above).
  bool clean_close() const { return clean_close_; }

 private:
  // What ReadPhysical found.
  enum class Fragment {
    kRecord,     // a valid physical record in *rec
    kEof,        // the file ends here (possibly inside a block trailer)
    kTruncated,  // the file ends inside the record at rec->offset
    kBad,        // the record at rec->offset is bad and was skipped
    kIoError,    // status_ holds the error
  };
  struct Physical {
    LogRecordType type = LogRecordType::kZero;
    std::string_view data;  // points into block_; valid until the next read
    std::uint64_t offset = 0;
    std::string_view problem;  // for kBad and kTruncated
    // kBad: the header itself is implausible (a zero or unknown type, a
    // length past the block), so the record's extent is unknown.
    bool header_implausible = false;
  };

  Fragment ReadPhysical(Physical* rec);
  // After a bad record at block offset `bad` whose header is implausible:
  // moves block_pos_ to the first offset after it in this block where a
  // whole record with a valid checksum starts, if there is one. Neither the
  // damaged header nor the next block boundary says where the next record
  // starts, and a claim scan that went on at the boundary would skip the
  // records of the rest of the block, which may say the damage was synced.
  // (A record whose header is plausible is skipped by its length instead:
  // searching its payload, which is user data, could find records that the
  // writer never wrote there.)
  void FindNextValidRecord(std::size_t bad);
  // Reads the next block into block_. False on an I/O error (in status_).
  bool ReadBlock();
  // Bytes of the file; REQUIRES: the end of the file was reached.
  std::uint64_t file_size() const { return block_start_ + block_len_; }

  // ReadRecord without clearing *payload on failure.
  bool ReadEntry(std::string* payload);
  bool ReadHeader();
  // The first bad spot is at `damage`: decides between torn tail and
  // corruption (see above) and ends reading; always returns false.
  // `pending`, when not null, is a valid record read after the damage that
  // the scan must consider first.
  bool StopAtDamage(std::uint64_t damage, std::string_view problem, std::uint64_t bad_offset,
                    const Physical* pending);
  // Scans the rest of the file for a valid record claiming synced data past
  // `damage`. Sets *claimant / *claim when found. False with status_ set on
  // an I/O error (then *found is false).
  bool ScanForSyncedClaim(std::uint64_t damage, const Physical* pending, bool* found,
                          std::uint64_t* claimant, std::uint64_t* claim);
  // Ends reading at a clean end or at the close record (checking that only
  // zeros follow it).
  bool FinishAtEnd();
  bool FailCorruption(std::uint64_t offset, std::string_view problem);

  // Appends an entry fragment: its first kLogSyncedThroughSize bytes go to
  // synced_prefix_, the rest to *payload.
  void AppendEntryData(std::string_view data, std::string* payload);

  std::unique_ptr<SequentialFile> file_;
  const std::string file_name_;
  const LogFileKind expected_kind_;
  const std::uint64_t expected_file_number_;

  std::unique_ptr<char[]> block_;  // kLogBlockSize bytes
  std::uint64_t block_start_ = 0;  // file offset of block_[0]
  std::size_t block_len_ = 0;      // bytes of the block read
  std::size_t block_pos_ = 0;      // next unread byte of the block
  // Invariant: the file ends in this block iff block_len_ < kLogBlockSize.
  bool started_ = false;  // a block has been read

  enum class State { kHeader, kEntries, kDone };
  State state_ = State::kHeader;
  Status status_;
  std::uint64_t dropped_bytes_ = 0;
  std::uint64_t last_record_end_ = 0;
  std::uint64_t last_synced_through_ = 0;
  bool clean_close_ = false;

  char synced_prefix_[kLogSyncedThroughSize] = {};
  std::size_t synced_prefix_len_ = 0;
};

}  // namespace aeternus
