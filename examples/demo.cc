// aeternus_demo: a walk through the public API of AeternusDB.
//
// Keeps its database in ./data (relative to the current directory), which it
// clears first so that every run starts from the same state. Prints each step
// and its Status; exits with 1 at the first unexpected Status or value.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/options.h"
#include "aeternus/snapshot.h"
#include "aeternus/status.h"
#include "aeternus/write_batch.h"

namespace {

using aeternus::DB;
using aeternus::ReadOptions;
using aeternus::Status;
using aeternus::WriteOptions;

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kPath = "data";

[[noreturn]] void Fail(std::string_view what) {
  std::cout << "FAILED: " << what << "\n";
  std::exit(1);
}

// Prints the step and its Status; fails unless the Status is OK.
void Check(std::string_view step, const Status& s) {
  std::cout << step << " -> " << s.ToString() << "\n";
  if (!s.ok()) {
    Fail(step);
  }
}

std::string Show(const std::optional<std::string>& value) {
  return value ? "\"" + *value + "\"" : "(not found)";
}

// Reads `key` and fails unless it holds `expected` (nullopt: NotFound).
void ExpectGet(DB& db, const ReadOptions& options, std::string_view key,
               const std::optional<std::string>& expected,
               std::string_view label = "") {
  std::string value;
  Status s = db.Get(options, key, &value);
  std::cout << "  Get(" << key << ")" << label << " -> " << s.ToString();
  if (s.ok()) {
    std::cout << ", value \"" << value << "\"";
  }
  std::cout << "\n";
  if (!s.ok() && !s.IsNotFound()) {
    Fail("Get returned an error");
  }
  std::optional<std::string> got;
  if (s.ok()) {
    got = value;
  }
  if (got != expected) {
    Fail("Get(" + std::string(key) + ") expected " + Show(expected));
  }
}

std::string Format(const Pairs& pairs) {
  std::string out;
  for (const auto& [key, value] : pairs) {
    out += (out.empty() ? "" : ", ") + key + "=" + value;
  }
  return "[" + out + "]";
}

void ExpectPairs(std::string_view step, const Pairs& got,
                 const Pairs& expected) {
  std::cout << "  " << step << ": " << Format(got) << "\n";
  if (got != expected) {
    Fail(std::string(step) + " expected " + Format(expected));
  }
}

// Collects the whole view of `options` with an iterator, first to last and
// last to first, and checks both orders against `expected`.
void ExpectIteration(DB& db, const ReadOptions& options,
                     const Pairs& expected) {
  std::unique_ptr<aeternus::Iterator> it = db.NewIterator(options);
  Pairs forward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    forward.emplace_back(it->key(), it->value());
  }
  Check("  iterator forward status", it->status());
  ExpectPairs("iterator forward", forward, expected);

  Pairs backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    backward.emplace_back(it->key(), it->value());
  }
  Check("  iterator backward status", it->status());
  Pairs reversed(expected.rbegin(), expected.rend());
  ExpectPairs("iterator backward", backward, reversed);
}

void PrintProperty(DB& db, std::string_view name) {
  std::string value;
  if (db.GetProperty(name, &value)) {
    std::cout << "  " << name << " = " << value << "\n";
  }
}

}  // namespace

int main() {
  std::error_code ec;
  std::filesystem::remove_all(kPath, ec);
  if (ec) {
    Fail("cannot clear ./" + std::string(kPath) + ": " + ec.message());
  }
  std::cout << "cleared ./" << kPath << "\n";

  std::unique_ptr<DB> db;
  Check("Open ./data (create_if_missing)",
        DB::Open({.create_if_missing = true}, kPath, &db));

  // WriteOptions{} has sync = true: each call returns once the write is in
  // the fsync'd WAL.
  const WriteOptions write;
  const ReadOptions read;

  Check("Put apple=red", db->Put(write, "apple", "red"));
  Check("Put banana=yellow", db->Put(write, "banana", "yellow"));
  Check("Put cherry=red", db->Put(write, "cherry", "red"));
  for (const char* key : {"tmp/1", "tmp/2", "tmp/3"}) {
    Check("Put " + std::string(key) + "=scratch", db->Put(write, key, "scratch"));
  }

  // A batch applies atomically: after a crash all of it is visible or none.
  aeternus::WriteBatch batch;
  batch.Put("date", "brown");
  batch.Put("elderberry", "purple");
  batch.Delete("banana");
  batch.DeleteRange("tmp/", "tmp0");  // every key starting with "tmp/"
  std::cout << "WriteBatch with " << batch.Count()
            << " updates: Put date, Put elderberry, Delete banana, "
               "DeleteRange [tmp/, tmp0)\n";
  Check("Write batch", db->Write(write, &batch));

  std::cout << "Read back:\n";
  ExpectGet(*db, read, "apple", "red");
  ExpectGet(*db, read, "banana", std::nullopt);
  ExpectGet(*db, read, "cherry", "red");
  ExpectGet(*db, read, "date", "brown");
  ExpectGet(*db, read, "elderberry", "purple");
  ExpectGet(*db, read, "tmp/2", std::nullopt);

  const Pairs all = {{"apple", "red"},
                     {"cherry", "red"},
                     {"date", "brown"},
                     {"elderberry", "purple"}};
  std::cout << "Iterate:\n";
  ExpectIteration(*db, read, all);

  std::cout << "Scan:\n";
  Pairs scanned;
  Check("  Scan [b, e)", db->Scan(read, "b", "e", 0, &scanned));
  ExpectPairs("Scan [b, e)", scanned, {{"cherry", "red"}, {"date", "brown"}});
  Check("  Scan from the start, limit 2", db->Scan(read, "", "", 2, &scanned));
  ExpectPairs("Scan limit 2", scanned, {{"apple", "red"}, {"cherry", "red"}});

  // A snapshot keeps seeing the state it was taken in.
  const aeternus::Snapshot* snapshot = db->GetSnapshot();
  std::cout << "GetSnapshot at sequence " << snapshot->sequence() << "\n";
  Check("Delete apple", db->Delete(write, "apple"));
  Check("Put cherry=dark-red", db->Put(write, "cherry", "dark-red"));
  ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot;
  std::cout << "Now and at the snapshot:\n";
  ExpectGet(*db, read, "apple", std::nullopt);
  ExpectGet(*db, at_snapshot, "apple", "red", " at snapshot");
  ExpectGet(*db, read, "cherry", "dark-red");
  ExpectGet(*db, at_snapshot, "cherry", "red", " at snapshot");
  std::cout << "Iterate at the snapshot:\n";
  ExpectIteration(*db, at_snapshot, all);
  db->ReleaseSnapshot(snapshot);
  std::cout << "ReleaseSnapshot\n";

  Check("Flush", db->Flush());
  PrintProperty(*db, "aeternus.num-files");
  // Written after the flush: it lives in the WAL only until the next flush,
  // and the next Open replays it.
  Check("Put fig=green", db->Put(write, "fig", "green"));
  Check("Close", db->Close());
  db.reset();

  Check("Reopen ./data (create_if_missing = false)",
        DB::Open({.create_if_missing = false}, kPath, &db));
  std::cout << "Read back after reopening:\n";
  ExpectGet(*db, read, "apple", std::nullopt);
  ExpectGet(*db, read, "banana", std::nullopt);
  ExpectGet(*db, read, "cherry", "dark-red");
  ExpectGet(*db, read, "fig", "green");
  ExpectGet(*db, read, "tmp/3", std::nullopt);
  std::cout << "Iterate after reopening:\n";
  ExpectIteration(*db, read,
                  {{"cherry", "dark-red"},
                   {"date", "brown"},
                   {"elderberry", "purple"},
                   {"fig", "green"}});
  PrintProperty(*db, "aeternus.sequence");
  Check("Close", db->Close());

  std::cout << "demo finished: all steps as expected\n";
  return 0;
}
