// The public API against a model: the bytes are a program of puts,
// deletes, range deletes, batches, flushes, compactions, reopens, gets and
// scans on a small key space, run on an in-memory file system; every read
// must agree with a std::map of the live pairs. Memtables run with and
// without their hash index.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "aeternus/db.h"
#include "aeternus/iterator.h"
#include "aeternus/write_batch.h"
#include "db/db_impl.h"
#include "env/mem_file_system.h"

namespace {

using aeternus::Status;

std::string Key(std::uint8_t b) { return "k" + std::to_string(b % 64); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  MemFileSystem fs;
  Options options;
  options.write_buffer_size = 64 << 10;
  options.l0_compaction_trigger = 2;
  // Memtables without a hash index, with one of 64 slots (full after 48
  // keys), or with one for every key; picked by the input's length so that
  // the program's bytes keep their meaning.
  constexpr double kIndexRatios[] = {0, 64.0 * 8 / (64 << 10), 0.25};
  options.memtable_hash_index_size_ratio = kIndexRatios[size % 3];
  std::unique_ptr<DB> db;
  if (!DBImpl::Open(options, "/db", &fs, &db).ok()) {
    __builtin_trap();
  }
  std::map<std::string, std::string> model;
  std::size_t i = 0;
  auto next = [&]() -> std::uint8_t { return i < size ? data[i++] : 0; };
  while (i < size) {
    const std::uint8_t op = next() % 10;
    const std::string k = Key(next());
    if (op <= 2) {
      const std::string v(next() % 200, static_cast<char>('a' + op));
      if (!db->Put(WriteOptions(), k, v).ok()) __builtin_trap();
      model[k] = v;
    } else if (op == 3) {
      if (!db->Delete(WriteOptions(), k).ok()) __builtin_trap();
      model.erase(k);
    } else if (op == 4) {
      std::string e = Key(next());
      if (k < e) {
        if (!db->DeleteRange(WriteOptions(), k, e).ok()) __builtin_trap();
        model.erase(model.lower_bound(k), model.lower_bound(e));
      }
    } else if (op == 5) {
      WriteBatch batch;
      const std::string k2 = Key(next());
      batch.Put(k, "b1");
      batch.Delete(k2);
      batch.Put(k2, "b2");
      if (!db->Write(WriteOptions(), &batch).ok()) __builtin_trap();
      model[k] = "b1";
      model[k2] = "b2";
    } else if (op == 6) {
      if (!db->Flush().ok()) __builtin_trap();
    } else if (op == 7) {
      if (next() % 4 == 0) {
        if (!db->CompactAll().ok()) __builtin_trap();
      } else if (!db->Close().ok() || (db.reset(), !DBImpl::Open(options, "/db", &fs, &db).ok())) {
        __builtin_trap();
      }
    } else if (op == 8) {
      std::string v;
      const Status s = db->Get(ReadOptions(), k, &v);
      const auto it = model.find(k);
      if (it == model.end() ? !s.IsNotFound() : (!s.ok() || v != it->second)) __builtin_trap();
    } else {
      std::unique_ptr<Iterator> it = db->NewIterator(ReadOptions());
      auto m = model.lower_bound(k);
      for (it->Seek(k); it->Valid(); it->Next(), ++m) {
        if (m == model.end() || it->key() != m->first || it->value() != m->second) __builtin_trap();
      }
      if (!it->status().ok() || m != model.end()) __builtin_trap();
    }
  }
  return 0;
}
