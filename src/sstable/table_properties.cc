#include "sstable/table_properties.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "sstable/block.h"
#include "sstable/block_builder.h"
#include "util/coding.h"

namespace aeternus {
namespace {

// Property names: persisted, never rename. Values are varint64 unless
// noted.
constexpr std::string_view kDataBytes = "aeternus.data_bytes";
constexpr std::string_view kFilterBytes = "aeternus.filter_bytes";
constexpr std::string_view kFormatVersion = "aeternus.format_version";
constexpr std::string_view kIndexBytes = "aeternus.index_bytes";
constexpr std::string_view kLargestKey = "aeternus.largest_key";  // raw bytes
constexpr std::string_view kLargestSeq = "aeternus.largest_seq";
constexpr std::string_view kNumDeletions = "aeternus.num_deletions";
constexpr std::string_view kNumEntries = "aeternus.num_entries";
constexpr std::string_view kNumRangeDeletions = "aeternus.num_range_deletions";
constexpr std::string_view kRawKeyBytes = "aeternus.raw_key_bytes";
constexpr std::string_view kRawValueBytes = "aeternus.raw_value_bytes";
constexpr std::string_view kSmallestKey = "aeternus.smallest_key";  // raw bytes
constexpr std::string_view kSmallestSeq = "aeternus.smallest_seq";

}  // namespace

std::string EncodeTableProperties(const TableProperties& props) {
  std::vector<std::pair<std::string_view, std::string>> fields;
  auto add_int = [&fields](std::string_view name, std::uint64_t v) {
    std::string value;
    PutVarint64(value, v);
    fields.emplace_back(name, std::move(value));
  };
  add_int(kDataBytes, props.data_bytes);
  add_int(kFilterBytes, props.filter_bytes);
  add_int(kFormatVersion, props.format_version);
  add_int(kIndexBytes, props.index_bytes);
  fields.emplace_back(kLargestKey, props.largest_key);
  add_int(kLargestSeq, props.largest_seq);
  add_int(kNumDeletions, props.num_deletions);
  add_int(kNumEntries, props.num_entries);
  add_int(kNumRangeDeletions, props.num_range_deletions);
  add_int(kRawKeyBytes, props.raw_key_bytes);
  add_int(kRawValueBytes, props.raw_value_bytes);
  fields.emplace_back(kSmallestKey, props.smallest_key);
  add_int(kSmallestSeq, props.smallest_seq);
  std::sort(fields.begin(), fields.end());

  BlockBuilder builder(1);
  for (const auto& [name, value] : fields) {
    builder.Add(name, value);
  }
  return std::string(builder.Finish());
}

Status DecodeTableProperties(const Block& block, TableProperties* out) {
  *out = TableProperties();
  BlockIter it;
  it.Init(&block, BlockKeyOrder::kBytewise);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    const std::string_view name = it.key();
    std::string_view value = it.value();
    if (name == kSmallestKey) {
      out->smallest_key.assign(value);
      continue;
    }
    if (name == kLargestKey) {
      out->largest_key.assign(value);
      continue;
    }
    std::uint64_t* field = nullptr;
    if (name == kDataBytes) {
      field = &out->data_bytes;
    } else if (name == kFilterBytes) {
      field = &out->filter_bytes;
    } else if (name == kIndexBytes) {
      field = &out->index_bytes;
    } else if (name == kLargestSeq) {
      field = &out->largest_seq;
    } else if (name == kNumDeletions) {
      field = &out->num_deletions;
    } else if (name == kNumEntries) {
      field = &out->num_entries;
    } else if (name == kNumRangeDeletions) {
      field = &out->num_range_deletions;
    } else if (name == kRawKeyBytes) {
      field = &out->raw_key_bytes;
    } else if (name == kRawValueBytes) {
      field = &out->raw_value_bytes;
    } else if (name == kSmallestSeq) {
      field = &out->smallest_seq;
    }
    std::uint64_t v = 0;
    if (name == kFormatVersion) {
      if (!GetVarint64(value, &v) || !value.empty() || v > 0xff) {
        return Status::Corruption("bad table property", name);
      }
      out->format_version = static_cast<std::uint8_t>(v);
      continue;
    }
    if (field == nullptr) {
      continue;  // a property from a newer writer
    }
    if (!GetVarint64(value, &v) || !value.empty()) {
      return Status::Corruption("bad table property", name);
    }
    *field = v;
  }
  return it.status();
}

}  // namespace aeternus
