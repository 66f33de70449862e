#pragma once
// OlderData: what a compaction knows of the tables outside its inputs,
// to decide whether a tombstone still hides something. A point tombstone
// of key k at sequence s may be dropped only when no table outside the
// inputs holds an entry of k older than s; a range tombstone only when no
// such table holds keys in its range with older entries.
//
// Tables only leave a version or get replaced by tables holding a subset
// of their entries, and new tables hold only newer entries, so an answer
// "nothing older" stays true while the compaction runs.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "key/internal_key.h"
#include "manifest/file_meta_data.h"

namespace aeternus {

class TableCache;

class OlderData {
 public:
  virtual ~OlderData() = default;
  // False only when no entry of `user_key` older than `sequence` exists
  // outside the inputs.
  virtual bool KeyMayExist(std::string_view user_key, SequenceNumber sequence) const = 0;
  // False only when no entry in user keys [begin, end) older than
  // `sequence` exists outside the inputs.
  virtual bool RangeMayExist(std::string_view begin, std::string_view end,
                             SequenceNumber sequence) const = 0;
};

// Nothing outside the inputs: every table is an input (a full compaction).
class NoOlderData final : public OlderData {
 public:
  bool KeyMayExist(std::string_view, SequenceNumber) const override { return false; }
  bool RangeMayExist(std::string_view, std::string_view, SequenceNumber) const override {
    return false;
  }
};

// The given tables (those of the version that the compaction does not
// read). A key is checked against each table's key range and sequence
// range, then its bloom filter, then by a lookup; a range only by key
// range and sequence range. A table that cannot be read counts as holding
// the key.
class TablesOlderData final : public OlderData {
 public:
  TablesOlderData(std::vector<std::shared_ptr<const FileMetaData>> tables,
                  TableCache* table_cache);

  bool KeyMayExist(std::string_view user_key, SequenceNumber sequence) const override;
  bool RangeMayExist(std::string_view begin, std::string_view end,
                     SequenceNumber sequence) const override;

 private:
  const std::vector<std::shared_ptr<const FileMetaData>> tables_;
  TableCache* const table_cache_;
};

}  // namespace aeternus
