#include "compaction/compaction_picker.h"

#include "compaction/leveled_compaction_picker.h"
#include "compaction/tiered_compaction_picker.h"

namespace aeternus {

UserKeyRange UserKeyRange::Of(const FileMetaData& f) {
  if (f.empty_range()) {
    return UserKeyRange{std::string("\x01"), std::string()};  // begin > end: holds nothing
  }
  return UserKeyRange{std::string(f.smallest_user_key()), std::string(f.largest_user_key())};
}

bool UserKeyRange::Overlaps(const FileMetaData& f) const {
  if (f.empty_range() || (begin && end && *begin > *end)) {
    return false;
  }
  if (begin && f.largest_user_key() < std::string_view(*begin)) {
    return false;
  }
  if (end && f.smallest_user_key() > std::string_view(*end)) {
    return false;
  }
  return true;
}

void UserKeyRange::Extend(const FileMetaData& f) {
  if (f.empty_range()) {
    return;
  }
  if (begin && end && *begin > *end) {
    *this = Of(f);
    return;
  }
  if (begin && f.smallest_user_key() < std::string_view(*begin)) {
    begin = std::string(f.smallest_user_key());
  }
  if (end && f.largest_user_key() > std::string_view(*end)) {
    end = std::string(f.largest_user_key());
  }
}

std::unique_ptr<CompactionPicker> NewCompactionPicker(const Options& options) {
  if (options.compaction_style == CompactionStyle::kTiered) {
    return std::make_unique<TieredCompactionPicker>(options);
  }
  return std::make_unique<LeveledCompactionPicker>(options);
}

}  // namespace aeternus
