#pragma once
// Table file format: the constants, BlockHandle, Footer, the block trailer
// and ReadBlock, shared by TableBuilder and TableReader.
// The byte layout is specified in docs/format/sstable.md; keep both in step.
//
//   table  := data_block* filter_block? range_del_block? properties_block
//             metaindex_block index_block footer
//   block  := contents  type:uint8  crc:fixed32
//             crc = Mask(crc32c(contents ++ type))
//   footer := metaindex_handle  offset:fixed64 size:fixed64
//             index_handle      offset:fixed64 size:fixed64
//             format_version    uint8                       (TableFormat)
//             reserved          3 zero bytes
//             footer_crc        fixed32: Mask(crc32c of the 36 bytes above)
//             magic             fixed64: kTableMagic
//
// A BlockHandle's size excludes the block trailer. Integers are
// little-endian.
//
// Thread safety: free functions are reentrant; ReadBlock may run
// concurrently on one RandomAccessFile.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aeternus/options.h"
#include "aeternus/status.h"

namespace aeternus {

class RandomAccessFile;

// The last 8 bytes of every table file; on disk they read "aeternus".
inline constexpr std::uint64_t kTableMagic = 0x73756e7265746561ull;

// Versions of the table format. Append; never reuse or renumber a value.
//   1: initial (this file's layout).
enum class TableFormat : std::uint8_t { kV1 = 1 };
inline constexpr TableFormat kLatestTableFormat = TableFormat::kV1;

// Names in the metaindex block (name -> BlockHandle, bytewise order). A
// reader ignores names it does not know. Persisted: never rename.
inline constexpr std::string_view kMetaFilterName = "aeternus.filter.bloom";
inline constexpr std::string_view kMetaPropertiesName = "aeternus.properties";
inline constexpr std::string_view kMetaRangeDelName = "aeternus.range_del";

// Points at a block's contents within the file: [offset, offset + size).
// The block's trailer follows at offset + size.
struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;

  // Two varint64s, at most kMaxEncodedLength bytes.
  static constexpr std::size_t kMaxEncodedLength = 10 + 10;
  void EncodeTo(std::string& dst) const;
  // Consumes the handle from the front of `in`; false when malformed.
  bool DecodeFrom(std::string_view& in);
};

inline constexpr std::size_t kBlockTrailerSize = 1 + 4;  // type + masked crc32c

inline constexpr std::size_t kFooterSize = 16 + 16 + 1 + 3 + 4 + 8;
static_assert(kFooterSize == 48);
// Bytes of the footer covered by footer_crc.
inline constexpr std::size_t kFooterCrcOffset = 16 + 16 + 1 + 3;
static_assert(kFooterCrcOffset + 4 + 8 == kFooterSize);

struct Footer {
  BlockHandle metaindex_handle;
  BlockHandle index_handle;
  std::uint8_t format_version = static_cast<std::uint8_t>(kLatestTableFormat);

  // Appends exactly kFooterSize bytes.
  void EncodeTo(std::string& dst) const;
  // Decodes the last kFooterSize bytes of a table. Corruption naming
  // `file_name` for a bad size, magic or checksum; NotSupported for a
  // format_version newer than kLatestTableFormat (checked after the crc,
  // so a damaged version byte reads as Corruption).
  static Status DecodeFrom(std::string_view input, std::string_view file_name, Footer* out);
};

// Owned block bytes. `data` views into `buffer`, which may be larger.
struct BlockContents {
  // Owns `data`; null when `data` borrows a memory-mapped file's bytes (valid
  // while that file is open).
  std::unique_ptr<char[]> buffer;
  std::string_view data;

  // A copy of `bytes` (for blocks built in memory, and tests).
  static BlockContents Copy(std::string_view bytes);
};

// Reads the block at `handle` of a table of `file_size` bytes, checks its
// crc when `verify_checksum`, and decompresses it. Every failure is
// Corruption naming `file_name` and the block offset: a handle that does not
// lie wholly before the footer, a short read, a bad crc, an unknown type, or
// a compressed payload that does not decode to its recorded size. A codec
// not built in gives NotSupported. Errors of the file itself pass through.
Status ReadBlock(const RandomAccessFile& file, std::uint64_t file_size,
                 std::string_view file_name, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* out);

// Chooses the stored payload of a block: with `requested` != kNone,
// `uncompressed_size:varint32 codec_bytes` built in *scratch, unless that
// saves less than 1/8 of contents.size() (or the codec fails), in which case
// `contents` itself. *stored_type receives the type to put in the trailer.
// The result views `contents` or *scratch.
// REQUIRES: CompressionSupported(requested); contents.size() < 2^32.
std::string_view CompressBlock(std::string_view contents, CompressionType requested,
                               std::string* scratch, CompressionType* stored_type);

// The trailer of a block with stored payload `payload`:
// type:uint8, then fixed32 Mask(crc32c(payload ++ type)).
void EncodeBlockTrailer(std::string_view payload, CompressionType type,
                        char (&trailer)[kBlockTrailerSize]);

}  // namespace aeternus
