#include "backend.h"

#include <sstream>

namespace aeternus::bench {

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kZstd:
      return "zstd";
    case Compression::kLz4:
      return "lz4";
  }
  return "?";
}

std::string_view CompactionStyleName(CompactionStyle style) {
  switch (style) {
    case CompactionStyle::kLeveled:
      return "leveled";
    case CompactionStyle::kTiered:
      return "tiered";
  }
  return "?";
}

std::vector<std::string_view> BuiltBackends() {
  std::vector<std::string_view> names = {"aeternus"};
#ifdef AETERNUS_BENCH_WITH_ROCKSDB
  names.push_back("rocksdb");
#endif
#ifdef AETERNUS_BENCH_WITH_LEVELDB
  names.push_back("leveldb");
#endif
  return names;
}

std::vector<std::string_view> UnavailableBackends() {
  std::vector<std::string_view> names;
#ifndef AETERNUS_BENCH_WITH_ROCKSDB
  names.push_back("rocksdb");
#endif
#ifndef AETERNUS_BENCH_WITH_LEVELDB
  names.push_back("leveldb");
#endif
  return names;
}

std::unique_ptr<Backend> NewBackend(std::string_view name) {
  if (name == "aeternus") {
    return NewAeternusBackend();
  }
#ifdef AETERNUS_BENCH_WITH_ROCKSDB
  if (name == "rocksdb") {
    return NewRocksDbBackend();
  }
#endif
#ifdef AETERNUS_BENCH_WITH_LEVELDB
  if (name == "leveldb") {
    return NewLevelDbBackend();
  }
#endif
  return nullptr;
}

std::string FormatBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + kUnits[unit];
}

std::string FormatBool(bool value) { return value ? "true" : "false"; }

std::string FormatRatio(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// `s` with `context` in front of its message, keeping its code.
Status WithContext(const Status& s, std::string_view context) {
  const std::string message = std::string(context) + ": " + std::string(s.message());
  switch (s.code()) {
    case Status::Code::kOk:
      return Status::OK();
    case Status::Code::kNotFound:
      return Status::NotFound(message);
    case Status::Code::kCorruption:
      return Status::Corruption(message);
    case Status::Code::kNotSupported:
      return Status::NotSupported(message);
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(message);
    case Status::Code::kBusy:
      return Status::Busy(message);
    case Status::Code::kAborted:
      return Status::Aborted(message);
    case Status::Code::kIOError:
      break;
  }
  return Status::IOError(message);
}

}  // namespace aeternus::bench
