#include "env/mem_file_system.h"

#include <algorithm>
#include <cstring>

namespace aeternus {

struct MemFileSystem::FileData {
  std::mutex mu;
  std::string data;  // guarded by mu
};

struct MemFileSystem::LockTable {
  std::mutex mu;
  std::set<std::string> held;  // guarded by mu
};

namespace {

using FileData = MemFileSystem::FileData;
using LockTable = MemFileSystem::LockTable;

// Copies up to n bytes at offset of `file` into scratch.
std::string_view ReadAt(FileData& file, std::uint64_t offset, std::size_t n, char* scratch) {
  std::lock_guard lock(file.mu);
  if (offset >= file.data.size()) {
    return {};
  }
  const std::size_t count = std::min<std::uint64_t>(n, file.data.size() - offset);
  std::memcpy(scratch, file.data.data() + offset, count);
  return std::string_view(scratch, count);
}

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::string path, std::shared_ptr<FileData> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  Status Append(std::string_view data) override {
    if (closed_) {
      return Status::IOError(path_, "append to a closed file");
    }
    std::lock_guard lock(file_->mu);
    file_->data.append(data);
    size_ += data.size();
    return Status::OK();
  }
  Status Flush() override { return CheckOpen(); }
  Status Sync() override { return CheckOpen(); }
  Status Close() override {
    closed_ = true;
    return Status::OK();
  }
  std::uint64_t Size() const override { return size_; }

 private:
  Status CheckOpen() const {
    return closed_ ? Status::IOError(path_, "file is closed") : Status::OK();
  }

  const std::string path_;
  const std::shared_ptr<FileData> file_;
  std::uint64_t size_ = 0;
  bool closed_ = false;
};

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileData> file) : file_(std::move(file)) {}

  Status Read(std::size_t n, char* scratch, std::string_view* result) override {
    *result = ReadAt(*file_, offset_, n, scratch);
    offset_ += result->size();
    return Status::OK();
  }

 private:
  const std::shared_ptr<FileData> file_;
  std::uint64_t offset_ = 0;
};

class MemRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemRandomAccessFile(std::shared_ptr<FileData> file) : file_(std::move(file)) {}

  Status Read(std::uint64_t offset, std::size_t n, char* scratch,
              std::string_view* result) const override {
    *result = ReadAt(*file_, offset, n, scratch);
    return Status::OK();
  }

 private:
  const std::shared_ptr<FileData> file_;
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::shared_ptr<LockTable> table, std::string path)
      : table_(std::move(table)), path_(std::move(path)) {}
  MemFileLock(const MemFileLock&) = delete;
  MemFileLock& operator=(const MemFileLock&) = delete;
  ~MemFileLock() override {
    std::lock_guard lock(table_->mu);
    table_->held.erase(path_);
  }

 private:
  const std::shared_ptr<LockTable> table_;
  const std::string path_;
};

// "a/b/" -> "a/b"; "/" stays.
std::string TrimDir(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') {
    d.pop_back();
  }
  return d;
}

// The prefix that children of `dir` start with; empty for the current
// directory, whose children have no '/'.
std::string ChildPrefix(const std::string& trimmed_dir) {
  if (trimmed_dir.empty() || trimmed_dir == ".") {
    return "";
  }
  if (trimmed_dir == "/") {
    return "/";
  }
  return trimmed_dir + "/";
}

// The first path component of `path` below `prefix`, or empty.
std::string_view ChildName(std::string_view path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) {
    return {};
  }
  std::string_view rest = path.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

}  // namespace

MemFileSystem::MemFileSystem() : locks_(std::make_shared<LockTable>()) {}
MemFileSystem::~MemFileSystem() = default;

Status MemFileSystem::NewWritableFile(const std::string& path,
                                      std::unique_ptr<WritableFile>* file) {
  std::shared_ptr<FileData> data;
  {
    std::lock_guard lock(mu_);
    auto& slot = files_[path];
    if (slot == nullptr) {
      slot = std::make_shared<FileData>();
    }
    data = slot;
  }
  {
    std::lock_guard lock(data->mu);
    data->data.clear();
  }
  *file = std::make_unique<MemWritableFile>(path, std::move(data));
  return Status::OK();
}

Status MemFileSystem::NewRandomAccessFile(const std::string& path,
                                          std::unique_ptr<RandomAccessFile>* file) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    return Status::NotFound(path, "no such file");
  }
  *file = std::make_unique<MemRandomAccessFile>(it->second);
  return Status::OK();
}

Status MemFileSystem::NewSequentialFile(const std::string& path,
                                        std::unique_ptr<SequentialFile>* file) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    return Status::NotFound(path, "no such file");
  }
  *file = std::make_unique<MemSequentialFile>(it->second);
  return Status::OK();
}

bool MemFileSystem::DirExistsLocked(const std::string& dir) const {
  const std::string trimmed = TrimDir(dir);
  const std::string prefix = ChildPrefix(trimmed);
  if (prefix.empty() || prefix == "/" || dirs_.count(trimmed) != 0) {
    return true;
  }
  auto has_child = [&](const std::string& path) { return !ChildName(path, prefix).empty(); };
  auto file_it = files_.lower_bound(prefix);
  if (file_it != files_.end() && has_child(file_it->first)) {
    return true;
  }
  auto dir_it = dirs_.lower_bound(prefix);
  return dir_it != dirs_.end() && has_child(*dir_it);
}

bool MemFileSystem::FileExists(const std::string& path) {
  std::lock_guard lock(mu_);
  return files_.count(path) != 0 || DirExistsLocked(path);
}

Status MemFileSystem::GetChildren(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  std::lock_guard lock(mu_);
  if (!DirExistsLocked(dir)) {
    return Status::NotFound(dir, "no such directory");
  }
  const std::string prefix = ChildPrefix(TrimDir(dir));
  std::set<std::string, std::less<>> children;
  for (const auto& [path, data] : files_) {
    if (std::string_view name = ChildName(path, prefix); !name.empty()) {
      children.emplace(name);
    }
  }
  for (const auto& path : dirs_) {
    if (std::string_view name = ChildName(path, prefix); !name.empty()) {
      children.emplace(name);
    }
  }
  names->assign(children.begin(), children.end());
  return Status::OK();
}

Status MemFileSystem::GetFileSize(const std::string& path, std::uint64_t* size) {
  std::shared_ptr<FileData> data;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      *size = 0;
      return Status::NotFound(path, "no such file");
    }
    data = it->second;
  }
  std::lock_guard lock(data->mu);
  *size = data->data.size();
  return Status::OK();
}

Status MemFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(path) == 0) {
    return Status::NotFound(path, "no such file");
  }
  return Status::OK();
}

Status MemFileSystem::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) {
    return Status::NotFound(from, "no such file");
  }
  if (from == to) {
    return Status::OK();
  }
  std::shared_ptr<FileData> data = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(data);
  return Status::OK();
}

Status MemFileSystem::CreateDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  dirs_.insert(TrimDir(dir));
  return Status::OK();
}

Status MemFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!DirExistsLocked(dir)) {
    return Status::NotFound(dir, "no such directory");
  }
  return Status::OK();
}

Status MemFileSystem::LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) {
  {
    std::lock_guard guard(locks_->mu);
    if (!locks_->held.insert(path).second) {
      return Status::Busy("database is in use by this process", path);
    }
  }
  {
    std::lock_guard guard(mu_);
    auto& slot = files_[path];
    if (slot == nullptr) {
      slot = std::make_shared<FileData>();
    }
  }
  *lock = std::make_unique<MemFileLock>(locks_, path);
  return Status::OK();
}

}  // namespace aeternus
