#include "testutil/model_updates.h"

#include "aeternus/write_batch.h"

namespace aeternus::test {

void ApplyToModel(const std::vector<Update>& updates, std::map<std::string, std::string>* model) {
  for (const auto& u : updates) {
    switch (u.kind) {
      case Update::kPut:
        (*model)[u.key] = u.value;
        break;
      case Update::kDelete:
        model->erase(u.key);
        break;
      case Update::kDeleteRange:
        model->erase(model->lower_bound(u.key), model->lower_bound(u.value));
        break;
    }
  }
}

Status ApplyToDB(const std::vector<Update>& updates, DB& db, const WriteOptions& wo) {
  if (updates.size() == 1) {
    const auto& u = updates[0];
    switch (u.kind) {
      case Update::kPut:
        return db.Put(wo, u.key, u.value);
      case Update::kDelete:
        return db.Delete(wo, u.key);
      case Update::kDeleteRange:
        return db.DeleteRange(wo, u.key, u.value);
    }
  }
  WriteBatch batch;
  for (const auto& u : updates) {
    switch (u.kind) {
      case Update::kPut:
        batch.Put(u.key, u.value);
        break;
      case Update::kDelete:
        batch.Delete(u.key);
        break;
      case Update::kDeleteRange:
        batch.DeleteRange(u.key, u.value);
        break;
    }
  }
  return db.Write(wo, &batch);
}

RecoverableStates StatesAfterKill(const std::map<std::string, std::string>& start,
                                  std::uint32_t acked,
                                  const std::function<std::vector<Update>(std::uint32_t)>& op) {
  RecoverableStates states;
  states.with_acked = start;
  for (std::uint32_t i = 0; i < acked; ++i) {
    ApplyToModel(op(i), &states.with_acked);
  }
  states.with_in_flight = states.with_acked;
  ApplyToModel(op(acked), &states.with_in_flight);
  return states;
}

}  // namespace aeternus::test
