#pragma once
// DB: a persistent, ordered key-value store kept in one directory.
//
// Keys are non-empty byte strings (any bytes, zeros included) ordered
// bytewise as unsigned; values are byte strings, empty allowed.
//
// Thread safety: every method may be called from many threads at once.
// Iterators and snapshots must be released before the DB is destroyed.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

namespace aeternus {

class DB {
 public:
  // Opens the database in directory `path`, creating it when
  // options.create_if_missing. Replays unflushed writes from the WAL.
  // Busy when another DB object (in this or another process) holds it.
  static Status Open(const Options& options, const std::string& path,
                     std::unique_ptr<DB>* db);

  // Opens an existing database for reading only: unflushed writes are
  // replayed into memory, and no file in `path` is created, changed or
  // deleted (the LOCK file is taken, so a writer elsewhere gets Busy and
  // vice versa). Writes, Flush and compactions return NotSupported.
  static Status OpenForReadOnly(const Options& options, const std::string& path,
                                std::unique_ptr<DB>* db);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes the database if Close was not called; errors are dropped.
  virtual ~DB() = default;

  // Sets key to value. InvalidArgument (nothing written) for an empty key,
  // or a key or value over Options::max_key_size / max_value_size.
  virtual Status Put(const WriteOptions& options, std::string_view key,
                     std::string_view value) = 0;
  // Removes key; not an error when key is absent.
  virtual Status Delete(const WriteOptions& options, std::string_view key) = 0;
  // Removes every key in [begin, end). InvalidArgument when begin >= end.
  virtual Status DeleteRange(const WriteOptions& options,
                             std::string_view begin, std::string_view end) = 0;
  // Applies the batch atomically. InvalidArgument (nothing written) when any
  // update in it is invalid.
  virtual Status Write(const WriteOptions& options, WriteBatch* batch) = 0;

  // Reads key as of options.snapshot (or now). NotFound when absent or
  // deleted.
  virtual Status Get(const ReadOptions& options, std::string_view key,
                     std::string* value) = 0;

  // An iterator over a point-in-time view (options.snapshot, or now),
  // limited to [options.lower_bound, options.upper_bound).
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  // Replaces *out with the live pairs of [begin, end) in key order, at most
  // `limit` of them (0: no limit), read as of options.snapshot (or now).
  // An empty `end` means no upper end. Option bounds narrow the range further.
  virtual Status Scan(const ReadOptions& options, std::string_view begin,
                      std::string_view end, std::size_t limit,
                      std::vector<std::pair<std::string, std::string>>* out) = 0;

  // A view of the current state, kept until ReleaseSnapshot.
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes the memtable to a table and waits until it is durable.
  virtual Status Flush() = 0;

  // Flushes the memtable, then merges every table into one sorted run
  // (major compaction): overwritten versions and tombstones that no live
  // snapshot needs are dropped and their space reclaimed. Waits until done.
  virtual Status CompactAll() = 0;

  // Flushes the memtable, then compacts every table that holds keys in
  // [begin, end] (both inclusive; nullopt leaves that end open), in the
  // configured style: leveled moves them to the deepest level holding any
  // of them, tiered merges them into one table. Waits until done.
  // InvalidArgument when begin > end.
  virtual Status CompactRange(std::optional<std::string_view> begin,
                              std::optional<std::string_view> end) = 0;

  // Waits until no background compaction runs or is needed (nor any
  // flush). Returns the background error if one stopped the work.
  virtual Status WaitForCompactions() = 0;

  // Waits for background work, syncs the WAL and releases the directory
  // lock. Does not flush the memtable: its writes are in the WAL and are
  // replayed by the next Open. Further calls return OK; other methods return
  // an error after Close.
  virtual Status Close() = 0;

  // Reads a property. Known names:
  //   aeternus.num-files        number of live tables
  //   aeternus.num-files-at-level<N>  tables in level N (0..6); the
  //                             tiered style keeps its tables in level 0
  //   aeternus.pending-compaction-bytes  estimated bytes compaction must
  //                             rewrite to bring every level (or bucket)
  //                             under its limit
  //   aeternus.total-table-bytes  bytes of all live tables
  //   aeternus.estimate-num-keys  an estimate of the keys: entries of the
  //                             memtables and tables, less two per point
  //                             tombstone (RocksDB's estimate); overwrites
  //                             and range deletions make it high
  //   aeternus.num-compactions  compactions done since Open (trivial
  //                             moves included)
  //   aeternus.num-running-compactions  compactions running now
  //   aeternus.num-filtered-entries  entries Options::compaction_filter
  //                             removed since Open
  //   aeternus.write-slowdowns  writes delayed by l0_slowdown_writes_trigger
  //   aeternus.write-stops      times writes waited (for a flush, or for
  //                             compaction past l0_stop_writes_trigger)
  //   aeternus.memtable-bytes   bytes in the active and frozen memtables
  //   aeternus.sequence         last sequence number written
  //   aeternus.stats            a multi-line human-readable summary
  // Returns false for an unknown name.
  virtual bool GetProperty(std::string_view name, std::string* value) = 0;
};

}  // namespace aeternus
