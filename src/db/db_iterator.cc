#include "db/db_iterator.h"

namespace aeternus {
namespace {

// Direction invariants (as in LevelDB's DBIter):
//   kForward: the internal iterator is at the entry that yields key()/value().
//   kReverse: the internal iterator is before every entry of key(); key and
//             value are held in saved_key_/saved_value_.
class DBIterator final : public Iterator {
 public:
  DBIterator(std::unique_ptr<InternalIterator> internal,
             std::vector<const RangeTombstoneList*> tombstones, SequenceNumber sequence,
             std::optional<std::string> lower, std::optional<std::string> upper,
             std::shared_ptr<const void> pin, ReadSampler sampler)
      : pin_(std::move(pin)),
        sampler_(std::move(sampler)),
        iter_(std::move(internal)),
        tombstones_(std::move(tombstones)),
        sequence_(sequence),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {
    std::erase_if(tombstones_, [](const RangeTombstoneList* t) { return t->empty(); });
    // Each iterator draws its own intervals: short-lived iterators must
    // not all start at the same point of one sequence.
    thread_local std::uint64_t seeds = 0x9e3779b97f4a7c15ull;
    seeds += 0x9e3779b97f4a7c15ull;
    random_ = seeds | 1;
    bytes_until_sample_ = NextSamplePeriod();
  }

  bool Valid() const override { return valid_; }

  std::string_view key() const override {
    return direction_ == Direction::kForward ? ExtractUserKey(iter_->key())
                                             : std::string_view(saved_key_);
  }
  std::string_view value() const override {
    return direction_ == Direction::kForward ? iter_->value()
                                             : std::string_view(saved_value_);
  }
  Status status() const override { return status_.ok() ? iter_->status() : status_; }

  void SeekToFirst() override {
    if (lower_) {
      Seek(*lower_);
      return;
    }
    direction_ = Direction::kForward;
    ClearSaved();
    iter_->SeekToFirst();
    FindNextUserEntry(false);
  }

  void SeekToLast() override {
    if (upper_) {
      // The last entry before every version of the (exclusive) upper bound.
      direction_ = Direction::kReverse;
      ClearSaved();
      LookupKey k(*upper_, kMaxSequenceNumber);
      iter_->SeekForPrev(k.internal_key());
      FindPrevUserEntry();
      return;
    }
    direction_ = Direction::kReverse;
    ClearSaved();
    iter_->SeekToLast();
    FindPrevUserEntry();
  }

  void Seek(std::string_view target) override {
    direction_ = Direction::kForward;
    ClearSaved();
    if (lower_ && target < std::string_view(*lower_)) {
      target = *lower_;
    }
    LookupKey k(target, sequence_);
    iter_->Seek(k.internal_key());
    FindNextUserEntry(false);
  }

  void SeekForPrev(std::string_view target) override {
    if (upper_ && target >= std::string_view(*upper_)) {
      SeekToLast();
      return;
    }
    direction_ = Direction::kReverse;
    ClearSaved();
    // (target, 0, kDeletion) sorts after every entry of target.
    std::string k;
    AppendInternalKey(k, target, 0, ValueType::kDeletion);
    iter_->SeekForPrev(k);
    FindPrevUserEntry();
  }

  void Next() override {
    if (direction_ == Direction::kReverse) {
      direction_ = Direction::kForward;
      // iter_ is before every entry of saved_key_; step into them, then
      // skip them all.
      if (!iter_->Valid()) {
        iter_->SeekToFirst();
      } else {
        iter_->Next();
      }
      if (!iter_->Valid()) {
        valid_ = false;
        saved_key_.clear();
        return;
      }
      // saved_key_ already holds the key to skip.
    } else {
      saved_key_.assign(ExtractUserKey(iter_->key()));
      iter_->Next();
    }
    FindNextUserEntry(true);
  }

  void Prev() override {
    if (direction_ == Direction::kForward) {
      // Walk back to the entry before every version of the current key.
      saved_key_.assign(ExtractUserKey(iter_->key()));
      while (true) {
        iter_->Prev();
        if (!iter_->Valid()) {
          valid_ = false;
          saved_key_.clear();
          ClearSaved();
          return;
        }
        if (ExtractUserKey(iter_->key()) < std::string_view(saved_key_)) {
          break;
        }
      }
      direction_ = Direction::kReverse;
    }
    FindPrevUserEntry();
  }

 private:
  enum class Direction { kForward, kReverse };

  // Uniform in [0, 2 MiB): a sample per MiB stepped over, on average.
  std::int64_t NextSamplePeriod() {
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    return static_cast<std::int64_t>((random_ * 0x2545f4914f6cdd1dull) >> 43);
  }

  // Counts the internal iterator's current entry towards the next sample.
  void CountRead(std::string_view user_key) {
    bytes_until_sample_ -= static_cast<std::int64_t>(iter_->key().size() + iter_->value().size());
    if (bytes_until_sample_ < 0) {
      bytes_until_sample_ += NextSamplePeriod();
      if (sampler_) {
        sampler_(user_key);
      }
    }
  }

  void ClearSaved() {
    saved_value_.clear();
    if (saved_value_.capacity() > 1 << 20) {
      std::string().swap(saved_value_);
    }
  }

  // True when a range tombstone visible at sequence_ and newer than `seq`
  // covers the key.
  bool Covered(std::string_view user_key, SequenceNumber seq) const {
    for (const RangeTombstoneList* t : tombstones_) {
      if (t->MaxCoveringSequence(user_key, sequence_) > seq) {
        return true;
      }
    }
    return false;
  }

  // Moves forward to the first visible entry; with `skipping`, entries of
  // saved_key_ are hidden (it was already returned or deleted).
  void FindNextUserEntry(bool skipping) {
    for (; iter_->Valid(); iter_->Next()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter_->key(), &ikey)) {
        status_ = Status::Corruption("bad internal key in iterator");
        valid_ = false;
        return;
      }
      CountRead(ikey.user_key);
      if (ikey.sequence > sequence_) {
        continue;
      }
      if (skipping && CompareBytes(ikey.user_key, saved_key_) <= 0) {
        continue;
      }
      if (upper_ && CompareBytes(ikey.user_key, *upper_) >= 0) {
        break;
      }
      if (ikey.type == ValueType::kDeletion || Covered(ikey.user_key, ikey.sequence)) {
        saved_key_.assign(ikey.user_key);
        skipping = true;
        continue;
      }
      if (ikey.type == ValueType::kValue) {
        valid_ = true;
        return;
      }
    }
    valid_ = false;
  }

  // Moves backward; leaves the newest visible version of the previous live
  // user key in saved_key_/saved_value_.
  void FindPrevUserEntry() {
    bool have_value = false;
    while (iter_->Valid()) {
      ParsedInternalKey ikey;
      if (!ParseInternalKey(iter_->key(), &ikey)) {
        status_ = Status::Corruption("bad internal key in iterator");
        valid_ = false;
        return;
      }
      if (lower_ && ikey.user_key < std::string_view(*lower_)) {
        break;
      }
      CountRead(ikey.user_key);
      if (ikey.sequence <= sequence_) {
        if (have_value && ikey.user_key < std::string_view(saved_key_)) {
          break;  // saved_key_ is the answer
        }
        if (ikey.type == ValueType::kValue && !Covered(ikey.user_key, ikey.sequence)) {
          saved_key_.assign(ikey.user_key);
          saved_value_.assign(iter_->value());
          have_value = true;
        } else {
          // A newer deletion of this key hides the older versions seen.
          have_value = false;
          saved_key_.assign(ikey.user_key);
          ClearSaved();
        }
      }
      iter_->Prev();
    }
    if (!iter_->status().ok()) {
      // The newer versions of saved_key_ were never seen: its value cannot
      // be trusted.
      have_value = false;
    }
    if (!have_value) {
      valid_ = false;
      saved_key_.clear();
      ClearSaved();
      direction_ = Direction::kForward;
      return;
    }
    valid_ = true;
  }

  std::shared_ptr<const void> pin_;  // declared first: destroyed last
  const ReadSampler sampler_;        // may read what pin_ holds
  std::unique_ptr<InternalIterator> iter_;
  std::vector<const RangeTombstoneList*> tombstones_;  // owned through pin_
  const SequenceNumber sequence_;
  const std::optional<std::string> lower_;
  const std::optional<std::string> upper_;

  Direction direction_ = Direction::kForward;
  bool valid_ = false;
  Status status_;
  std::string saved_key_;
  std::string saved_value_;
  std::uint64_t random_;  // xorshift state, never 0
  std::int64_t bytes_until_sample_ = 0;
};

}  // namespace

std::unique_ptr<Iterator> NewDBIterator(std::unique_ptr<InternalIterator> internal,
                                        std::vector<const RangeTombstoneList*> tombstones,
                                        SequenceNumber sequence,
                                        std::optional<std::string> lower_bound,
                                        std::optional<std::string> upper_bound,
                                        std::shared_ptr<const void> pin,
                                        ReadSampler sampler) {
  return std::make_unique<DBIterator>(std::move(internal), std::move(tombstones), sequence,
                                      std::move(lower_bound), std::move(upper_bound),
                                      std::move(pin), std::move(sampler));
}

}  // namespace aeternus
