#pragma once
// Comparing a DB with a model, a std::map of the pairs it should hold:
// ReadAll reads a DB's live pairs into such a map, and DescribeDiff lists
// how two maps differ, for a failure message.

#include <map>
#include <string>

#include "aeternus/db.h"
#include "aeternus/status.h"

namespace aeternus::test {

// Reads every live pair of `db` into *out; the iterator's final status.
Status ReadAll(DB& db, std::map<std::string, std::string>* out);

// Up to `max` differences between two models, as text: one line each,
// naming the key and the start of the values involved.
std::string DescribeDiff(const std::map<std::string, std::string>& expected,
                         const std::map<std::string, std::string>& actual, int max = 5);

}  // namespace aeternus::test
