#include "testutil/model_compare.h"

#include <memory>

#include "aeternus/iterator.h"
#include "aeternus/options.h"

#include "testutil/db_test_base.h"

namespace aeternus::test {

Status ReadAll(DB& db, std::map<std::string, std::string>* out) {
  out->clear();
  auto it = db.NewIterator(ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    (*out)[std::string(it->key())] = std::string(it->value());
  }
  return it->status();
}

std::string DescribeDiff(const std::map<std::string, std::string>& expected,
                         const std::map<std::string, std::string>& actual, int max) {
  std::string out;
  int n = 0;
  auto e = expected.begin();
  auto a = actual.begin();
  while ((e != expected.end() || a != actual.end()) && n < max) {
    if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
      out += "\n  missing " + Escape(e->first) + "=" + Escape(e->second.substr(0, 40));
      ++e;
      ++n;
    } else if (e == expected.end() || a->first < e->first) {
      out += "\n  unexpected " + Escape(a->first) + "=" + Escape(a->second.substr(0, 40));
      ++a;
      ++n;
    } else {
      if (e->second != a->second) {
        out += "\n  " + Escape(e->first) + ": expected " + Escape(e->second.substr(0, 40)) +
               "... got " + Escape(a->second.substr(0, 40)) + "...";
        ++n;
      }
      ++e;
      ++a;
    }
  }
  return out;
}

}  // namespace aeternus::test
