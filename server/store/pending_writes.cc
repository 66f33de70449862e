#include "store/pending_writes.h"

#include <algorithm>

namespace aeternus::server {

PendingWrites::~PendingWrites() { Commit().IgnoreError(); }

bool PendingWrites::Claim(std::span<const std::string_view> keys) {
  KeyLocks& locks = keyspace_.locks();
  std::vector<KeyLocks::Hash>& hashes = claim_hashes_;  // reused: no allocation per command
  hashes.clear();
  for (std::string_view key : keys) {
    hashes.push_back(KeyLocks::HashOf(key));
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  if (!holds_all_keys_shared_) {
    // Nothing is claimed yet: waiting (for a FLUSHDB) holds nothing up.
    locks.all_keys().LockShared();
    holds_all_keys_shared_ = true;
  }
  bool taken = true;
  for (KeyLocks::Hash h : hashes) {
    const KeyLocks::TryResult r = locks.TryClaim(h, this);
    if (r == KeyLocks::TryResult::kHeldByOther) {
      taken = false;
      break;
    }
    if (r == KeyLocks::TryResult::kClaimed) {
      claims_.push_back(h);
    }
  }
  if (taken) {
    return false;
  }
  // Another loop holds one. A loop never waits while holding claims taken
  // without waiting: commit (which releases them all), then wait for these
  // in ascending hash order, holding only the lower ones meanwhile.
  Commit().IgnoreError();  // the error reaches the held replies (on_commit)
  locks.all_keys().LockShared();
  holds_all_keys_shared_ = true;
  for (KeyLocks::Hash h : hashes) {
    locks.Claim(h, this);
    claims_.push_back(h);
  }
  return true;
}

Status PendingWrites::Get(std::string_view key, std::int64_t now_ms, KeyEntry* entry,
                          const Snapshot* snapshot) const {
  if (!written_.empty()) {
    if (const auto it = written_.find(key); it != written_.end()) {
      if (!it->second) {
        entry->state = KeyEntry::State::kMissing;
        entry->data = {};
        entry->expires_at_ms.reset();
        return Status::OK();
      }
      entry->encoded = *it->second;
      Keyspace::Decode(now_ms, entry);
      return Status::OK();
    }
  }
  return keyspace_.Get(key, now_ms, entry, snapshot);
}

Status PendingWrites::Put(std::string_view key, std::string_view data,
                          std::optional<std::int64_t> expires_at_ms) {
  if (Status s = CheckPut(key, data); !s.ok()) {
    return s;
  }
  std::string encoded = EncodeValue(data, expires_at_ms);
  Keyspace::BatchPut(&batch_, key, encoded);
  written_.insert_or_assign(std::string(key), std::move(encoded));
  ++writes_;
  return Status::OK();
}

void PendingWrites::Delete(std::string_view key) {
  Keyspace::BatchDelete(&batch_, key);
  written_.insert_or_assign(std::string(key), std::nullopt);
  ++writes_;
}

Status PendingWrites::Commit() {
  Status s;
  const std::size_t wrote = writes_;
  if (wrote > 0) {
    s = keyspace_.Write(&batch_);  // under the claims of every key written
    batch_.Clear();
    written_.clear();
    writes_ = 0;
  }
  ReleaseClaims();
  if (wrote > 0 && on_commit_) {
    on_commit_(s, wrote);
  }
  return s;
}

void PendingWrites::ReleaseClaims() {
  KeyLocks& locks = keyspace_.locks();
  for (KeyLocks::Hash h : claims_) {
    locks.Release(h);
  }
  claims_.clear();
  if (holds_all_keys_shared_) {
    locks.all_keys().UnlockShared();
    holds_all_keys_shared_ = false;
  }
}

}  // namespace aeternus::server
