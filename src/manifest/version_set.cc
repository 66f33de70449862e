#include "manifest/version_set.h"

#include <algorithm>
#include <map>

#include "manifest/current_file.h"
#include "manifest/file_names.h"
#include "util/status_macros.h"
#include "wal/wal_reader.h"
#include "wal/wal_writer.h"

namespace aeternus {

std::shared_ptr<const Version> ApplyEdit(const Version& base, const VersionEdit& edit) {
  auto v = std::make_shared<Version>(base);
  // A table deleted and added by the same edit (moved to another level)
  // keeps its FileMetaData object: readers track a table's liveness
  // through it.
  std::map<std::uint64_t, std::shared_ptr<const FileMetaData>> removed;
  for (const auto& [level, number] : edit.deleted_files) {
    if (level < 0 || level >= kNumLevels) {
      continue;
    }
    std::erase_if(v->levels[level], [&, n = number](const auto& f) {
      if (f->number != n) {
        return false;
      }
      removed[n] = f;
      return true;
    });
  }
  for (const auto& [level, f] : edit.new_files) {
    if (level >= 0 && level < kNumLevels) {
      auto moved = removed.find(f.number);
      v->levels[level].push_back(moved != removed.end()
                                     ? moved->second
                                     : std::make_shared<const FileMetaData>(f));
    }
  }
  std::sort(v->levels[0].begin(), v->levels[0].end(), [](const auto& a, const auto& b) {
    return a->largest_seq != b->largest_seq ? a->largest_seq > b->largest_seq
                                            : a->number > b->number;
  });
  for (int level = 1; level < kNumLevels; ++level) {
    std::sort(v->levels[level].begin(), v->levels[level].end(),
              [](const auto& a, const auto& b) {
                return CompareInternalKeys(a->smallest, b->smallest) < 0;
              });
  }
  return v;
}

std::string CheckLevelsDisjoint(const Version& v) {
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& files = v.levels[level];
    for (std::size_t i = 1; i < files.size(); ++i) {
      if (files[i - 1]->empty_range() || files[i]->empty_range() ||
          CompareInternalKeys(files[i - 1]->largest, files[i]->smallest) >= 0) {
        return "tables " + std::to_string(files[i - 1]->number) + " and " +
               std::to_string(files[i]->number) + " overlap in level " +
               std::to_string(level);
      }
    }
  }
  return {};
}

VersionSet::VersionSet(std::string dbname, FileSystem* fs)
    : dbname_(std::move(dbname)), fs_(fs), current_(std::make_shared<Version>()) {}

VersionSet::~VersionSet() { Close().IgnoreError(); }

std::shared_ptr<const Version> VersionSet::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void VersionSet::MarkFileNumberUsed(std::uint64_t number) {
  std::uint64_t cur = next_file_number_.load();
  while (cur <= number && !next_file_number_.compare_exchange_weak(cur, number + 1)) {
  }
}

Status VersionSet::CreateNew() {
  VersionEdit edit;
  return LogAndApply(&edit);
}

Status VersionSet::Recover() {
  std::string current;
  Status s = ReadFileToString(fs_, CurrentFileName(dbname_), &current);
  if (s.IsIOError()) {
    // A failed read says nothing of the file: it is no Corruption.
    return Status::IOError("cannot read CURRENT in " + dbname_, s.message());
  }
  if (!s.ok()) {
    return Status::Corruption("cannot read CURRENT in " + dbname_, s.ToString());
  }
  CurrentFile parsed;
  AE_RETURN_IF_ERROR(ParseCurrentFile(current, CurrentFileName(dbname_), &parsed));
  const std::uint64_t number = parsed.manifest_number;
  const std::string path = dbname_ + "/" + parsed.manifest;
  std::unique_ptr<SequentialFile> file;
  s = fs_->NewSequentialFile(path, &file);
  if (s.IsIOError()) {
    return Status::IOError("manifest named in CURRENT cannot be opened", s.message());
  }
  if (!s.ok()) {
    return Status::Corruption("manifest named in CURRENT cannot be opened", s.ToString());
  }

  WalReader reader(std::move(file), path, LogFileKind::kManifest, number);
  Version v;
  std::optional<std::uint64_t> log_number;
  std::optional<std::uint64_t> next_file;
  std::optional<SequenceNumber> last_seq;
  std::string record;
  std::shared_ptr<const Version> state = std::make_shared<Version>();
  while (reader.ReadRecord(&record)) {
    VersionEdit edit;
    s = edit.DecodeFrom(record);
    if (!s.ok()) {
      return Status::Corruption(path, s.ToString());
    }
    state = ApplyEdit(*state, edit);
    if (edit.log_number) {
      log_number = edit.log_number;
    }
    if (edit.next_file_number) {
      next_file = edit.next_file_number;
    }
    if (edit.last_sequence) {
      last_seq = edit.last_sequence;
    }
    if (edit.closed_wal) {
      closed_wal_ = edit.closed_wal;
    }
  }
  AE_RETURN_IF_ERROR(reader.status());
  if (parsed.closed_size &&
      (!reader.clean_close() || reader.last_record_end() != *parsed.closed_size)) {
    return Status::Corruption(
        path, "closed cleanly with " + std::to_string(*parsed.closed_size) +
                  " bytes (CURRENT says), it reads as " + std::to_string(reader.last_record_end()) +
                  " bytes of whole records" +
                  (reader.clean_close() ? "" : " without its close record"));
  }
  if (std::string problem = CheckLevelsDisjoint(*state); !problem.empty()) {
    return Status::Corruption(path, problem);
  }
  if (!log_number || !next_file || !last_seq) {
    return Status::Corruption("manifest lacks required counters", path);
  }
  if (closed_wal_ && closed_wal_->first < *log_number) {
    closed_wal_.reset();  // flushed since
  }
  log_number_.store(*log_number);
  next_file_number_.store(*next_file);
  last_sequence_.store(*last_seq);
  manifest_number_.store(number);
  MarkFileNumberUsed(number);
  for (const auto& level : state->levels) {
    for (const auto& f : level) {
      MarkFileNumberUsed(f->number);
    }
  }
  std::lock_guard lock(mu_);
  current_ = std::move(state);
  return Status::OK();
}

Status VersionSet::WriteSnapshot(WalWriter* writer, const Version& v, std::uint64_t log_number,
                                 const ClosedWal& closed_wal) {
  VersionEdit snapshot;
  snapshot.log_number = log_number;
  snapshot.closed_wal = closed_wal;
  snapshot.next_file_number = next_file_number_.load();
  snapshot.last_sequence = last_sequence_.load();
  for (int level = 0; level < kNumLevels; ++level) {
    for (const auto& f : v.levels[level]) {
      snapshot.AddFile(level, *f);
    }
  }
  std::string record;
  snapshot.EncodeTo(&record);
  return writer->AddRecord(record);
}

// REQUIRES: log_mu_ held.
Status VersionSet::StartNewManifest(const Version& v, std::uint64_t log_number,
                                    const ClosedWal& closed_wal) {
  const std::uint64_t number = NewFileNumber();
  const std::string path = ManifestFileName(dbname_, number);
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(fs_->NewWritableFile(path, &file));
  std::unique_ptr<WalWriter> writer;
  Status s = WalWriter::Create(std::move(file), LogFileKind::kManifest, number, &writer);
  if (s.ok()) {
    s = WriteSnapshot(writer.get(), v, log_number, closed_wal);
  }
  if (s.ok()) {
    s = writer->Sync();
  }
  if (s.ok()) {
    s = WriteFileAtomically(fs_, dbname_, "CURRENT", EncodeCurrentFile(ManifestName(number), {}));
  }
  if (!s.ok()) {
    // CURRENT still names the previous manifest.
    writer.reset();
    fs_->RemoveFile(path).IgnoreError();
    return s;
  }
  // From here CURRENT may name the new manifest, so it is never removed.
  const std::uint64_t old = manifest_number_.exchange(number);
  if (manifest_) {
    manifest_->Close().IgnoreError();
  }
  manifest_ = std::move(writer);
  AE_RETURN_IF_ERROR(fs_->SyncDir(dbname_));
  if (old != 0 && old != number) {
    // The old manifest is no longer named by CURRENT; a failure here only
    // leaves a file that the next Open removes.
    fs_->RemoveFile(ManifestFileName(dbname_, old)).IgnoreError();
  }
  return Status::OK();
}

Status VersionSet::LogAndApply(VersionEdit* edit) {
  std::lock_guard log_lock(log_mu_);
  if (!error_.ok()) {
    return error_;
  }
  std::shared_ptr<const Version> base = current();
  const std::uint64_t log_number =
      edit->log_number ? std::max(log_number_.load(), *edit->log_number) : log_number_.load();
  edit->next_file_number = next_file_number_.load();
  edit->last_sequence = last_sequence_.load();
  std::shared_ptr<const Version> next = ApplyEdit(*base, *edit);
  if (std::string problem = CheckLevelsDisjoint(*next); !problem.empty()) {
    // A compaction that would break the order of a level is a bug; refuse
    // it rather than record a state that reads would get wrong.
    return Status::Corruption("version edit refused", problem);
  }

  Status s;
  if (!manifest_ || manifest_->file_size() > kMaxManifestBytes) {
    // The snapshot of `next` already includes the edit.
    s = StartNewManifest(*next, log_number, edit->closed_wal);
  } else {
    std::string record;
    edit->EncodeTo(&record);
    s = manifest_->AddRecord(record);
    if (s.ok()) {
      s = manifest_->Sync();
    }
    if (!s.ok()) {
      // The manifest may now end in a partial record: never append after
      // it.
      manifest_.reset();
    }
  }
  if (!s.ok()) {
    // The edit may or may not be durable in the manifest that CURRENT
    // names; later edits would be recorded on top of an unknown state.
    error_ = Status::IOError("manifest write failed; reopen the database", s.ToString());
    return s;
  }
  log_number_.store(log_number);
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  return Status::OK();
}

Status VersionSet::Close() {
  std::lock_guard log_lock(log_mu_);
  if (!manifest_) {
    return Status::OK();
  }
  Status s = manifest_->Close();
  const std::uint64_t size = manifest_->file_size();
  manifest_.reset();
  if (s.ok()) {
    // CURRENT says the manifest was closed, and at what size.
    s = WriteFileAtomically(
        fs_, dbname_, "CURRENT",
        EncodeCurrentFile(ManifestName(manifest_number_.load()), size));
  }
  if (s.ok()) {
    s = fs_->SyncDir(dbname_);
  }
  return s;
}

}  // namespace aeternus
