// The WAL and manifest reader over arbitrary bytes, as a WAL and as a
// manifest (whose records are then decoded as version edits).

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "manifest/version_edit.h"
#include "wal/wal_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace aeternus;
  MemFileSystem fs;
  fs.CreateDir("/f").IgnoreError();
  fuzz::WriteFile(fs, "/f/000005.log", std::string_view(reinterpret_cast<const char*>(data), size));
  for (LogFileKind kind : {LogFileKind::kWal, LogFileKind::kManifest}) {
    std::unique_ptr<SequentialFile> file;
    if (!fs.NewSequentialFile("/f/000005.log", &file).ok()) {
      return 0;
    }
    WalReader reader(std::move(file), "000005.log", kind, 5);
    std::string record;
    while (reader.ReadRecord(&record)) {
      if (kind == LogFileKind::kManifest) {
        VersionEdit edit;
        edit.DecodeFrom(record).IgnoreError();
      }
    }
    reader.status().IgnoreError();
  }
  return 0;
}
