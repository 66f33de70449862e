// A data (or index, or metaindex) block of arbitrary bytes, iterated both
// ways and searched, in both key orders, and in internal order also through
// IndexFences (whose range a damaged block may make wrong, but never unsafe).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sstable/block.h"
#include "sstable/index_fences.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  const Block block(BlockContents::Copy(std::string_view(reinterpret_cast<const char*>(data), size)));
  const IndexFences fences(block);
  for (BlockKeyOrder order : {BlockKeyOrder::kInternal, BlockKeyOrder::kBytewise}) {
    auto it = block.NewIterator(order);
    int steps = 0;
    for (it->SeekToFirst(); it->Valid() && steps < 10000; it->Next(), ++steps) {
    }
    for (it->SeekToLast(); it->Valid() && steps < 20000; it->Prev(), ++steps) {
    }
    // Targets as the engine makes them: internal keys (a user key and an
    // 8-byte trailer) in internal order, any bytes in bytewise order.
    for (std::string_view target :
         {std::string_view("\0\0\0\0\0\0\0\0", 8), std::string_view("key\0\0\0\0\0\0\0\1", 11),
          std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff")}) {
      it->Seek(target);
      it->SeekForPrev(target);
      if (order == BlockKeyOrder::kInternal) {
        BlockIter narrowed;
        narrowed.Init(&block);
        const IndexFences::Range r = fences.Narrow(target, block.num_restarts());
        narrowed.Seek(target, r.first, r.last);
        for (int i = 0; narrowed.Valid() && i < 3; ++i) {
          narrowed.Next();
        }
      }
    }
    if (order == BlockKeyOrder::kBytewise) {
      it->Seek("");
    }
    it->status().IgnoreError();
  }
  return 0;
}
