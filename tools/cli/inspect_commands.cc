#include "inspect_commands.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "describe.h"
#include "env/file_system.h"
#include "log_inspector.h"
#include "manifest/current_file.h"
#include "manifest/file_names.h"
#include "table_inspector.h"
#include "util/status_macros.h"
#include <CLI/CLI.hpp>

namespace aeternus::cli {
namespace {

// The lines of `check` (one per file, plus one per problem found across
// files) and the outcome of the whole run.
class CheckReport {
 public:
  void Ok(const std::string& name, const std::string& detail) {
    ++files_;
    Print("ok", name, detail);
  }
  // A file removed between the listing and the check (the database is in
  // use): not damage.
  void Gone(const std::string& name) {
    Print("gone", name, "removed while checking (is the database in use?)");
  }
  // A file that failed its check.
  void Failed(const std::string& name, const Status& s) {
    ++files_;
    Problem(name, s);
  }
  // A problem found across files (a table the manifest lists is missing),
  // reported under the name of the file concerned.
  void Problem(const std::string& name, const Status& s) {
    ++problems_;
    corruption_ = corruption_ || s.IsCorruption();
    Print(s.IsCorruption() ? "DAMAGED" : "ERROR", name, s.ToString());
  }

  int Finish(const std::string& dir) const {
    std::string line = "checked " + Plural(files_, "file", "files") + ": ";
    line += problems_ == 0 ? "no damage found\n"
                           : "found " + Plural(problems_, "problem", "problems") + "\n";
    WriteOut(line);
    if (int rc = FinishOutput(); rc != kExitOk) {
      return rc;
    }
    if (problems_ == 0) {
      return kExitOk;
    }
    PrintError((corruption_ ? "damage found in " : "could not check all of ") + dir + " (" +
               Plural(problems_, "problem", "problems") + ")");
    return corruption_ ? kExitCorruption : kExitError;
  }

 private:
  static void Print(std::string_view label, const std::string& name, const std::string& detail) {
    std::string line(label);
    line.resize(std::max<std::size_t>(line.size() + 1, 9), ' ');
    line += name + ": " + detail + "\n";
    WriteOut(line);
  }

  std::uint64_t files_ = 0;
  std::uint64_t problems_ = 0;
  bool corruption_ = false;
};

std::string LogDetail(const LogCheckSummary& summary, std::string_view one, std::string_view many) {
  std::string detail = Plural(summary.entries, one, many);
  if (summary.clean_close) {
    detail += ", closed cleanly";
  } else if (summary.dropped_bytes > 0) {
    detail +=
        ", torn unsynced tail of " + Plural(summary.dropped_bytes, "byte", "bytes") + " ignored";
  }
  return detail;
}

// Reads CURRENT: it must name a manifest that is in the directory (and may
// say at what size it was closed). Sets *manifest (the name) and *number.
Status ReadCurrent(const std::string& dir, const std::vector<std::string>& names,
                   std::string* manifest, std::uint64_t* number) {
  std::string current;
  AE_RETURN_IF_ERROR(ReadFileToString(FileSystem::Default(), CurrentFileName(dir), &current));
  CurrentFile parsed;
  if (!ParseCurrentFile(current, CurrentFileName(dir), &parsed).ok()) {
    return Status::Corruption(
        CurrentFileName(dir),
        "does not name a MANIFEST-NNNNNN file on its first line: \"" + Escape(current) + "\"");
  }
  *number = parsed.manifest_number;
  *manifest = parsed.manifest;
  if (std::find(names.begin(), names.end(), *manifest) == names.end()) {
    return Status::Corruption(CurrentFileName(dir), "names " + *manifest + ", which is missing");
  }
  return Status::OK();
}

// Checks the live manifest as a log, then replays its edits: every table it
// lists must be in the directory with the size it records (reported as
// problems of those tables). Returns the manifest's own outcome.
Status CheckLiveManifest(const std::string& dir, const std::string& manifest, std::uint64_t number,
                         CheckReport* report, std::string* detail) {
  const std::string path = dir + "/" + manifest;
  LogCheckSummary summary;
  AE_RETURN_IF_ERROR(CheckLog(path, LogFileKind::kManifest, number, &summary));
  std::map<std::uint64_t, std::uint64_t> tables;
  AE_RETURN_IF_ERROR(ReadManifestTables(path, number, &tables));
  *detail = LogDetail(summary, "edit", "edits") + "; live, lists " +
            Plural(tables.size(), "table", "tables");
  FileSystem* fs = FileSystem::Default();
  for (const auto& [table, recorded_size] : tables) {
    const std::string table_path = TableFileName(dir, table);
    std::uint64_t size = 0;
    Status s = fs->GetFileSize(table_path, &size);
    if (s.IsNotFound()) {
      s = Status::Corruption(table_path, "listed in " + manifest + " but missing");
    } else if (s.ok() && size != recorded_size) {
      s = Status::Corruption(table_path, "holds " + std::to_string(size) + " bytes, " + manifest +
                                             " records " + std::to_string(recorded_size));
    }
    if (!s.ok()) {
      report->Problem(table_path.substr(dir.size() + 1), s);
    }
  }
  return Status::OK();
}

int RunCheck(const CommandContext& ctx) {
  const std::string& dir = ctx.options.db;
  if (dir.empty()) {
    return UsageError("--db DIR is required by this command");
  }
  FileSystem* fs = FileSystem::Default();
  std::vector<std::string> names;
  if (Status s = fs->GetChildren(dir, &names); s.IsNotFound()) {
    return UsageError(dir + " does not exist");
  } else if (!s.ok()) {
    return Fail(s, "cannot list " + dir);
  }
  std::sort(names.begin(), names.end());
  const bool has_current = std::find(names.begin(), names.end(), "CURRENT") != names.end();
  const bool has_data = std::any_of(names.begin(), names.end(), [](const std::string& name) {
    std::uint64_t number = 0;
    const FileType type = ParseFileName(name, &number);
    return type == FileType::kTable || type == FileType::kWal;
  });
  if (!has_current && !has_data) {
    return UsageError(dir + " holds no database (no CURRENT file)");
  }

  CheckReport report;
  std::string live_manifest;
  std::uint64_t live_number = 0;
  Status current_status = Status::Corruption(CurrentFileName(dir),
                                             "missing, but tables or WALs "
                                             "are present");
  if (has_current) {
    current_status = ReadCurrent(dir, names, &live_manifest, &live_number);
  }
  if (!current_status.ok()) {
    report.Problem("CURRENT", current_status);
  }

  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    std::uint64_t number = 0;
    const FileType type = ParseFileName(name, &number);
    Status s;
    std::string detail;
    switch (type) {
      case FileType::kTable: {
        TableCheckSummary summary;
        s = CheckTable(path, &summary);
        detail = Plural(summary.entries, "entry", "entries") + ", " +
                 Plural(summary.range_tombstones, "range tombstone", "range tombstones");
        break;
      }
      case FileType::kWal: {
        LogCheckSummary summary;
        s = CheckLog(path, LogFileKind::kWal, number, &summary);
        detail = LogDetail(summary, "batch", "batches");
        break;
      }
      case FileType::kManifest: {
        if (name == live_manifest) {
          s = CheckLiveManifest(dir, name, number, &report, &detail);
        } else {
          LogCheckSummary summary;
          s = CheckLog(path, LogFileKind::kManifest, number, &summary);
          detail = LogDetail(summary, "edit", "edits") + "; not live";
        }
        break;
      }
      case FileType::kCurrent:
        if (current_status.ok()) {
          report.Ok(name, "names " + live_manifest);
        }
        continue;
      case FileType::kLock:
      case FileType::kTemp:
      case FileType::kUnknown:
        continue;
    }
    if (s.IsNotFound()) {
      report.Gone(name);
    } else if (s.ok()) {
      report.Ok(name, detail);
    } else {
      report.Failed(name, s);
    }
  }
  return report.Finish(dir);
}

int RunDumpTable(const CommandContext& ctx, const std::string& path) {
  Status s = DumpTable(path, ctx.format(), stdout);
  int rc = FinishOutput();
  return s.ok() ? rc : Fail(s);
}

int RunDumpWal(const CommandContext& ctx, const std::string& path) {
  Status s = DumpLog(path, ctx.format(), stdout);
  int rc = FinishOutput();
  return s.ok() ? rc : Fail(s);
}

}  // namespace

void AddInspectCommands(CLI::App& app, CommandContext& ctx) {
  ctx.AddCommand(
      app, "check", "Verifies every file of the database (read-only)",
      "Reads every table, WAL and MANIFEST in the --db directory with the engine's own readers: "
      "every checksum of every block and record, and the decoding of every entry. Checks that "
      "CURRENT names a manifest and that every table it lists is present with its recorded "
      "size. Prints one line per file (ok, DAMAGED or ERROR, with the error) and a summary; "
      "exit status 3 when any file is damaged. Does not open the database; a torn unsynced WAL "
      "tail (what a crash leaves) is not damage.",
      [&ctx] { return RunCheck(ctx); });

  auto table = std::make_shared<std::string>();
  CLI::App* command = ctx.AddCommand(
      app, "dump-table", "Prints a table file, decoded (read-only)",
      "Prints the footer (format version, metaindex and index handles), the metaindex, the "
      "properties, the range tombstones, the index entries, and every entry of every data "
      "block: type, sequence number, user key, value. Goes on past a damaged block; exit "
      "status 3 when any is. Needs no --db.",
      [&ctx, table] { return RunDumpTable(ctx, *table); });
  command->add_option("FILE", *table, "a table file (NNNNNN.sst)")->required();

  auto wal = std::make_shared<std::string>();
  command = ctx.AddCommand(
      app, "dump-wal", "Prints a WAL or MANIFEST file, decoded (read-only)",
      "Prints the header, then every entry with its offset, size and synced_through, decoded: "
      "a WAL's write batches with the sequence number of each record (a batch of no records is "
      "the WAL's sequence marker), a manifest's version edits; then how the log ends (closed "
      "cleanly, torn tail, damage). Exit status 3 on damage. Needs no --db.",
      [&ctx, wal] { return RunDumpWal(ctx, *wal); });
  command->add_option("FILE", *wal, "a WAL file (NNNNNN.log) or MANIFEST-NNNNNN")->required();
}

}  // namespace aeternus::cli
