#pragma once
// JsonWriter: builds a JSON document into a string, adding the commas
// itself. Numbers that are not finite are written as null.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("ops"); w.Number(42);
//   w.EndObject();
//   std::string text = w.Take();
//
// Thread safety: none.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aeternus::bench {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // REQUIRES: inside an object, before each value.
  void Key(std::string_view key);
  void String(std::string_view value);
  void Number(double value);
  void Number(std::uint64_t value);
  void Bool(bool value);
  void Null();

  // The document; the writer is empty afterwards.
  std::string Take();

 private:
  void BeforeValue();
  void Quote(std::string_view text);

  std::string out_;
  // Per open object or array: whether it holds a value yet.
  std::vector<bool> has_value_;
  bool after_key_ = false;
};

}  // namespace aeternus::bench
