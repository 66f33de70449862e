#include "sstable/table_file_writer.h"

#include "util/status_macros.h"

namespace aeternus {

Status TableFileWriter::Create(FileSystem* fs, std::string path,
                               const TableBuilderOptions& options,
                               std::unique_ptr<TableFileWriter>* out) {
  std::unique_ptr<WritableFile> file;
  AE_RETURN_IF_ERROR(fs->NewWritableFile(path + ".tmp", &file));
  out->reset(new TableFileWriter(fs, std::move(path), std::move(file), options));
  return Status::OK();
}

TableFileWriter::TableFileWriter(FileSystem* fs, std::string path,
                                 std::unique_ptr<WritableFile> file,
                                 const TableBuilderOptions& options)
    : fs_(fs),
      path_(std::move(path)),
      file_(std::move(file)),
      builder_(std::make_unique<TableBuilder>(options, file_.get())) {}

TableFileWriter::~TableFileWriter() {
  if (!finished_) {
    builder_.reset();
    if (file_) {
      file_->Close().IgnoreError();
    }
    fs_->RemoveFile(path_ + ".tmp").IgnoreError();
    fs_->RemoveFile(path_).IgnoreError();
  }
}

Status TableFileWriter::Finish() {
  Status s = builder_->Finish();
  if (s.ok()) {
    s = file_->Sync();
  }
  if (Status c = file_->Close(); s.ok()) {
    s = c;
  }
  file_.reset();
  if (s.ok()) {
    s = fs_->RenameFile(path_ + ".tmp", path_);
  }
  finished_ = s.ok();
  return s;
}

}  // namespace aeternus
