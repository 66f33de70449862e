#pragma once
// Update: one put, delete or range delete as data, so a test can draw its
// operations once and apply the same list both to a model (a std::map of
// the live pairs) and to a DB, then compare the two. StatesAfterKill gives
// the models a DB may recover to after its writer was killed.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "aeternus/status.h"

namespace aeternus::test {

struct Update {
  enum Kind { kPut, kDelete, kDeleteRange } kind;
  std::string key;
  std::string value;  // the end key for kDeleteRange
};

// Applies `updates` in order to `model`; a range delete erases the keys in
// [key, value).
void ApplyToModel(const std::vector<Update>& updates, std::map<std::string, std::string>* model);

// Applies `updates` to `db` with `wo`: a single update as its own Put,
// Delete or DeleteRange call, more than one as one WriteBatch.
Status ApplyToDB(const std::vector<Update>& updates, DB& db, const WriteOptions& wo);

// The states a DB may hold after a writer applying operations 0, 1, ... to
// it was killed with `acked` of them acknowledged.
struct RecoverableStates {
  // `start` after operations 0 .. acked - 1.
  std::map<std::string, std::string> with_acked;
  // with_acked after operation `acked` too, the one in flight at the kill.
  std::map<std::string, std::string> with_in_flight;
};

// `op(i)` gives the updates of operation i; it is called for 0 .. acked in
// order.
RecoverableStates StatesAfterKill(const std::map<std::string, std::string>& start,
                                  std::uint32_t acked,
                                  const std::function<std::vector<Update>(std::uint32_t)>& op);

}  // namespace aeternus::test
