#include "env/file_system.h"

#include "util/status_macros.h"

namespace aeternus {

Status ReadFileToString(FileSystem* fs, const std::string& path, std::string* data) {
  data->clear();
  std::unique_ptr<SequentialFile> file;
  AE_RETURN_IF_ERROR(fs->NewSequentialFile(path, &file));
  constexpr std::size_t kChunk = 64 * 1024;
  std::string scratch(kChunk, '\0');
  while (true) {
    std::string_view piece;
    AE_RETURN_IF_ERROR(file->Read(kChunk, scratch.data(), &piece));
    if (piece.empty()) {
      return Status::OK();
    }
    data->append(piece);
  }
}

Status WriteFileAtomically(FileSystem* fs, const std::string& dir,
                           const std::string& name, std::string_view data) {
  const std::string tmp = dir + "/" + name + ".tmp";
  const std::string final_path = dir + "/" + name;
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(fs->NewWritableFile(tmp, &file));
  Status s = file->Append(data);
  if (s.ok()) {
    s = file->Sync();
  }
  if (Status c = file->Close(); s.ok()) {
    s = c;
  }
  if (s.ok()) {
    s = fs->RenameFile(tmp, final_path);
  }
  if (!s.ok()) {
    fs->RemoveFile(tmp).IgnoreError();
  }
  return s;
}

}  // namespace aeternus
