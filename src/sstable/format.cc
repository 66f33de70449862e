#include "sstable/format.h"

#include <cstring>
#include <string>

#include "env/file_system.h"
#include "util/coding.h"
#include "util/compression.h"
#include "util/crc32c.h"
#include "util/status_macros.h"

namespace aeternus {
namespace {

std::string AtOffset(std::string_view what, std::uint64_t offset) {
  std::string s(what);
  s.append(" at offset ");
  s.append(std::to_string(offset));
  return s;
}

// Largest ratio of uncompressed to compressed bytes each codec can produce,
// used to refuse a recorded size no valid payload could have. zstd: an RLE
// block of 4 bytes expands to at most 128 KiB. LZ4: each length byte adds
// at most 255 bytes of output.
constexpr std::uint64_t kZstdMaxRatio = 32768;
constexpr std::uint64_t kLz4MaxRatio = 256;

}  // namespace

void BlockHandle::EncodeTo(std::string& dst) const {
  char buf[kMaxEncodedLength];
  char* p = EncodeVarint64(buf, offset);
  p = EncodeVarint64(p, size);
  dst.append(buf, static_cast<std::size_t>(p - buf));
}

bool BlockHandle::DecodeFrom(std::string_view& in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

void Footer::EncodeTo(std::string& dst) const {
  const std::size_t base = dst.size();
  PutFixed64(dst, metaindex_handle.offset);
  PutFixed64(dst, metaindex_handle.size);
  PutFixed64(dst, index_handle.offset);
  PutFixed64(dst, index_handle.size);
  dst.push_back(static_cast<char>(format_version));
  dst.append(3, '\0');
  PutFixed32(dst, crc32c::Mask(crc32c::Value(dst.data() + base, kFooterCrcOffset)));
  PutFixed64(dst, kTableMagic);
}

Status Footer::DecodeFrom(std::string_view input, std::string_view file_name, Footer* out) {
  if (input.size() != kFooterSize) {
    return Status::Corruption(file_name, "table footer has the wrong size");
  }
  const char* p = input.data();
  if (DecodeFixed64(p + kFooterSize - 8) != kTableMagic) {
    return Status::Corruption(file_name, "not a table file (bad magic number)");
  }
  const std::uint32_t stored = crc32c::Unmask(DecodeFixed32(p + kFooterCrcOffset));
  if (stored != crc32c::Value(p, kFooterCrcOffset)) {
    return Status::Corruption(file_name, "table footer checksum mismatch");
  }
  const auto version = static_cast<std::uint8_t>(p[32]);
  if (version > static_cast<std::uint8_t>(kLatestTableFormat)) {
    return Status::NotSupported(
        file_name, "table format version " + std::to_string(version) +
                       " is newer than this build supports (" +
                       std::to_string(static_cast<int>(kLatestTableFormat)) + ")");
  }
  if (version == 0) {
    return Status::Corruption(file_name, "table format version 0 is invalid");
  }
  out->metaindex_handle.offset = DecodeFixed64(p);
  out->metaindex_handle.size = DecodeFixed64(p + 8);
  out->index_handle.offset = DecodeFixed64(p + 16);
  out->index_handle.size = DecodeFixed64(p + 24);
  out->format_version = version;
  return Status::OK();
}

BlockContents BlockContents::Copy(std::string_view bytes) {
  BlockContents c;
  c.buffer = std::make_unique_for_overwrite<char[]>(bytes.size());
  if (!bytes.empty()) {
    std::memcpy(c.buffer.get(), bytes.data(), bytes.size());
  }
  c.data = std::string_view(c.buffer.get(), bytes.size());
  return c;
}

Status ReadBlock(const RandomAccessFile& file, std::uint64_t file_size,
                 std::string_view file_name, const BlockHandle& handle,
                 bool verify_checksum, BlockContents* out) {
  // Blocks lie wholly before the footer; checked without overflow.
  const std::uint64_t limit = file_size >= kFooterSize ? file_size - kFooterSize : 0;
  if (handle.offset > limit || handle.size > limit - handle.offset ||
      kBlockTrailerSize > limit - handle.offset - handle.size) {
    return Status::Corruption(
        file_name, AtOffset("block handle (size " + std::to_string(handle.size) +
                                ") out of file bounds",
                            handle.offset));
  }
  const auto n = static_cast<std::size_t>(handle.size);
  // A mapped file is read in place: no buffer, and an uncompressed block
  // borrows the mapping.
  const bool mapped = file.MemoryMapped();
  std::unique_ptr<char[]> buf;
  if (!mapped) {
    buf = std::make_unique_for_overwrite<char[]>(n + kBlockTrailerSize);
  }
  std::string_view raw;
  AE_RETURN_IF_ERROR(file.Read(handle.offset, n + kBlockTrailerSize, buf.get(), &raw));
  if (raw.size() != n + kBlockTrailerSize) {
    return Status::Corruption(file_name, AtOffset("truncated block read", handle.offset));
  }
  const char* trailer = raw.data() + n;
  if (verify_checksum) {
    const std::uint32_t stored = crc32c::Unmask(DecodeFixed32(trailer + 1));
    if (stored != crc32c::Value(raw.data(), n + 1)) {
      return Status::Corruption(file_name, AtOffset("block checksum mismatch", handle.offset));
    }
  }
  const auto type = static_cast<CompressionType>(static_cast<std::uint8_t>(trailer[0]));
  switch (type) {
    case CompressionType::kNone:
      if (mapped) {
        out->buffer.reset();
        out->data = raw.substr(0, n);  // borrowed: valid while `file` lives
        return Status::OK();
      }
      if (raw.data() != buf.get()) {
        std::memcpy(buf.get(), raw.data(), n);
      }
      out->buffer = std::move(buf);
      out->data = std::string_view(out->buffer.get(), n);
      return Status::OK();
    case CompressionType::kZstd:
    case CompressionType::kLz4:
      break;
    default:
      return Status::Corruption(
          file_name, AtOffset("unknown block compression type " +
                                  std::to_string(static_cast<int>(trailer[0] & 0xff)),
                              handle.offset));
  }
  if (!CompressionSupported(type)) {
    return Status::NotSupported(
        file_name, AtOffset(std::string("block compressed with ") +
                                std::string(CompressionTypeName(type)) +
                                ", which this build does not include",
                            handle.offset));
  }
  std::string_view payload(raw.data(), n);
  std::uint32_t raw_size = 0;
  if (!GetVarint32(payload, &raw_size)) {
    return Status::Corruption(file_name,
                              AtOffset("bad compressed block header", handle.offset));
  }
  const std::uint64_t max_ratio =
      type == CompressionType::kZstd ? kZstdMaxRatio : kLz4MaxRatio;
  if (raw_size > payload.size() * max_ratio + 64) {
    return Status::Corruption(
        file_name, AtOffset("implausible uncompressed block size", handle.offset));
  }
  auto plain = std::make_unique_for_overwrite<char[]>(raw_size);
  if (!UncompressBytes(type, payload, plain.get(), raw_size)) {
    return Status::Corruption(file_name,
                              AtOffset("block does not decompress", handle.offset));
  }
  out->buffer = std::move(plain);
  out->data = std::string_view(out->buffer.get(), raw_size);
  return Status::OK();
}

std::string_view CompressBlock(std::string_view contents, CompressionType requested,
                               std::string* scratch, CompressionType* stored_type) {
  *stored_type = CompressionType::kNone;
  if (requested == CompressionType::kNone) {
    return contents;
  }
  scratch->clear();
  PutVarint32(*scratch, static_cast<std::uint32_t>(contents.size()));
  if (!CompressBytes(requested, contents, scratch) ||
      scratch->size() >= contents.size() - contents.size() / 8) {
    return contents;
  }
  *stored_type = requested;
  return *scratch;
}

void EncodeBlockTrailer(std::string_view payload, CompressionType type,
                        char (&trailer)[kBlockTrailerSize]) {
  trailer[0] = static_cast<char>(type);
  std::uint32_t crc = crc32c::Value(payload);
  crc = crc32c::Extend(crc, trailer, 1);
  EncodeFixed32(trailer + 1, crc32c::Mask(crc));
}

}  // namespace aeternus
