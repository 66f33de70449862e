#pragma once
// VersionSet: the current Version, the file number and sequence counters,
// and the manifest that makes them durable (docs/format/manifest.md).
//
// Thread safety: all methods may be called concurrently; LogAndApply calls
// are serialised internally and install versions in the order they were
// recorded.
// Invariant: the installed current() is always the state described by the
// manifest named in CURRENT, plus nothing that is not yet synced there.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "aeternus/status.h"
#include "env/file_system.h"
#include "manifest/version.h"
#include "manifest/version_edit.h"

namespace aeternus {

class WalWriter;

class VersionSet {
 public:
  // A manifest larger than this is rewritten whole into a new file.
  static constexpr std::uint64_t kMaxManifestBytes = 8u << 20;

  VersionSet(std::string dbname, FileSystem* fs);
  ~VersionSet();
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;

  // Writes the first manifest of an empty database and points CURRENT at it.
  Status CreateNew();
  // Loads the state named by CURRENT. Corruption (never an empty state)
  // when CURRENT or the manifest is missing or damaged.
  Status Recover();

  // Records `edit` in the manifest (starting a new manifest with a full
  // snapshot first when none is open or the open one is too large), syncs
  // it, then installs the resulting Version. Fills in next_file_number and
  // last_sequence. On error nothing is installed, and every later call
  // fails too: the manifest's state is unknown until the database reopens.
  Status LogAndApply(VersionEdit* edit);

  std::shared_ptr<const Version> current() const;

  std::uint64_t NewFileNumber() { return next_file_number_.fetch_add(1); }
  // Makes sure later file numbers are above `number`.
  void MarkFileNumberUsed(std::uint64_t number);
  std::uint64_t next_file_number() const { return next_file_number_.load(); }

  SequenceNumber LastSequence() const { return last_sequence_.load(std::memory_order_acquire); }
  void SetLastSequence(SequenceNumber s) { last_sequence_.store(s, std::memory_order_release); }

  // WALs numbered below this hold only flushed writes.
  std::uint64_t log_number() const { return log_number_.load(); }
  std::uint64_t manifest_number() const { return manifest_number_.load(); }
  // From Recover: the WAL the last closed_wal field of the manifest named,
  // and its size, when that WAL still holds unflushed writes (its number is
  // at least log_number()): Open must find it whole.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> closed_wal() const {
    return closed_wal_;
  }

  // Closes the manifest file (synced).
  Status Close();

 private:
  // The snapshot edit of a new manifest: the state `v`, the counters, and
  // `closed_wal` when the edit that starts the manifest carries one.
  using ClosedWal = std::optional<std::pair<std::uint64_t, std::uint64_t>>;
  Status WriteSnapshot(WalWriter* writer, const Version& v, std::uint64_t log_number,
                       const ClosedWal& closed_wal);
  Status StartNewManifest(const Version& v, std::uint64_t log_number, const ClosedWal& closed_wal);

  const std::string dbname_;
  FileSystem* const fs_;

  std::atomic<std::uint64_t> next_file_number_{2};
  std::atomic<SequenceNumber> last_sequence_{0};
  std::atomic<std::uint64_t> log_number_{0};
  std::atomic<std::uint64_t> manifest_number_{0};
  std::optional<std::pair<std::uint64_t, std::uint64_t>> closed_wal_;  // set by Recover

  std::mutex log_mu_;                     // serialises LogAndApply
  std::unique_ptr<WalWriter> manifest_;   // guarded by log_mu_
  Status error_;                          // sticky; guarded by log_mu_

  mutable std::mutex mu_;
  std::shared_ptr<const Version> current_;  // guarded by mu_
};

// A new Version: `base` with the edit's deletions and additions applied.
// Level-0 tables stay ordered newest first, other levels by smallest key.
std::shared_ptr<const Version> ApplyEdit(const Version& base, const VersionEdit& edit);

// Empty when the tables of every level >= 1 are disjoint in internal key
// order, else a description of the first overlap.
std::string CheckLevelsDisjoint(const Version& v);

}  // namespace aeternus
