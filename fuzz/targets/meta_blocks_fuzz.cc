// The small decoders of a table's metadata over arbitrary bytes: the
// footer, the properties block and the bloom filter.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "filter/bloom.h"
#include "sstable/block.h"
#include "sstable/format.h"
#include "sstable/table_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Footer footer;
  Footer::DecodeFrom(bytes, "fuzz.sst", &footer).IgnoreError();
  const Block block(BlockContents::Copy(bytes));
  TableProperties props;
  DecodeTableProperties(block, &props).IgnoreError();
  const BloomFilterReader filter(bytes);
  for (std::string_view key : {"", "a", "key000001", "zzzzzzzzzzzzzzzz"}) {
    filter.KeyMayMatch(key);
  }
  return 0;
}
