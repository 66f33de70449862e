// aeternus-server: a Redis-protocol server over an AeternusDB database
// (docs/server.md).
//
//   aeternus-server [--config FILE] [--dir DIR] [--bind ADDR] [--port N] ...
//
// SIGTERM and SIGINT stop it gracefully: no new client is accepted, the
// requests already read are answered, and the database is closed.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "aeternus/db.h"
#include "aeternus/options.h"
#include "config_file.h"
#include "server.h"
#include "server_config.h"
#include "store/expiry_filter.h"
#include "store/keyspace.h"

namespace {

using aeternus::server::ServerConfig;

int Fail(const std::string& message) {
  std::fprintf(stderr, "aeternus-server: %s\n", message.c_str());
  return 1;
}

// Registers the flags; the config file's settings are passed through the
// same parser, so both accept the same names and check values alike.
void AddFlags(CLI::App& app, ServerConfig& c, std::string& config_file) {
  // A setting given twice (file, then command line) takes the last.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--config", config_file, "Config file: lines of \"name value\" (flag names)");
  app.add_option("--dir", c.dir, "Database directory (created if missing)");
  app.add_option("--bind", c.bind, "Address to listen on");
  app.add_option("--port", c.port, "TCP port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--requirepass", c.requirepass, "Password clients must AUTH with");
  app.add_option("--maxclients", c.maxclients, "Most clients at once")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--io-threads", c.io_threads, "Event loops serving the clients")
      ->check(CLI::Range(1, 64));
  app.add_option("--sync", c.sync,
                 "yes: acknowledge a write once it is synced (survives power loss); no: once "
                 "it is in the WAL (survives a crash of the server)");
  app.add_option("--timeout", c.timeout_s, "Close clients idle this many seconds (0: never)")
      ->check(CLI::Range(0, 1000000000));
  app.add_option("--proto-max-bulk-len", c.limits.max_bulk_bytes, "Longest bulk argument")
      ->check(CLI::Range(std::size_t{1} << 10, std::size_t{1} << 32));
  app.add_option("--client-output-buffer-limit", c.output_buffer_limit,
                 "Close a client whose unsent replies pass this many bytes");
  app.add_option("--write-buffer-size", c.write_buffer_size, "Engine: memtable size in bytes");
  app.add_option("--block-cache-size", c.block_cache_size, "Engine: block cache in bytes");
  app.add_option("--memtable-hash-index-ratio", c.memtable_hash_index_ratio,
                 "Engine: memtable hash index size, as a fraction of the memtable (0: none)")
      ->check(CLI::Range(0.0, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  ServerConfig config;
  std::string config_file;
  CLI::App app{"aeternus-server: a Redis-protocol server over AeternusDB"};
  AddFlags(app, config, config_file);
  app.allow_config_extras(false);
  try {
    app.parse(argc, argv);
    if (!config_file.empty()) {
      std::vector<std::pair<std::string, std::string>> settings;
      if (auto s = aeternus::server::ReadConfigFile(config_file, &settings); !s.ok()) {
        return Fail(s.ToString());
      }
      // The file first, then the command line again, which wins.
      std::vector<std::string> args = {argv[0]};
      for (const auto& [name, value] : settings) {
        args.push_back("--" + name);
        args.push_back(value);
      }
      for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]);
      }
      ServerConfig merged;
      std::string ignored;
      CLI::App again;
      AddFlags(again, merged, ignored);
      // CLI11 takes a vector of arguments last first, without the program.
      std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
      again.parse(reversed);
      config = merged;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  // Signals are taken by sigwait below; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  aeternus::server::ExpiryFilter expiry_filter;
  aeternus::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = config.write_buffer_size;
  options.block_cache_capacity = config.block_cache_size;
  options.memtable_hash_index_size_ratio = config.memtable_hash_index_ratio;
  options.compaction_filter = &expiry_filter;
  // Keys and values as long as a request may carry them, within the
  // engine's own bounds (64 MiB keys, 1 GiB values); a value is stored
  // with a header of at most kMaxValueHeaderBytes.
  // (The engine key is the Redis key and a one-byte prefix.)
  options.max_key_size = std::min<std::size_t>(config.limits.max_bulk_bytes + 1, 64u << 20);
  options.max_value_size = std::min<std::size_t>(
      config.limits.max_bulk_bytes + aeternus::server::kMaxValueHeaderBytes, 1u << 30);
  std::unique_ptr<aeternus::DB> db;
  if (auto s = aeternus::DB::Open(options, config.dir, &db); !s.ok()) {
    return Fail("cannot open the database: " + s.ToString());
  }
  aeternus::server::Keyspace keyspace(db.get(), config.sync, options);
  aeternus::server::Server server(config, &keyspace);
  if (auto s = server.Start(); !s.ok()) {
    db->Close().IgnoreError();
    return Fail(s.ToString());
  }
  std::printf("aeternus-server: serving %s on %s:%d (sync %s, %d io threads)\n",
              config.dir.c_str(), config.bind.c_str(), server.port(), config.sync ? "yes" : "no",
              config.io_threads);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  std::printf("aeternus-server: %s, shutting down\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server.Stop();
  if (auto s = db->Close(); !s.ok()) {
    return Fail("closing the database: " + s.ToString());
  }
  return 0;
}
