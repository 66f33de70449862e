// A WAL entry's batch payload of arbitrary bytes: accepted as a batch,
// iterated, and inserted into a memtable.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aeternus/write_batch.h"
#include "db/write_batch_internal.h"
#include "memtable/memtable.h"

namespace {

class Counter final : public aeternus::WriteBatch::Handler {
 public:
  aeternus::Status Put(std::string_view, std::string_view) override { return {}; }
  aeternus::Status Delete(std::string_view) override { return {}; }
  aeternus::Status DeleteRange(std::string_view, std::string_view) override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  WriteBatch batch;
  if (!WriteBatchInternal::SetContents(batch, std::string_view(reinterpret_cast<const char*>(data), size))
           .ok()) {
    return 0;
  }
  Counter counter;
  if (batch.Iterate(&counter).ok()) {
    MemTable mem(1);
    WriteBatchInternal::InsertInto(batch, &mem).IgnoreError();
  }
  return 0;
}
