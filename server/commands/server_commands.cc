// COMMAND CONFIG INFO DBSIZE FLUSHDB FLUSHALL, with Redis's replies (enough
// of COMMAND for redis-cli, of CONFIG GET for redis-benchmark).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "commands/arguments.h"
#include "commands/command.h"
#include "aeternus/iterator.h"
#include "commands/glob.h"

namespace aeternus::server {
namespace {

std::vector<std::string_view> FlagNames(std::uint32_t flags) {
  std::vector<std::string_view> names;
  if (flags & kWrite) names.push_back("write");
  if (flags & kReadOnly) names.push_back("readonly");
  if (flags & kFast) names.push_back("fast");
  if (flags & kNoAuth) names.push_back("no_auth");
  return names;
}

// One entry of COMMAND's reply: name, arity, flags, first key, last key,
// step, and (Redis 7) ACL categories, tips, key specs, subcommands, empty.
void AddCommandInfo(CommandContext& ctx, const CommandSpec& spec) {
  ctx.reply.AddArrayHeader(10);
  ctx.reply.AddBulkString(spec.name);
  ctx.reply.AddInteger(spec.arity);
  const auto flags = FlagNames(spec.flags);
  ctx.reply.AddSetHeader(flags.size());
  for (std::string_view f : flags) {
    ctx.reply.AddSimpleString(f);
  }
  ctx.reply.AddInteger(spec.first_key);
  ctx.reply.AddInteger(spec.last_key);
  ctx.reply.AddInteger(spec.key_step);
  for (int i = 0; i < 4; ++i) {
    ctx.reply.AddArrayHeader(0);
  }
}

// COMMAND | COMMAND COUNT | COMMAND INFO name... | COMMAND DOCS [name...] |
// COMMAND LIST
void Command(CommandContext& ctx) {
  const auto& all = CommandTable::Get().all();
  if (ctx.args.size() == 1) {
    ctx.reply.AddArrayHeader(all.size());
    for (const CommandSpec& spec : all) {
      AddCommandInfo(ctx, spec);
    }
    return;
  }
  const std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "COUNT") && ctx.args.size() == 2) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(all.size()));
  } else if (EqualsIgnoreCase(sub, "INFO") && ctx.args.size() == 2) {
    ctx.reply.AddArrayHeader(all.size());  // no name: every command, as COMMAND
    for (const CommandSpec& spec : all) {
      AddCommandInfo(ctx, spec);
    }
  } else if (EqualsIgnoreCase(sub, "INFO")) {
    ctx.reply.AddArrayHeader(ctx.args.size() - 2);
    for (std::size_t i = 2; i < ctx.args.size(); ++i) {
      const CommandSpec* spec = CommandTable::Get().Find(ctx.args[i]);
      spec != nullptr ? AddCommandInfo(ctx, *spec) : ctx.reply.AddNullArray();
    }
  } else if (EqualsIgnoreCase(sub, "DOCS")) {
    // Names only, each with an empty document: redis-cli then uses its own
    // hints.
    std::vector<const CommandSpec*> specs;
    if (ctx.args.size() == 2) {
      for (const CommandSpec& spec : all) {
        specs.push_back(&spec);
      }
    } else {
      for (std::size_t i = 2; i < ctx.args.size(); ++i) {
        if (const CommandSpec* spec = CommandTable::Get().Find(ctx.args[i])) {
          specs.push_back(spec);
        }
      }
    }
    ctx.reply.AddMapHeader(specs.size());
    for (const CommandSpec* spec : specs) {
      ctx.reply.AddBulkString(spec->name);
      ctx.reply.AddMapHeader(0);
    }
  } else if (EqualsIgnoreCase(sub, "LIST")) {
    if (ctx.args.size() != 2) {
      ctx.reply.AddError(kSyntaxError);  // no FILTERBY
      return;
    }
    ctx.reply.AddArrayHeader(all.size());
    for (const CommandSpec& spec : all) {
      ctx.reply.AddBulkString(spec.name);
    }
  } else {
    ReplySubcommandError(ctx, {"count"});
  }
}

std::vector<std::pair<std::string, std::string>> ConfigEntries(const ServerState& server) {
  const ServerConfig& c = server.config;
  return {
      {"appendonly", "no"},
      {"bind", c.bind},
      {"databases", "1"},
      {"dir", c.dir},
      {"io-threads", std::to_string(c.io_threads)},
      {"maxclients", std::to_string(c.maxclients)},
      {"port", std::to_string(c.port)},
      {"proto-max-bulk-len", std::to_string(c.limits.max_bulk_bytes)},
      {"requirepass", c.requirepass},
      {"save", ""},
      {"sync", c.sync ? "yes" : "no"},
      {"timeout", std::to_string(c.timeout_s)},
  };
}

// CONFIG GET pattern... ; other subcommands are refused (the settings are
// fixed at start).
void Config(CommandContext& ctx) {
  const std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "GET") && ctx.args.size() >= 3) {
    std::vector<std::pair<std::string, std::string>> found;
    for (const auto& entry : ConfigEntries(ctx.server)) {
      for (std::size_t i = 2; i < ctx.args.size(); ++i) {
        if (GlobMatch(ctx.args[i], entry.first, /*nocase=*/true)) {
          found.push_back(entry);
          break;
        }
      }
    }
    ctx.reply.AddMapHeader(found.size());
    for (const auto& [name, value] : found) {
      ctx.reply.AddBulkString(name);
      ctx.reply.AddBulkString(value);
    }
  } else if (EqualsIgnoreCase(sub, "RESETSTAT") && ctx.args.size() == 2) {
    ctx.reply.AddSimpleString("OK");
  } else if (EqualsIgnoreCase(sub, "SET")) {
    ctx.reply.AddError("ERR CONFIG SET is not supported: settings are given at start");
  } else {
    ReplySubcommandError(ctx, {"get", "resetstat"});
  }
}

std::int64_t EstimateKeys(DB* db) {
  std::string v;
  if (!db->GetProperty("aeternus.estimate-num-keys", &v)) {
    return 0;
  }
  return std::stoll(v);
}

// Exact up to kExactDbSizeKeys keys (counted by a scan, expired ones left
// out); above, the engine's estimate (aeternus.estimate-num-keys), which
// counts overwrites and range-deleted keys as well.
constexpr std::int64_t kExactDbSizeKeys = 100000;

std::int64_t DbSizeOf(CommandContext& ctx) {
  std::unique_ptr<Iterator> it = ctx.keyspace.NewKeyIterator();
  std::int64_t keys = 0;
  for (it->SeekToFirst(); it->Valid() && keys <= kExactDbSizeKeys; it->Next()) {
    const auto v = DecodeValue(it->value());
    keys += (!v || !IsExpired(*v, ctx.now_ms)) ? 1 : 0;
  }
  if (it->Valid() || !it->status().ok()) {
    return std::max(keys, EstimateKeys(ctx.keyspace.db()));
  }
  return keys;
}

void Property(DB* db, std::string_view name, std::string* out) {
  std::string v;
  if (db->GetProperty(name, &v)) {
    std::string field(name);
    std::replace(field.begin(), field.end(), '.', '_');
    std::replace(field.begin(), field.end(), '-', '_');
    *out += field + ":" + v + "\r\n";
  }
}

// INFO [section...]: server, clients, stats, persistence, keyspace, engine
// (the engine's properties); "all" or "everything" or none: every one.
void Info(CommandContext& ctx) {
  auto wanted = [&](std::string_view section) {
    if (ctx.args.size() == 1) {
      return true;
    }
    for (std::size_t i = 1; i < ctx.args.size(); ++i) {
      if (EqualsIgnoreCase(ctx.args[i], section) || EqualsIgnoreCase(ctx.args[i], "all") ||
          EqualsIgnoreCase(ctx.args[i], "everything") || EqualsIgnoreCase(ctx.args[i], "default")) {
        return true;
      }
    }
    return false;
  };
  const ServerState& server = ctx.server;
  const ServerStats& st = server.stats;
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - server.started)
                          .count();
  std::string out;
  auto line = [&out](std::string_view name, const auto& value) {
    out.append(name);
    out += ':';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
      out.append(value);
    } else {
      out += std::to_string(value);
    }
    out += "\r\n";
  };
  if (wanted("server")) {
    out += "# Server\r\n";
    line("redis_version", kRedisCompatibleVersion);
    line("aeternus_server", "1");
    line("redis_mode", "standalone");
    line("arch_bits", 64);
    line("process_id", static_cast<std::int64_t>(::getpid()));
    line("tcp_port", server.config.port);
    line("uptime_in_seconds", uptime);
    line("uptime_in_days", uptime / 86400);
    line("io_threads_active", server.config.io_threads);
    out += "\r\n";
  }
  if (wanted("clients")) {
    out += "# Clients\r\n";
    line("connected_clients", st.connected_clients.load());
    line("maxclients", server.config.maxclients);
    out += "\r\n";
  }
  if (wanted("persistence")) {
    out += "# Persistence\r\n";
    line("loading", 0);
    line("aeternus_sync", server.config.sync ? "yes" : "no");
    line("aeternus_dir", server.config.dir);
    out += "\r\n";
  }
  if (wanted("stats")) {
    out += "# Stats\r\n";
    line("total_connections_received", st.connections_received.load());
    line("total_commands_processed", st.commands_processed.load());
    line("total_net_input_bytes", st.net_input_bytes.load());
    line("total_net_output_bytes", st.net_output_bytes.load());
    line("rejected_connections", st.rejected_connections.load());
    line("keyspace_hits", st.keyspace_hits.load());
    line("keyspace_misses", st.keyspace_misses.load());
    line("total_protocol_errors", st.protocol_errors.load());
    line("client_output_buffer_limit_disconnections", st.output_limit_disconnections.load());
    line("aeternus_batch_commits", st.batch_commits.load());
    line("aeternus_batched_writes", st.batched_writes.load());
    out += "\r\n";
  }
  DB* db = ctx.keyspace.db();
  if (wanted("keyspace")) {
    out += "# Keyspace\r\n";
    // keys= as DBSIZE counts them.
    out += "db0:keys=" + std::to_string(DbSizeOf(ctx)) + ",expires=0,avg_ttl=0\r\n\r\n";
  }
  if (wanted("engine")) {
    out += "# Engine\r\n";
    for (std::string_view name :
         {"aeternus.num-files", "aeternus.total-table-bytes", "aeternus.memtable-bytes",
          "aeternus.estimate-num-keys", "aeternus.pending-compaction-bytes",
          "aeternus.num-compactions", "aeternus.num-running-compactions",
          "aeternus.num-filtered-entries", "aeternus.write-slowdowns", "aeternus.write-stops",
          "aeternus.sequence"}) {
      Property(db, name, &out);
    }
    out += "\r\n";
  }
  while (out.size() >= 2 && out.ends_with("\r\n\r\n")) {
    out.resize(out.size() - 2);
  }
  ctx.reply.AddVerbatimString(out);
}

void DbSize(CommandContext& ctx) { ctx.reply.AddInteger(DbSizeOf(ctx)); }

// FLUSHDB [ASYNC | SYNC], FLUSHALL likewise: one range deletion of every
// key, written while the all-keys lock is held exclusively (no loop holds a
// key claim meanwhile).
void FlushDb(CommandContext& ctx) {
  if (ctx.args.size() > 2 ||
      (ctx.args.size() == 2 && !EqualsIgnoreCase(ctx.args[1], "ASYNC") &&
       !EqualsIgnoreCase(ctx.args[1], "SYNC"))) {
    ctx.reply.AddError(kSyntaxError);
    return;
  }
  std::unique_lock all(ctx.keyspace.locks().all_keys());
  WriteBatch batch;
  Keyspace::BatchDeleteAll(&batch);
  const Status s = ctx.keyspace.Write(&batch);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  ctx.reply.AddSimpleString("OK");
}

}  // namespace

void AddServerCommands(CommandTable& t) {
  t.Add({"command", -1, kBatched, 0, 0, 0, &Command});
  t.Add({"config", -2, kBatched, 0, 0, 0, &Config});
  t.Add({"info", -1, 0, 0, 0, 0, &Info});
  t.Add({"dbsize", 1, kReadOnly | kFast, 0, 0, 0, &DbSize});
  t.Add({"flushdb", -1, kWrite, 0, 0, 0, &FlushDb});
  t.Add({"flushall", -1, kWrite, 0, 0, 0, &FlushDb});
}

}  // namespace aeternus::server
