#include "util/compression.h"

#include <limits>
#include <memory>

#ifdef AETERNUS_WITH_ZSTD
#include <zstd.h>
#endif
#ifdef AETERNUS_WITH_LZ4
#include <lz4.h>
#endif

namespace aeternus {
namespace {

#ifdef AETERNUS_WITH_ZSTD
// zstd level 3 is the library default: a good ratio at LZ4-like decode speed.
inline constexpr int kZstdLevel = 3;

struct ZstdCCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// One context per thread: creating one costs an allocation of ~100 KiB.
ZSTD_CCtx* ThreadZstdCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdCCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}
#endif

}  // namespace

bool CompressionSupported(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return true;
    case CompressionType::kZstd:
#ifdef AETERNUS_WITH_ZSTD
      return true;
#else
      return false;
#endif
    case CompressionType::kLz4:
#ifdef AETERNUS_WITH_LZ4
      return true;
#else
      return false;
#endif
  }
  return false;
}

std::string_view CompressionTypeName(CompressionType type) {
  switch (type) {
    case CompressionType::kNone:
      return "none";
    case CompressionType::kZstd:
      return "zstd";
    case CompressionType::kLz4:
      return "lz4";
  }
  return "unknown";
}

bool CompressBytes(CompressionType type, std::string_view input, std::string* out) {
  const std::size_t base = out->size();
  switch (type) {
    case CompressionType::kNone:
      return false;
    case CompressionType::kZstd: {
#ifdef AETERNUS_WITH_ZSTD
      ZSTD_CCtx* ctx = ThreadZstdCCtx();
      if (ctx == nullptr) {
        return false;
      }
      const std::size_t bound = ZSTD_compressBound(input.size());
      out->resize(base + bound);
      const std::size_t n = ZSTD_compressCCtx(ctx, out->data() + base, bound, input.data(),
                                              input.size(), kZstdLevel);
      if (ZSTD_isError(n)) {
        out->resize(base);
        return false;
      }
      out->resize(base + n);
      return true;
#else
      return false;
#endif
    }
    case CompressionType::kLz4: {
#ifdef AETERNUS_WITH_LZ4
      if (input.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) {
        return false;
      }
      const int in_size = static_cast<int>(input.size());
      const int bound = LZ4_compressBound(in_size);
      out->resize(base + static_cast<std::size_t>(bound));
      const int n = LZ4_compress_default(input.data(), out->data() + base, in_size, bound);
      if (n <= 0) {
        out->resize(base);
        return false;
      }
      out->resize(base + static_cast<std::size_t>(n));
      return true;
#else
      return false;
#endif
    }
  }
  return false;
}

bool UncompressBytes(CompressionType type, std::string_view input, char* output,
                     std::size_t output_size) {
  switch (type) {
    case CompressionType::kNone:
      return false;
    case CompressionType::kZstd: {
#ifdef AETERNUS_WITH_ZSTD
      ZSTD_DCtx* ctx = ThreadZstdDCtx();
      if (ctx == nullptr) {
        return false;
      }
      const std::size_t n =
          ZSTD_decompressDCtx(ctx, output, output_size, input.data(), input.size());
      return !ZSTD_isError(n) && n == output_size;
#else
      return false;
#endif
    }
    case CompressionType::kLz4: {
#ifdef AETERNUS_WITH_LZ4
      constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<int>::max());
      if (input.size() > kMax || output_size > kMax) {
        return false;
      }
      const int n = LZ4_decompress_safe(input.data(), output, static_cast<int>(input.size()),
                                        static_cast<int>(output_size));
      return n >= 0 && static_cast<std::size_t>(n) == output_size;
#else
      return false;
#endif
    }
  }
  return false;
}

}  // namespace aeternus
