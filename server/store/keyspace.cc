#include "store/keyspace.h"

#include <chrono>

namespace aeternus::server {
namespace {

constexpr char kStringPrefix = '\x01';
constexpr char kAfterStrings = '\x02';

}  // namespace

std::string Keyspace::EngineKey(std::string_view key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(kStringPrefix);
  k.append(key);
  return k;
}

void Keyspace::BatchPut(WriteBatch* batch, std::string_view key, std::string_view encoded_value) {
  batch->Put(EngineKey(key), encoded_value);
}

void Keyspace::BatchDelete(WriteBatch* batch, std::string_view key) {
  batch->Delete(EngineKey(key));
}

void Keyspace::BatchDeleteAll(WriteBatch* batch) {
  batch->DeleteRange(std::string(1, kStringPrefix), std::string(1, kAfterStrings));
}

std::unique_ptr<Iterator> Keyspace::NewKeyIterator() const {
  ReadOptions ro;
  ro.fill_cache = false;
  ro.lower_bound = std::string(1, kStringPrefix);
  ro.upper_bound = std::string(1, kAfterStrings);
  return db_->NewIterator(ro);
}

Keyspace::Keyspace(DB* db, bool sync, const Options& options)
    : db_(db),
      max_engine_key_bytes_(options.max_key_size),
      max_engine_value_bytes_(options.max_value_size) {
  write_options_.sync = sync;
}

Status Keyspace::CheckPut(std::string_view key, std::size_t encoded_size) const {
  // The engine key is one byte longer than the Redis key.
  if (key.size() + 1 > max_engine_key_bytes_) {
    return Status::InvalidArgument("key of " + std::to_string(key.size()) + " bytes exceeds " +
                                   std::to_string(max_engine_key_bytes_ - 1));
  }
  if (encoded_size > max_engine_value_bytes_) {
    return Status::InvalidArgument("value of " + std::to_string(encoded_size) +
                                   " bytes exceeds " + std::to_string(max_engine_value_bytes_));
  }
  return Status::OK();
}

Status Keyspace::Get(std::string_view key, std::int64_t now_ms, KeyEntry* entry,
                     const Snapshot* snapshot) const {
  ReadOptions ro;
  ro.snapshot = snapshot;
  entry->state = KeyEntry::State::kMissing;
  entry->data = {};
  entry->expires_at_ms.reset();
  Status s = db_->Get(ro, EngineKey(key), &entry->encoded);
  if (s.IsNotFound()) {
    return Status::OK();
  }
  if (!s.ok()) {
    return s;
  }
  Decode(now_ms, entry);
  return Status::OK();
}

void Keyspace::Decode(std::int64_t now_ms, KeyEntry* entry) {
  entry->state = KeyEntry::State::kMissing;
  entry->data = {};
  entry->expires_at_ms.reset();
  const std::optional<StoredValue> v = DecodeValue(entry->encoded);
  if (!v) {
    entry->state = KeyEntry::State::kOtherType;
    return;
  }
  if (IsExpired(*v, now_ms)) {
    return;
  }
  entry->state = KeyEntry::State::kString;
  entry->data = v->data;
  entry->expires_at_ms = v->expires_at_ms;
}

Status Keyspace::Write(WriteBatch* batch) { return db_->Write(write_options_, batch); }

std::int64_t Keyspace::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace aeternus::server
