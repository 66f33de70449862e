// A table file of arbitrary bytes: open (footer, index, filter,
// range-deletion and properties blocks), iterate both ways, seek and get,
// read through a mapping and through a copy, and once with data blocks
// read unverified (as with paranoid_checks off), so that damaged blocks
// reach the block parser rather than stop at their checksums.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_input.h"
#include "key/internal_key.h"
#include "sstable/table_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (int mode = 0; mode < 3; ++mode) {
    const bool mapped = mode != 1;
    const bool verify = mode != 2;
    TableReaderOptions options;
    options.file_name = "000007.sst";
    options.verify_checksums = verify;
    TableReadOptions read_options;
    read_options.verify_checksums = verify;
    std::unique_ptr<TableReader> reader;
    if (!TableReader::Open(options, std::make_unique<fuzz::BytesFile>(bytes, mapped), size,
                           &reader)
             .ok()) {
      continue;
    }
    auto it = reader->NewIterator(read_options);
    int steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 10000; it->Next(), ++steps) {
    }
    for (it->SeekToLast(); it->Valid() && steps < 20000; it->Prev(), ++steps) {
    }
    for (std::string_view user_key : {"", "a", "key", "zzzz"}) {
      const LookupKey lookup(user_key, kMaxSequenceNumber);
      it->Seek(lookup.internal_key());
      it->SeekForPrev(lookup.internal_key());
      TableReader::GetResult result;
      reader->Get(read_options, lookup.internal_key(), &result).IgnoreError();
    }
    it->status().IgnoreError();
  }
  return 0;
}
