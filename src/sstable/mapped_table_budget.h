#pragma once
// MappedTableBudget: bounds the bytes of memory-mapped tables that stay
// mapped, and so resident, in the process. A table read through a mapping
// costs no copy and no cache, but every page read stays in the process's
// resident memory (VmRSS) for as long as the table is open, although it is
// only the kernel's page cache: a process reading all of a large database
// would look as large as the database.
//
// Each table of a mapped file has a MappedTableBudget::Table, which counts
// its data blocks in chunks of kChunk bytes (the kernel's default
// fault-around window: a read fault maps every cached page of the aligned
// 64 KiB around it, so what becomes resident is counted in chunks, not
// blocks). A read through the mapping charges the budget for each chunk not
// charged yet and marks the chunk referenced. When the charge exceeds the
// limit, the budget releases chunks until it is 1/16 of the limit below
// it, with the second-chance (CLOCK) policy: a hand visits the tables in
// turn, kSweepChunks chunks of each per visit; a referenced chunk loses its
// mark and is kept, an unreferenced charged one is released: its pages are
// dropped from the mapping (RandomAccessFile::WillNotNeed) and its charge
// taken off. Chunks read often stay; the pages released stay in the page
// cache, and a later read maps them again (a minor fault) and charges
// them again.
//
// Thread safety: all methods may be called concurrently. Sweeps run under
// the budget's mutex, which a Table also takes to unregister, so a Table
// being destroyed is never swept.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace aeternus {

class RandomAccessFile;

class MappedTableBudget {
 public:
  static constexpr std::uint64_t kChunk = 64 << 10;
  static constexpr std::size_t kSweepChunks = 64;  // 4 MiB of a table per visit

  class Table {
   public:
    // Registers with `budget` (borrowed; must outlive the Table) for the
    // data blocks [0, data_end) of `file` (borrowed, memory-mapped).
    Table(MappedTableBudget* budget, const RandomAccessFile* file, std::uint64_t data_end);
    ~Table();
    Table(const Table&) = delete;
    Table& operator=(const Table&) = delete;

    // A read of [offset, offset + size) through the mapping.
    void Touch(std::uint64_t offset, std::uint64_t size);
    // Drops the pages of all of the file, [0, file_size), from the mapping
    // and takes its charges off.
    void ReleaseAll(std::uint64_t file_size);

   private:
    friend class MappedTableBudget;
    // One visit of the hand: at most kSweepChunks chunks, until `want`
    // bytes are released. Returns the bytes released. REQUIRES: the
    // budget's mutex is held.
    std::uint64_t Sweep(std::uint64_t want);
    void DropChunks(std::uint64_t first, std::uint64_t count) const;

    MappedTableBudget* const budget_;
    const RandomAccessFile* const file_;
    const std::uint64_t data_end_;
    const std::uint64_t chunks_;
    // A bit per chunk: charged (resident as far as the budget knows), and
    // referenced since the hand last passed.
    std::unique_ptr<std::atomic<std::uint64_t>[]> charged_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> referenced_;
    std::atomic<std::uint64_t> charged_bytes_{0};
    std::uint64_t hand_ = 0;  // guarded by the budget's mutex
  };

  // limit: bytes; 0 for no limit (nothing is ever released for it).
  explicit MappedTableBudget(std::uint64_t limit) : limit_(limit) {}
  MappedTableBudget(const MappedTableBudget&) = delete;
  MappedTableBudget& operator=(const MappedTableBudget&) = delete;

  std::uint64_t limit() const { return limit_; }
  // The bytes charged and not released.
  std::int64_t charged() const { return charged_.load(std::memory_order_relaxed); }

 private:
  void Register(Table* table);
  void Unregister(Table* table);
  void Charge(std::uint64_t bytes);
  void Uncharge(std::uint64_t bytes) {
    charged_.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  }
  void SweepUntilUnderLimit();

  const std::uint64_t limit_;
  // Signed: a release may take off a charge before its Charge() adds it.
  std::atomic<std::int64_t> charged_{0};
  std::mutex mu_;
  std::vector<Table*> tables_;  // guarded by mu_
  std::uint64_t chunks_ = 0;    // guarded by mu_; of all tables
  std::size_t hand_ = 0;        // guarded by mu_; the next table to visit
};

}  // namespace aeternus
