// A manifest record's payload of arbitrary bytes, decoded as a version
// edit and encoded again.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "manifest/current_file.h"
#include "manifest/version_edit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  VersionEdit edit;
  if (edit.DecodeFrom(bytes).ok()) {
    std::string again;
    edit.EncodeTo(&again);
    VersionEdit reread;
    if (!reread.DecodeFrom(again).ok()) {
      __builtin_trap();  // what was decoded must encode to something decodable
    }
  }
  CurrentFile current;
  ParseCurrentFile(bytes, "CURRENT", &current).IgnoreError();
  return 0;
}
