#pragma once
// Block compression codecs behind one interface. Which codecs exist depends
// on the build (AETERNUS_WITH_ZSTD, AETERNUS_WITH_LZ4); CompressionType
// values are persisted (see include/aeternus/options.h and
// docs/format/sstable.md, "Compression").
//
// Thread safety: all functions may be called concurrently; codec contexts
// are per thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "aeternus/options.h"

namespace aeternus {

// True when this build can compress and decompress `type`. kNone is always
// supported.
bool CompressionSupported(CompressionType type);

// "none", "zstd", "lz4", or "unknown".
std::string_view CompressionTypeName(CompressionType type);

// Appends the codec's encoding of `input` to *out: a zstd frame or a raw LZ4
// block. The uncompressed size is not recorded; the caller keeps it.
// False (with *out unchanged) when the codec is not built in, is kNone, or
// fails.
bool CompressBytes(CompressionType type, std::string_view input, std::string* out);

// Decodes `input` into exactly `output_size` bytes at `output`. False when
// the codec is unavailable, the input is malformed, or it does not decode
// to exactly output_size bytes. Never writes past output + output_size.
bool UncompressBytes(CompressionType type, std::string_view input, char* output,
                     std::size_t output_size);

}  // namespace aeternus
