#pragma once
// DBTestBase: a gtest fixture owning a temporary directory and a DB opened
// in it, with helpers that return strings so a failure prints what was
// there (LevelDB's db_test.cc): Get() gives the value, "NOT_FOUND" or the
// error; Contents() lists the live pairs, checked both ways.
//
// The default options use the smallest write buffer (64 KiB) so tests make
// tables quickly, and writes use sync=false unless durability is what a
// test checks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

#include "testutil/status_assertions.h"
#include "testutil/temp_dir.h"

namespace aeternus::test {

// The write buffer of SmallOptions(): the smallest Options accepts, so
// tests make many tables from little data.
inline constexpr std::size_t kSmallWriteBuffer = 64u << 10;


// Bytes as text: printable ASCII as is, anything else as \xNN.
std::string Escape(std::string_view bytes);

// "key=value" at the iterator, "(invalid)" at an end, or
// "(invalid: <status>)" after an error.
std::string IterEntry(const Iterator& it);

// A named set of options that the parameterized suites run under.
struct DBConfig {
  std::string name;
  Options options;
  // The configuration needs an optional codec; tests skip when Open
  // refuses it as unsupported.
  bool needs_optional_codec = false;
};
void PrintTo(const DBConfig& config, std::ostream* os);
std::vector<DBConfig> TestConfigs();
struct DBConfigName {
  std::string operator()(const ::testing::TestParamInfo<DBConfig>& info) const {
    return info.param.name;
  }
};

class DBTestBase : public ::testing::Test {
 public:
  // A 64 KiB write buffer, everything else default.
  static Options SmallOptions();

 protected:
  explicit DBTestBase(Options options = SmallOptions());
  ~DBTestBase() override;

  // Opens db_ in dbname_ with options_. REQUIRES: db_ is closed.
  Status Open();
  // Close() then Open().
  Status Reopen();
  // For parameterized suites: sets options_ from `config` and opens; skips
  // the test when the configuration needs a codec the library lacks.
  void OpenOrSkip(const DBConfig& config);
  // Closes and destroys db_; OK when it was not open.
  Status Close();
  // Destroys db_ without calling Close().
  void DestroyWithoutClose() { db_.reset(); }

  DB& db() { return *db_; }

  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  Status DeleteRange(std::string_view begin, std::string_view end);
  Status Write(WriteBatch* batch);
  Status Flush() { return db_->Flush(); }

  // The value, "NOT_FOUND", or the error as "<Code>: <message>".
  std::string Get(std::string_view key, const Snapshot* snapshot = nullptr);
  // Live pairs as "k1=v1 k2=v2", read forward with an iterator and checked
  // against a backward pass; reports a mismatch or error in the string.
  std::string Contents(const Snapshot* snapshot = nullptr);
  // Same for an iterator with the given read options (bounds, snapshot).
  std::string Contents(const ReadOptions& options);
  // DB::Scan as "k1=v1 k2=v2", or the error.
  std::string Scan(std::string_view begin, std::string_view end, std::size_t limit = 0,
                   const Snapshot* snapshot = nullptr);

  // A property's value, or "NO_PROPERTY".
  std::string Property(std::string_view name);
  // aeternus.sequence as a number (0 when missing or unparsable).
  std::uint64_t Sequence();
  // aeternus.num-files as a number (-1 when missing or unparsable).
  int NumTables();

  TempDir tmp_;
  std::string dbname_;
  Options options_;
  WriteOptions write_options_;  // sync=false
  std::unique_ptr<DB> db_;
};

}  // namespace aeternus::test
