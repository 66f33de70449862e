#include "env/fault_injection_file_system.h"

#include <algorithm>
#include <cstring>

#include "util/status_macros.h"

namespace aeternus {
namespace {

// splitmix64: small, fast, and the same on every platform, so a seed
// reproduces a failure anywhere.
std::uint64_t NextRandom(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ull;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in [0, n); REQUIRES: n > 0.
std::uint64_t Uniform(std::uint64_t& state, std::uint64_t n) { return NextRandom(state) % n; }

// "a/b/" -> "a/b"; "" -> "."; "/" stays.
std::string NormalizeDir(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') {
    dir.remove_suffix(1);
  }
  return dir.empty() ? std::string(".") : std::string(dir);
}

std::string ParentDir(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return NormalizeDir(std::string_view(path).substr(0, slash == 0 ? 1 : slash));
}

}  // namespace

// Buffers appends itself (see the header comment), so that the target holds
// exactly the bytes handed to the operating system.
class FaultInjectionFileSystem::WritableFileImpl final : public WritableFile {
 public:
  // Pending bytes beyond this are handed to the target, as a POSIX file's
  // user-space buffer would be.
  static constexpr std::size_t kMaxPending = std::size_t{64} * 1024;

  WritableFileImpl(FaultInjectionFileSystem* fs, std::string path, std::shared_ptr<FileState> state,
                   std::unique_ptr<WritableFile> target)
      : fs_(fs), path_(std::move(path)), state_(std::move(state)), target_(std::move(target)) {}
  WritableFileImpl(const WritableFileImpl&) = delete;
  WritableFileImpl& operator=(const WritableFileImpl&) = delete;

  ~WritableFileImpl() override {
    if (!closed_) {
      Close().IgnoreError();
    }
  }

  Status Append(std::string_view data) override {
    AE_RETURN_IF_ERROR(CheckOpen());
    AE_RETURN_IF_ERROR(fs_->CheckWrite());
    pending_.append(data);
    size_ += data.size();
    if (pending_.size() >= kMaxPending) {
      return Forward();
    }
    return Status::OK();
  }

  Status Flush() override {
    AE_RETURN_IF_ERROR(CheckOpen());
    AE_RETURN_IF_ERROR(fs_->CheckWrite());
    return Forward();
  }

  Status Sync() override {
    AE_RETURN_IF_ERROR(CheckOpen());
    AE_RETURN_IF_ERROR(fs_->BeginDurabilityPoint());
    AE_RETURN_IF_ERROR(fs_->CheckSync());
    AE_RETURN_IF_ERROR(Forward());
    AE_RETURN_IF_ERROR(target_->Sync());
    fs_->RecordSync(state_, size_);
    return Status::OK();
  }

  Status Close() override {
    if (closed_) {
      return Status::OK();
    }
    closed_ = true;
    if (!fs_->IsFilesystemActive()) {
      // The process died with these bytes in its buffer. The target's own
      // buffer is empty (every hand-over ends with its Flush), so closing
      // it writes nothing.
      pending_.clear();
      target_->Close().IgnoreError();
      return Injected();
    }
    Status s = Forward();
    Status c = target_->Close();
    return s.ok() ? c : s;
  }

  std::uint64_t Size() const override { return size_; }

 private:
  Status CheckOpen() const {
    return closed_ ? Status::IOError(path_, "file is closed") : Status::OK();
  }

  Status Forward() {
    if (!pending_.empty()) {
      Status s = target_->Append(pending_);
      pending_.clear();
      AE_RETURN_IF_ERROR(s);
    }
    return target_->Flush();
  }

  FaultInjectionFileSystem* const fs_;
  const std::string path_;
  const std::shared_ptr<FileState> state_;
  const std::unique_ptr<WritableFile> target_;
  std::string pending_;     // appended, not yet handed to the target
  std::uint64_t size_ = 0;  // bytes appended
  bool closed_ = false;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* target) : target_(target) {}
FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

Status FaultInjectionFileSystem::Injected() {
  return Status::IOError("injected", "file system inactive (simulated power loss)");
}

void FaultInjectionFileSystem::SetFilesystemActive(bool active) {
  active_.store(active, std::memory_order_release);  // pairs with IsFilesystemActive
}

bool FaultInjectionFileSystem::IsFilesystemActive() const {
  return active_.load(std::memory_order_acquire);
}

std::uint64_t FaultInjectionFileSystem::durability_points() const {
  return durability_points_.load(std::memory_order_acquire);
}

void FaultInjectionFileSystem::CutPowerAt(std::uint64_t n) {
  cut_at_.store(n, std::memory_order_release);
}

Status FaultInjectionFileSystem::BeginDurabilityPoint() {
  if (!IsFilesystemActive()) {
    return Injected();
  }
  const std::uint64_t n = durability_points_.fetch_add(1, std::memory_order_acq_rel) + 1;
  const std::uint64_t cut = cut_at_.load(std::memory_order_acquire);
  if (cut != 0 && n >= cut) {
    SetFilesystemActive(false);
    return Injected();
  }
  return Status::OK();
}

bool FaultInjectionFileSystem::ShouldFail(std::uint32_t one_in, std::uint64_t& rng) {
  if (one_in == 0 || Uniform(rng, one_in) != 0) {
    return false;
  }
  ++injected_errors_;
  return true;
}

std::uint64_t FaultInjectionFileSystem::operations() const {
  return operations_.load(std::memory_order_acquire);
}

void FaultInjectionFileSystem::FailOperation(std::uint64_t n, bool persistent, Status error) {
  std::lock_guard lock(mu_);
  fail_operation_ = FailAt{n, persistent, std::move(error)};
}

void FaultInjectionFileSystem::FailRead(std::uint64_t n, bool persistent, Status error) {
  std::lock_guard lock(mu_);
  fail_read_ = FailAt{n, persistent, std::move(error)};
}

std::uint64_t FaultInjectionFileSystem::reads() const {
  return reads_.load(std::memory_order_acquire);
}

Status FaultInjectionFileSystem::Injects(const FailAt& fail, std::uint64_t n) const {
  if (fail.n != 0 && (n == fail.n || (fail.persistent && n > fail.n))) {
    ++injected_errors_;
    return fail.error;
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::CheckOperation() {
  const std::uint64_t n = operations_.fetch_add(1, std::memory_order_acq_rel) + 1;
  std::lock_guard lock(mu_);
  return Injects(fail_operation_, n);
}

Status FaultInjectionFileSystem::CheckRead() const {
  const std::uint64_t n = reads_.fetch_add(1, std::memory_order_acq_rel) + 1;
  std::lock_guard lock(mu_);
  return Injects(fail_read_, n);
}

Status FaultInjectionFileSystem::CheckWrite() {
  if (!IsFilesystemActive()) {
    return Injected();
  }
  AE_RETURN_IF_ERROR(CheckOperation());
  if (write_error_one_in_.load(std::memory_order_relaxed) == 0) {
    return Status::OK();
  }
  std::lock_guard lock(mu_);
  if (ShouldFail(write_error_one_in_.load(std::memory_order_relaxed), write_rng_)) {
    return Status::IOError("injected", "write error");
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::CheckSync() {
  if (!IsFilesystemActive()) {
    return Injected();
  }
  AE_RETURN_IF_ERROR(CheckOperation());
  if (sync_error_one_in_.load(std::memory_order_relaxed) == 0) {
    return Status::OK();
  }
  std::lock_guard lock(mu_);
  if (ShouldFail(sync_error_one_in_.load(std::memory_order_relaxed), sync_rng_)) {
    return Status::IOError("injected", "sync error");
  }
  return Status::OK();
}

void FaultInjectionFileSystem::RecordSync(const std::shared_ptr<FileState>& state,
                                          std::uint64_t size) {
  std::lock_guard lock(mu_);
  state->synced_size = std::max(state->synced_size, size);
}

void FaultInjectionFileSystem::InjectWriteErrors(std::uint32_t one_in, std::uint32_t seed) {
  std::lock_guard lock(mu_);
  write_rng_ = seed;
  write_error_one_in_.store(one_in, std::memory_order_relaxed);
}

void FaultInjectionFileSystem::InjectSyncErrors(std::uint32_t one_in, std::uint32_t seed) {
  std::lock_guard lock(mu_);
  sync_rng_ = seed;
  sync_error_one_in_.store(one_in, std::memory_order_relaxed);
}

std::uint64_t FaultInjectionFileSystem::injected_error_count() const {
  std::lock_guard lock(mu_);
  return injected_errors_;
}

bool FaultInjectionFileSystem::GetSyncedSize(const std::string& path, std::uint64_t* size) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    return false;
  }
  *size = it->second->synced_size;
  return true;
}

// Counts each Read and fails those FailRead names; otherwise the target's.
class FaultInjectionFileSystem::RandomAccessFileImpl final : public RandomAccessFile {
 public:
  RandomAccessFileImpl(const FaultInjectionFileSystem* fs, std::unique_ptr<RandomAccessFile> target)
      : fs_(fs), target_(std::move(target)) {}

  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    AE_RETURN_IF_ERROR(fs_->CheckRead());
    return target_->Read(offset, n, scratch, result);
  }
  bool MemoryMapped() const override { return target_->MemoryMapped(); }
  void WillNotNeed(std::uint64_t offset, std::uint64_t n) const override {
    target_->WillNotNeed(offset, n);
  }

 private:
  const FaultInjectionFileSystem* const fs_;
  const std::unique_ptr<RandomAccessFile> target_;
};

class FaultInjectionFileSystem::SequentialFileImpl final : public SequentialFile {
 public:
  SequentialFileImpl(const FaultInjectionFileSystem* fs, std::unique_ptr<SequentialFile> target)
      : fs_(fs), target_(std::move(target)) {}

  Status Read(std::size_t n, char* scratch, std::string_view* result) override {
    AE_RETURN_IF_ERROR(fs_->CheckRead());
    return target_->Read(n, scratch, result);
  }

 private:
  const FaultInjectionFileSystem* const fs_;
  const std::unique_ptr<SequentialFile> target_;
};

Status FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                 std::unique_ptr<WritableFile>* file) {
  AE_RETURN_IF_ERROR(BeginDurabilityPoint());
  AE_RETURN_IF_ERROR(CheckOperation());
  const bool existed = target_->FileExists(path);
  std::unique_ptr<WritableFile> target_file;
  AE_RETURN_IF_ERROR(target_->NewWritableFile(path, &target_file));
  auto state = std::make_shared<FileState>();
  {
    std::lock_guard lock(mu_);
    files_[path] = state;
    if (!existed) {
      DirOp op;
      op.kind = DirOp::Kind::kCreate;
      op.dir = ParentDir(path);
      op.path = path;
      pending_dir_ops_.push_back(std::move(op));
    }
  }
  *file = std::make_unique<WritableFileImpl>(this, path, std::move(state), std::move(target_file));
  return Status::OK();
}

Status FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path,
                                                     std::unique_ptr<RandomAccessFile>* file) {
  AE_RETURN_IF_ERROR(CheckRead());
  std::unique_ptr<RandomAccessFile> target_file;
  AE_RETURN_IF_ERROR(target_->NewRandomAccessFile(path, &target_file));
  *file = std::make_unique<RandomAccessFileImpl>(this, std::move(target_file));
  return Status::OK();
}

Status FaultInjectionFileSystem::NewSequentialFile(const std::string& path,
                                                   std::unique_ptr<SequentialFile>* file) {
  AE_RETURN_IF_ERROR(CheckRead());
  std::unique_ptr<SequentialFile> target_file;
  AE_RETURN_IF_ERROR(target_->NewSequentialFile(path, &target_file));
  *file = std::make_unique<SequentialFileImpl>(this, std::move(target_file));
  return Status::OK();
}

bool FaultInjectionFileSystem::FileExists(const std::string& path) {
  return target_->FileExists(path);
}

Status FaultInjectionFileSystem::GetChildren(const std::string& dir,
                                             std::vector<std::string>* names) {
  AE_RETURN_IF_ERROR(CheckRead());
  return target_->GetChildren(dir, names);
}

Status FaultInjectionFileSystem::GetFileSize(const std::string& path, std::uint64_t* size) {
  AE_RETURN_IF_ERROR(CheckRead());
  return target_->GetFileSize(path, size);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  AE_RETURN_IF_ERROR(BeginDurabilityPoint());
  AE_RETURN_IF_ERROR(CheckOperation());
  AE_RETURN_IF_ERROR(target_->RemoveFile(path));
  {
    std::lock_guard lock(mu_);
    files_.erase(path);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  AE_RETURN_IF_ERROR(BeginDurabilityPoint());
  AE_RETURN_IF_ERROR(CheckOperation());
  DirOp op;
  op.kind = DirOp::Kind::kRename;
  op.dir = ParentDir(to);
  op.path = to;
  op.from = from;
  op.replaced = from != to && target_->FileExists(to);
  if (op.replaced) {
    AE_RETURN_IF_ERROR(ReadFileToString(target_, to, &op.replaced_contents));
  }
  AE_RETURN_IF_ERROR(target_->RenameFile(from, to));
  if (from == to) {
    return Status::OK();
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = files_.find(to); it != files_.end()) {
      op.replaced_state = it->second;
      files_.erase(it);
    }
    if (auto it = files_.find(from); it != files_.end()) {
      files_[to] = it->second;
      files_.erase(from);
    }
    pending_dir_ops_.push_back(std::move(op));
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  if (!IsFilesystemActive()) {
    return Injected();
  }
  AE_RETURN_IF_ERROR(CheckOperation());
  return target_->CreateDir(dir);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  AE_RETURN_IF_ERROR(BeginDurabilityPoint());
  AE_RETURN_IF_ERROR(CheckSync());
  AE_RETURN_IF_ERROR(target_->SyncDir(dir));
  const std::string normalized = NormalizeDir(dir);
  {
    std::lock_guard lock(mu_);
    std::erase_if(pending_dir_ops_, [&](const DirOp& op) { return op.dir == normalized; });
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::LockFile(const std::string& path,
                                          std::unique_ptr<FileLock>* lock) {
  return target_->LockFile(path, lock);
}

Status FaultInjectionFileSystem::RewriteTarget(const std::string& path, std::string_view contents) {
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(target_->NewWritableFile(path, &file));
  Status s = file->Append(contents);
  if (s.ok()) {
    s = file->Sync();
  }
  Status c = file->Close();
  return s.ok() ? c : s;
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  for (const auto& [path, state] : files_) {
    std::uint64_t size = 0;
    if (!target_->GetFileSize(path, &size).ok() || size <= state->synced_size) {
      continue;  // gone, or nothing unsynced
    }
    std::string contents;
    AE_RETURN_IF_ERROR(ReadFileToString(target_, path, &contents));
    contents.resize(std::min<std::uint64_t>(contents.size(), state->synced_size));
    AE_RETURN_IF_ERROR(RewriteTarget(path, contents));
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::DropRandomUnsyncedData(std::uint32_t seed) {
  std::uint64_t rng = seed;
  std::lock_guard lock(mu_);
  for (const auto& [path, state] : files_) {
    std::uint64_t size = 0;
    if (!target_->GetFileSize(path, &size).ok() || size <= state->synced_size) {
      continue;
    }
    std::string contents;
    AE_RETURN_IF_ERROR(ReadFileToString(target_, path, &contents));
    const std::uint64_t synced = std::min<std::uint64_t>(state->synced_size, contents.size());
    const std::uint64_t kept = Uniform(rng, contents.size() - synced + 1);
    contents.resize(synced + kept);
    if (kept > 0) {
      // 0: keep as is; 1: random bytes; 2: zeros (what some file systems
      // show for blocks allocated but never written).
      const std::uint64_t mode = Uniform(rng, 3);
      if (mode != 0) {
        const std::uint64_t begin = synced + Uniform(rng, kept);
        const std::uint64_t length = 1 + Uniform(rng, synced + kept - begin);
        for (std::uint64_t i = begin; i < begin + length; ++i) {
          contents[i] = mode == 1 ? static_cast<char>(NextRandom(rng)) : '\0';
        }
      }
    }
    AE_RETURN_IF_ERROR(RewriteTarget(path, contents));
    // What survived the power loss is now on disk.
    state->synced_size = contents.size();
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::DeleteFilesCreatedAfterLastDirSync() {
  std::lock_guard lock(mu_);
  Status result;
  auto note = [&result](Status s) {
    if (!s.ok() && !s.IsNotFound() && result.ok()) {
      result = std::move(s);
    }
  };
  for (auto op = pending_dir_ops_.rbegin(); op != pending_dir_ops_.rend(); ++op) {
    switch (op->kind) {
      case DirOp::Kind::kCreate:
        note(target_->RemoveFile(op->path));
        files_.erase(op->path);
        break;
      case DirOp::Kind::kRename: {
        std::shared_ptr<FileState> moved;
        if (auto it = files_.find(op->path); it != files_.end()) {
          moved = it->second;
          files_.erase(it);
        }
        if (target_->FileExists(op->path)) {
          note(target_->RenameFile(op->path, op->from));
          if (moved != nullptr) {
            files_[op->from] = std::move(moved);
          } else {
            files_.erase(op->from);
          }
        }
        if (op->replaced) {
          note(RewriteTarget(op->path, op->replaced_contents));
          if (op->replaced_state != nullptr) {
            files_[op->path] = op->replaced_state;
          }
        }
        break;
      }
    }
  }
  pending_dir_ops_.clear();
  return result;
}

}  // namespace aeternus
