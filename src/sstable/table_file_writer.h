#pragma once
// TableFileWriter: writes one table file durably. Entries go to
// `<path>.tmp`; Finish() completes the table, syncs it and renames it to
// `path`. The caller syncs the directory once its new files are all in
// place. A writer destroyed before Finish() succeeded removes its file.

#include <cstdint>
#include <memory>
#include <string>

#include "aeternus/status.h"
#include "env/file_system.h"
#include "sstable/table_builder.h"

namespace aeternus {

class TableFileWriter {
 public:
  static Status Create(FileSystem* fs, std::string path, const TableBuilderOptions& options,
                       std::unique_ptr<TableFileWriter>* out);
  ~TableFileWriter();
  TableFileWriter(const TableFileWriter&) = delete;
  TableFileWriter& operator=(const TableFileWriter&) = delete;

  TableBuilder& builder() { return *builder_; }
  Status Finish();

 private:
  TableFileWriter(FileSystem* fs, std::string path, std::unique_ptr<WritableFile> file,
                  const TableBuilderOptions& options);

  FileSystem* const fs_;
  const std::string path_;
  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<TableBuilder> builder_;
  bool finished_ = false;
};

}  // namespace aeternus
