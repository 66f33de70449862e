#include "data_commands.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace aeternus::cli {
namespace {

// A key range given as --from K (inclusive) and --to K (exclusive, or
// inclusive for `compact`, as DB::CompactRange takes it).
struct RangeArgs {
  std::string from;
  std::string to;
  CLI::Option* from_option = nullptr;
  CLI::Option* to_option = nullptr;

  void AddTo(CLI::App* command, const std::string& from_help, const std::string& to_help) {
    from_option = command->add_option("--from", from, from_help)->type_name("KEY");
    to_option = command->add_option("--to", to, to_help)->type_name("KEY");
  }
  // Decodes the bounds given into *lower / *upper.
  int Parse(const CommandContext& ctx, std::optional<std::string>* lower,
            std::optional<std::string>* upper) const {
    std::string bytes;
    if (from_option->count() > 0) {
      if (int rc = ctx.ParseArgument("--from", from, &bytes); rc != kExitOk) {
        return rc;
      }
      *lower = bytes;
    }
    if (to_option->count() > 0) {
      if (int rc = ctx.ParseArgument("--to", to, &bytes); rc != kExitOk) {
        return rc;
      }
      *upper = bytes;
    }
    return kExitOk;
  }
};

struct PutArgs {
  std::string key;
  std::string value;
};

int RunPut(const CommandContext& ctx, const PutArgs& args) {
  std::string key;
  std::string value;
  if (int rc = ctx.ParseArgument("KEY", args.key, &key); rc != kExitOk) {
    return rc;
  }
  if (int rc = ctx.ParseArgument("VALUE", args.value, &value); rc != kExitOk) {
    return rc;
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  Status s = db->Put(WriteOptions{}, key, value);
  return CloseDatabase(std::move(db), s);
}

int RunGet(const CommandContext& ctx, const std::string& key_text) {
  std::string key;
  if (int rc = ctx.ParseArgument("KEY", key_text, &key); rc != kExitOk) {
    return rc;
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadOnly, &db); rc != kExitOk) {
    return rc;
  }
  std::string value;
  Status s = db->Get(ReadOptions{}, key, &value);
  if (s.IsNotFound()) {
    PrintError("not found: " + ctx.format().Format(key));
    int rc = CloseDatabase(std::move(db), Status::OK());
    return rc == kExitOk ? kExitNotFound : rc;
  }
  if (s.ok()) {
    std::string line = ctx.format().Format(value);
    line.push_back('\n');
    WriteOut(line);
  }
  int rc = CloseDatabase(std::move(db), s);
  return rc == kExitOk ? FinishOutput() : rc;
}

int RunDelete(const CommandContext& ctx, const std::string& key_text) {
  std::string key;
  if (int rc = ctx.ParseArgument("KEY", key_text, &key); rc != kExitOk) {
    return rc;
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  Status s = db->Delete(WriteOptions{}, key);
  return CloseDatabase(std::move(db), s);
}

int RunDeleteRange(const CommandContext& ctx, const PutArgs& args) {
  std::string begin;
  std::string end;
  if (int rc = ctx.ParseArgument("BEGIN", args.key, &begin); rc != kExitOk) {
    return rc;
  }
  if (int rc = ctx.ParseArgument("END", args.value, &end); rc != kExitOk) {
    return rc;
  }
  if (begin >= end) {
    return UsageError("BEGIN must sort before END (the range is [BEGIN, END))");
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  Status s = db->DeleteRange(WriteOptions{}, begin, end);
  return CloseDatabase(std::move(db), s);
}

struct ScanArgs {
  RangeArgs range;
  std::uint64_t limit = 0;
  bool reverse = false;
  bool keys_only = false;
};

// Visits the live pairs in [lower, upper) in key order (or reverse order),
// at most `limit` of them (0: all), through a read-only iterator.
template <typename Visit>
Status ForEachPair(DB& db, const std::optional<std::string>& lower,
                   const std::optional<std::string>& upper, bool reverse, std::uint64_t limit,
                   Visit visit) {
  ReadOptions read_options;
  read_options.fill_cache = false;  // one pass: caching would only evict
  read_options.lower_bound = lower;
  read_options.upper_bound = upper;
  std::unique_ptr<Iterator> it = db.NewIterator(read_options);
  std::uint64_t seen = 0;
  if (reverse) {
    it->SeekToLast();
  } else {
    it->SeekToFirst();
  }
  while (it->Valid() && (limit == 0 || seen < limit)) {
    visit(it->key(), it->value());
    ++seen;
    if (reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  return it->status();
}

int RunScan(const CommandContext& ctx, const ScanArgs& args) {
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  if (int rc = args.range.Parse(ctx, &lower, &upper); rc != kExitOk) {
    return rc;
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadOnly, &db); rc != kExitOk) {
    return rc;
  }
  const ByteFormat format = ctx.format();
  std::string line;
  Status s = ForEachPair(*db, lower, upper, args.reverse, args.limit,
                         [&](std::string_view key, std::string_view value) {
                           line.clear();
                           format.Append(line, key);
                           if (!args.keys_only) {
                             line.push_back('\t');
                             format.Append(line, value);
                           }
                           line.push_back('\n');
                           WriteOut(line);
                         });
  int rc = CloseDatabase(std::move(db), s);
  return rc == kExitOk ? FinishOutput() : rc;
}

int RunCount(const CommandContext& ctx, const RangeArgs& range) {
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  if (int rc = range.Parse(ctx, &lower, &upper); rc != kExitOk) {
    return rc;
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadOnly, &db); rc != kExitOk) {
    return rc;
  }
  std::uint64_t count = 0;
  Status s = ForEachPair(*db, lower, upper, /*reverse=*/false, /*limit=*/0,
                         [&](std::string_view, std::string_view) { ++count; });
  if (s.ok()) {
    WriteOut(std::to_string(count) + "\n");
  }
  int rc = CloseDatabase(std::move(db), s);
  return rc == kExitOk ? FinishOutput() : rc;
}

int RunFlush(const CommandContext& ctx) {
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  Status s = db->Flush();
  return CloseDatabase(std::move(db), s);
}

int RunCompact(const CommandContext& ctx, const RangeArgs& range) {
  std::optional<std::string> begin;
  std::optional<std::string> end;
  if (int rc = range.Parse(ctx, &begin, &end); rc != kExitOk) {
    return rc;
  }
  if (begin && end && *begin > *end) {
    return UsageError("--from must not sort after --to");
  }
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadWrite, &db); rc != kExitOk) {
    return rc;
  }
  Status s;
  if (begin || end) {
    s = db->CompactRange(begin ? std::optional<std::string_view>(*begin) : std::nullopt,
                         end ? std::optional<std::string_view>(*end) : std::nullopt);
  } else {
    s = db->CompactAll();
  }
  return CloseDatabase(std::move(db), s);
}

int RunStats(const CommandContext& ctx) {
  std::unique_ptr<DB> db;
  if (int rc = ctx.OpenDatabase(Access::kReadOnly, &db); rc != kExitOk) {
    return rc;
  }
  std::string out;
  std::string value;
  if (db->GetProperty("aeternus.stats", &value)) {
    out.append(value);
    if (!out.empty() && out.back() != '\n') {
      out.push_back('\n');
    }
  }
  std::vector<std::string> names = {"aeternus.num-files"};
  for (int level = 0; level <= 6; ++level) {
    names.push_back("aeternus.num-files-at-level" + std::to_string(level));
  }
  for (const char* name : {"aeternus.total-table-bytes", "aeternus.pending-compaction-bytes",
                           "aeternus.estimate-num-keys", "aeternus.memtable-bytes",
                           "aeternus.sequence"}) {
    names.emplace_back(name);
  }
  for (const std::string& name : names) {
    if (db->GetProperty(name, &value)) {
      out.append(name).append(": ").append(value).push_back('\n');
    }
  }
  WriteOut(out);
  int rc = CloseDatabase(std::move(db), Status::OK());
  return rc == kExitOk ? FinishOutput() : rc;
}

}  // namespace

void AddDataCommands(CLI::App& app, CommandContext& ctx) {
  auto put = std::make_shared<PutArgs>();
  CLI::App* command = ctx.AddCommand(
      app, "put", "Sets KEY to VALUE",
      "Creates the database when --db names none. The write is synced to the WAL before the "
      "command returns.",
      [&ctx, put] { return RunPut(ctx, *put); });
  command->add_option("KEY", put->key, "the key (not empty)")->required();
  command->add_option("VALUE", put->value, "the value (may be empty: '')")->required();

  auto get_key = std::make_shared<std::string>();
  command = ctx.AddCommand(app, "get", "Prints the value of KEY (read-only)",
                           "Prints the value and a newline. Exit status 1, with a message on "
                           "stderr, when KEY has no live value.",
                           [&ctx, get_key] { return RunGet(ctx, *get_key); });
  command->add_option("KEY", *get_key, "the key")->required();

  auto delete_key = std::make_shared<std::string>();
  command = ctx.AddCommand(app, "delete", "Removes KEY", "Not an error when KEY is absent.",
                           [&ctx, delete_key] { return RunDelete(ctx, *delete_key); });
  command->add_option("KEY", *delete_key, "the key")->required();

  auto range_delete = std::make_shared<PutArgs>();
  command = ctx.AddCommand(app, "delete-range", "Removes every key in [BEGIN, END)",
                           "BEGIN must sort before END (bytewise, unsigned).",
                           [&ctx, range_delete] { return RunDeleteRange(ctx, *range_delete); });
  command->add_option("BEGIN", range_delete->key, "first key removed")->required();
  command->add_option("END", range_delete->value, "first key kept after the range")->required();

  auto scan = std::make_shared<ScanArgs>();
  command = ctx.AddCommand(
      app, "scan", "Prints live pairs in key order (read-only)",
      "One KEY<TAB>VALUE line per pair (KEY alone with --keys-only), in ascending key order, "
      "or descending with --reverse, within [--from, --to).",
      [&ctx, scan] { return RunScan(ctx, *scan); });
  scan->range.AddTo(command, "start at this key (inclusive)", "stop before this key (exclusive)");
  command->add_option("--limit", scan->limit, "print at most N pairs (0: no limit)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--reverse", scan->reverse, "in descending key order");
  command->add_flag("--keys-only", scan->keys_only, "print the keys alone");

  auto count = std::make_shared<RangeArgs>();
  command = ctx.AddCommand(app, "count", "Prints the number of live keys (read-only)",
                           "Counts the keys in [--from, --to), by default all.",
                           [&ctx, count] { return RunCount(ctx, *count); });
  count->AddTo(command, "count from this key (inclusive)", "count up to this key (exclusive)");

  ctx.AddCommand(app, "flush", "Writes the memtable to a table",
                 "Waits until the table is durable.", [&ctx] { return RunFlush(ctx); });

  auto compact = std::make_shared<RangeArgs>();
  command = ctx.AddCommand(
      app, "compact", "Compacts a key range, or everything",
      "With --from and/or --to: compacts the tables holding keys in [--from, --to] (both "
      "inclusive; a missing one leaves that end open), as DB::CompactRange. With neither: "
      "merges every table into one sorted run, as DB::CompactAll. Flushes the memtable first "
      "and waits until done.",
      [&ctx, compact] { return RunCompact(ctx, *compact); });
  compact->AddTo(command, "first key of the range (inclusive)",
                 "last key of the range (inclusive)");

  ctx.AddCommand(app, "stats", "Prints the engine's statistics (read-only)",
                 "Prints the property aeternus.stats, then one \"name: value\" line per "
                 "property: aeternus.num-files, aeternus.num-files-at-level0..6, "
                 "aeternus.total-table-bytes, aeternus.pending-compaction-bytes, "
                 "aeternus.memtable-bytes, aeternus.sequence.",
                 [&ctx] { return RunStats(ctx); });
}

}  // namespace aeternus::cli
