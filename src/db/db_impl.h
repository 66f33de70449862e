#pragma once
// DBImpl: the engine behind aeternus::DB.
//
// Write path: writers queue in writers_; the front one (the leader) takes
// the batches of the writers behind it into one group, appends the group
// to the WAL as one record (one fsync when any writer asked for sync),
// inserts it into the memtable, publishes the group's last sequence and
// wakes the others (group commit).
// Read path: readers take the current SuperVersion (memtable, frozen
// memtables, table Version) and a sequence number under mu_, then read
// without any lock.
// Background: frozen memtables are flushed oldest first, one at a time, on
// the thread pool; each flush is recorded in the manifest before its WAL is
// deleted. Compactions chosen by the picker (compaction/compaction_picker.h)
// run beside flushes: chosen under mu_, their tables marked busy, merged
// without mu_, installed by one manifest edit.
//
// Lock order: mu_, then VersionSet's internal locks. No I/O on stable
// storage happens under mu_ except the creation of a new WAL file.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aeternus/db.h"
#include "compaction/compaction.h"
#include "compaction/compaction_picker.h"
#include "env/file_system.h"
#include "key/internal_key.h"
#include "manifest/version_set.h"
#include "sstable/table_builder.h"

namespace aeternus {

class BlockCache;
class MappedTableBudget;
class ArenaBlockPool;
class MemTable;
class TableCache;
class ThreadPool;
class WalWriter;

class DBImpl final : public DB {
 public:
  // Opens with an explicit file system (tests inject faults through it).
  static Status Open(const Options& options, const std::string& path, FileSystem* fs,
                     std::unique_ptr<DB>* db, bool read_only = false);
  // InvalidArgument naming the first bad field, or OK.
  static Status ValidateOptions(const Options& options);

  DBImpl(const Options& options, std::string dbname, FileSystem* fs);
  ~DBImpl() override;

  Status Put(const WriteOptions& options, std::string_view key,
             std::string_view value) override;
  Status Delete(const WriteOptions& options, std::string_view key) override;
  Status DeleteRange(const WriteOptions& options, std::string_view begin,
                     std::string_view end) override;
  Status Write(const WriteOptions& options, WriteBatch* batch) override;
  Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  Status Scan(const ReadOptions& options, std::string_view begin, std::string_view end,
              std::size_t limit,
              std::vector<std::pair<std::string, std::string>>* out) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status CompactAll() override;
  Status CompactRange(std::optional<std::string_view> begin,
                      std::optional<std::string_view> end) override;
  Status WaitForCompactions() override;
  Status Close() override;
  bool GetProperty(std::string_view name, std::string* value) override;

 private:
  struct Writer;
  struct SuperVersion;
  class SnapshotImpl;
  struct Stats;

  Status Recover();
  // Carried from one WAL to the next during recovery.
  struct WalReplayState {
    SequenceNumber next_sequence = 0;  // of the next record; 0 before the first
    bool gap = false;                  // a record did not continue the sequence
    std::uint64_t dropped_records = 0;  // records after the gap, not applied
  };
  Status ReplayWal(std::uint64_t number, std::shared_ptr<MemTable>* mem, VersionEdit* edit,
                   SequenceNumber* max_sequence, WalReplayState* state);
  TableBuilderOptions TableOptions() const;
  Status WriteLevel0Table(const MemTable& mem, const std::vector<SequenceNumber>& snapshots,
                          VersionEdit* edit);
  void DeleteObsoleteFiles();

  Status ValidateBatch(const WriteBatch& batch) const;
  // batch == nullptr: only switch to a fresh memtable (for Flush).
  Status WriteImpl(const WriteOptions& options, WriteBatch* batch);
  Status MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force);
  void GatherSyncWriters(std::unique_lock<std::mutex>& lock, Writer* leader);
  WriteBatch* BuildBatchGroup(Writer** last_writer);
  Status SwitchMemTable(std::unique_lock<std::mutex>& lock);
  // A new, empty memtable for the writes logged in WAL `wal_number`.
  std::shared_ptr<MemTable> NewMemTable(std::uint64_t wal_number) const;
  // Creates WAL `number` beginning with a synced sequence marker (the
  // sequence of its first write), and syncs the directory.
  Status NewWal(std::uint64_t number, SequenceNumber first_sequence,
                std::unique_ptr<WalWriter>* out);
  // Syncs (and closes) the WALs that SwitchMemTable left unsynced.
  Status SyncOlderWals();

  void InstallSuperVersion();   // REQUIRES: mu_ held
  void MaybeScheduleFlush();    // REQUIRES: mu_ held
  void BackgroundFlush();
  // Removes the tables that compactions replaced once no reader holds them.
  void PurgeObsoleteFiles();

  void MaybeScheduleCompaction();  // REQUIRES: mu_ held
  // An iterator's read sample at `user_key` (see FileMetaData's
  // ReadSamples): charges the newest of two or more tables of `v` holding
  // the key. REQUIRES: mu_ not held.
  void RecordReadSample(const Version& v, std::string_view user_key);
  void BackgroundCompaction(Compaction c, std::shared_ptr<const Version> base,
                            std::vector<SequenceNumber> snapshots);
  // Writes and installs compaction `c` of tables of `base`, without mu_.
  Status RunCompactionJob(const Compaction& c, const std::shared_ptr<const Version>& base,
                          std::vector<SequenceNumber> snapshots,
                          std::vector<FileMetaData>* outputs);
  // Unmarks c's tables and records the outcome. REQUIRES: mu_ held.
  void FinishCompaction(const Compaction& c, const Status& s,
                        const std::vector<FileMetaData>& outputs);
  Status ManualCompaction(const UserKeyRange& range);
  void UnmarkBusy(const Compaction& c);  // REQUIRES: mu_ held
  std::vector<SequenceNumber> LiveSnapshots() const;  // REQUIRES: mu_ held
  std::shared_ptr<const SuperVersion> AcquireView(const ReadOptions& options,
                                                  SequenceNumber* sequence, Status* status);
  std::string StatsString() const;

  const Options options_;
  const std::string dbname_;
  // Huge arena blocks of freed memtables, for the next ones; declared
  // before every memtable, which it must outlive.
  std::unique_ptr<ArenaBlockPool> arena_pool_;
  // Opened by OpenForReadOnly: replayed WALs stay in memory, no file is
  // created, changed or deleted, and nothing runs in the background.
  bool read_only_ = false;  // set before Recover, then constant
  std::vector<std::shared_ptr<MemTable>> replayed_;  // read-only recovery only
  FileSystem* const fs_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<BlockCache> block_cache_;
  std::unique_ptr<MappedTableBudget> mapped_budget_;
  std::unique_ptr<TableCache> table_cache_;  // declared after the caches it uses
  std::unique_ptr<VersionSet> versions_;
  std::unique_ptr<Stats> stats_;

  mutable std::mutex mu_;
  std::condition_variable bg_cv_;  // flush done, writer queue drained, room made
  std::deque<Writer*> writers_;                     // guarded by mu_
  std::unique_ptr<WriteBatch> group_batch_;         // used by the leader only
  // Group commit of synced writes: the synced writers at hand when the last
  // synced group ended (the group and those queued behind it), and the
  // running mean of a WAL sync's duration. A synced leader waits a little
  // for that many writers to queue (GatherSyncWriters). Guarded by mu_.
  std::size_t sync_writers_seen_ = 1;
  std::chrono::nanoseconds mean_sync_time_{0};
  bool leader_gathering_ = false;
  // writers_.size(), published for polling without mu_ (stored under mu_).
  std::atomic<std::size_t> queued_writers_{0};
  std::shared_ptr<MemTable> mem_;                   // replaced by the leader under mu_
  std::deque<std::shared_ptr<MemTable>> imm_;       // oldest first; guarded by mu_
  std::unique_ptr<WalWriter> wal_;                  // used by the leader only
  // Older WALs whose memtables are not yet flushed, handed to the OS but
  // not synced; oldest first; used by the leader only.
  std::deque<std::unique_ptr<WalWriter>> unsynced_wals_;
  // An older WAL failed to sync: no newer WAL is ever synced or closed.
  bool older_wal_unsynced_ = false;                 // used by the leader only
  std::shared_ptr<const SuperVersion> super_version_;  // guarded by mu_
  std::list<SnapshotImpl> snapshots_;               // oldest first; guarded by mu_
  Status bg_error_;                                 // sticky; guarded by mu_
  bool flush_scheduled_ = false;                    // guarded by mu_
  std::unique_ptr<CompactionPicker> picker_;        // guarded by mu_
  FileNumberSet busy_files_;                        // tables being compacted; guarded by mu_
  // Tables whose read samples ran out (RecordReadSample), to compact when
  // no level needs it for its size; guarded by mu_.
  std::vector<std::uint64_t> read_compaction_candidates_;
  int bg_compactions_ = 0;                          // scheduled or running; guarded by mu_
  int manual_compactions_ = 0;                      // running; guarded by mu_
  int manual_waiting_ = 0;                          // waiting for busy tables; guarded by mu_
  // Tables no longer in the current version, deleted once unreferenced.
  std::vector<std::pair<std::weak_ptr<const FileMetaData>, std::uint64_t>>
      obsolete_files_;  // (table, its number); guarded by mu_
  std::atomic<bool> have_obsolete_files_{false};  // !obsolete_files_.empty()
  bool shutting_down_ = false;                      // guarded by mu_
  std::atomic<bool> cancel_compactions_{false};     // set by Close
  bool closed_ = false;                             // guarded by mu_
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace aeternus
