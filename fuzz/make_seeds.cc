// Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/): small
// valid inputs of each decoder, made with the engine's own writers, so that
// fuzzing starts from the formats rather than from nothing. Run by
// scripts/fuzz --seeds; the files it writes are kept in the repository.
//
//   aeternus-fuzz-seeds DIR     writes DIR/<target>/<name> files

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "aeternus/db.h"
#include "aeternus/write_batch.h"
#include "db/db_impl.h"
#include "db/write_batch_internal.h"
#include "env/mem_file_system.h"
#include "filter/bloom.h"
#include "key/internal_key.h"
#include "manifest/current_file.h"
#include "manifest/version_edit.h"
#include "sstable/block_builder.h"
#include "sstable/format.h"
#include "sstable/table_builder.h"
#include "sstable/table_properties.h"
#include "util/compression.h"

namespace aeternus {
namespace {

std::filesystem::path root;

void Seed(const std::string& target, const std::string& name, std::string_view bytes) {
  const auto dir = root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
}

std::string IKey(const std::string& user_key, SequenceNumber seq, ValueType type) {
  std::string k;
  AppendInternalKey(k, user_key, seq, type);
  return k;
}

class StringFile final : public WritableFile {
 public:
  Status Append(std::string_view d) override { data.append(d); return {}; }
  Status Flush() override { return {}; }
  Status Sync() override { return {}; }
  Status Close() override { return {}; }
  std::uint64_t Size() const override { return data.size(); }
  std::string data;
};

std::string Table(CompressionType compression, int keys) {
  StringFile file;
  TableBuilderOptions options;
  options.compression = compression;
  options.block_size = 512;
  TableBuilder builder(options, &file);
  builder.AddRangeTombstone("key0010", "key0020", 5);
  for (int i = 0; i < keys; ++i) {
    char k[16];
    std::snprintf(k, sizeof(k), "key%04d", i);
    builder.Add(IKey(k, 100 + static_cast<SequenceNumber>(i), i % 7 == 0 ? ValueType::kDeletion
                                                                          : ValueType::kValue),
                i % 7 == 0 ? "" : "value-" + std::to_string(i));
  }
  if (!builder.Finish().ok()) {
    std::abort();
  }
  return file.data;
}

void Run() {
  // Tables, and the blocks and metadata they are made of.
  const std::string plain = Table(CompressionType::kNone, 60);
  Seed("table_reader_fuzz", "plain", plain);
  Seed("table_reader_fuzz", "one_key", Table(CompressionType::kNone, 1));
  if (CompressionSupported(CompressionType::kZstd)) {
    Seed("table_reader_fuzz", "zstd", Table(CompressionType::kZstd, 60));
  }
  Seed("meta_blocks_fuzz", "footer", std::string_view(plain).substr(plain.size() - kFooterSize));
  BlockBuilder data(4);
  BlockBuilder bytewise(1);
  BloomFilterBuilder filter(10);
  for (int i = 0; i < 20; ++i) {
    const std::string k = "key" + std::to_string(100 + i);
    data.Add(IKey(k, 50 - static_cast<SequenceNumber>(i), ValueType::kValue), "v" + std::to_string(i));
    bytewise.Add(k, "handle" + std::to_string(i));
    filter.AddKey(k);
  }
  Seed("block_fuzz", "internal_keys", data.Finish());
  Seed("block_fuzz", "bytewise_keys", bytewise.Finish());
  TableProperties props;
  props.num_entries = 20;
  props.smallest_key = IKey("a", 1, ValueType::kValue);
  props.largest_key = IKey("z", 9, ValueType::kValue);
  Seed("meta_blocks_fuzz", "properties", EncodeTableProperties(props));
  Seed("meta_blocks_fuzz", "filter", filter.Finish());

  // A WAL and a manifest, written by a database.
  MemFileSystem fs;
  Options options;
  std::unique_ptr<DB> db;
  if (!DBImpl::Open(options, "/db", &fs, &db).ok()) {
    std::abort();
  }
  WriteOptions synced;
  synced.sync = true;
  db->Put(synced, "alpha", "1").IgnoreError();
  WriteBatch batch;
  batch.Put("beta", "2");
  batch.Delete("alpha");
  batch.DeleteRange("c", "d");
  db->Write(synced, &batch).IgnoreError();
  db->Flush().IgnoreError();
  db->Put(synced, "gamma", "3").IgnoreError();
  // Fragments across blocks (first, middle, last).
  db->Put(WriteOptions(), std::string(100, 'k'), std::string(90000, 'v')).IgnoreError();
  db->Close().IgnoreError();
  std::vector<std::string> names;
  fs.GetChildren("/db", &names).IgnoreError();
  for (const std::string& name : names) {
    std::string bytes;
    if (!ReadFileToString(&fs, "/db/" + name, &bytes).ok()) {
      continue;
    }
    if (name.ends_with(".log") || name.starts_with("MANIFEST-")) {
      Seed("wal_reader_fuzz", name, bytes);
    } else if (name == "CURRENT") {
      Seed("version_edit_fuzz", "current", bytes);
    }
  }

  // A version edit with every field, and write batches.
  VersionEdit edit;
  edit.log_number = 7;
  edit.next_file_number = 12;
  edit.last_sequence = 345;
  edit.DeleteFile(0, 5);
  FileMetaData f;
  f.number = 9;
  f.file_size = 4096;
  f.smallest = IKey("a", 3, ValueType::kValue);
  f.largest = IKey("m", 4, ValueType::kDeletion);
  edit.AddFile(1, f);
  edit.closed_wal = std::make_pair(std::uint64_t{11}, std::uint64_t{2048});
  std::string encoded;
  edit.EncodeTo(&encoded);
  Seed("version_edit_fuzz", "edit", encoded);
  WriteBatchInternal::SetSequence(batch, 77);
  Seed("write_batch_fuzz", "batch", WriteBatchInternal::Contents(batch));
  WriteBatch empty;
  Seed("write_batch_fuzz", "empty", WriteBatchInternal::Contents(empty));

  // Programs for the model target.
  std::mt19937 rng(3);
  for (int n : {16, 64, 256, 1024}) {
    std::string program(static_cast<std::size_t>(n), '\0');
    for (char& c : program) {
      c = static_cast<char>(rng());
    }
    Seed("db_model_fuzz", "program" + std::to_string(n), program);
  }
}

}  // namespace
}  // namespace aeternus

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: aeternus-fuzz-seeds DIR\n");
    return 2;
  }
  aeternus::root = argv[1];
  aeternus::Run();
  return 0;
}
