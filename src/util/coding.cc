#include "util/coding.h"

namespace aeternus {

char* EncodeVarint64(char* dst, std::uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}

void PutVarint32(std::string& dst, std::uint32_t v) {
  char buf[5];
  dst.append(buf, EncodeVarint64(buf, v) - buf);
}

void PutVarint64(std::string& dst, std::uint64_t v) {
  char buf[10];
  dst.append(buf, EncodeVarint64(buf, v) - buf);
}

void PutLengthPrefixed(std::string& dst, std::string_view value) {
  PutVarint32(dst, static_cast<std::uint32_t>(value.size()));
  dst.append(value);
}

int VarintLength(std::uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

const char* GetVarint64Ptr(const char* p, const char* limit, std::uint64_t* v) {
  std::uint64_t result = 0;
  for (unsigned shift = 0; shift <= 63 && p < limit; shift += 7) {
    std::uint64_t byte = static_cast<unsigned char>(*p++);
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

const char* GetVarint32Ptr(const char* p, const char* limit, std::uint32_t* v) {
  if (p < limit && (static_cast<unsigned char>(*p) & 0x80) == 0) {
    *v = static_cast<unsigned char>(*p);
    return p + 1;
  }
  std::uint64_t wide = 0;
  const char* q = GetVarint64Ptr(p, limit, &wide);
  if (q == nullptr || q - p > 5 || wide > 0xffffffffu) {
    return nullptr;
  }
  *v = static_cast<std::uint32_t>(wide);
  return q;
}

bool GetVarint32(std::string_view& in, std::uint32_t* v) {
  const char* q = GetVarint32Ptr(in.data(), in.data() + in.size(), v);
  if (q == nullptr) {
    return false;
  }
  in.remove_prefix(q - in.data());
  return true;
}

bool GetVarint64(std::string_view& in, std::uint64_t* v) {
  const char* q = GetVarint64Ptr(in.data(), in.data() + in.size(), v);
  if (q == nullptr) {
    return false;
  }
  in.remove_prefix(q - in.data());
  return true;
}

bool GetFixed32(std::string_view& in, std::uint32_t* v) {
  if (in.size() < 4) {
    return false;
  }
  *v = DecodeFixed32(in.data());
  in.remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view& in, std::uint64_t* v) {
  if (in.size() < 8) {
    return false;
  }
  *v = DecodeFixed64(in.data());
  in.remove_prefix(8);
  return true;
}

bool GetLengthPrefixed(std::string_view& in, std::string_view* value) {
  std::uint32_t len = 0;
  if (!GetVarint32(in, &len) || in.size() < len) {
    return false;
  }
  *value = in.substr(0, len);
  in.remove_prefix(len);
  return true;
}

}  // namespace aeternus
