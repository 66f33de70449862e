#pragma once
// What every command may see of the server as a whole: its configuration,
// its counters (for INFO) and its clients' count.
//
// Thread safety: the counters are atomics; config is read-only once
// serving.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "scan_cursors.h"
#include "server_config.h"

namespace aeternus::server {

struct ServerStats {
  std::atomic<std::uint64_t> connections_received{0};
  std::atomic<std::uint64_t> rejected_connections{0};
  std::atomic<std::uint64_t> commands_processed{0};
  std::atomic<std::uint64_t> keyspace_hits{0};
  std::atomic<std::uint64_t> keyspace_misses{0};
  std::atomic<std::uint64_t> net_input_bytes{0};
  std::atomic<std::uint64_t> net_output_bytes{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> output_limit_disconnections{0};
  // Engine writes of the loops' pending writes, and the puts and deletes
  // they carried.
  std::atomic<std::uint64_t> batch_commits{0};
  std::atomic<std::uint64_t> batched_writes{0};
  std::atomic<std::int64_t> connected_clients{0};
  std::atomic<std::uint64_t> next_client_id{1};
};

struct ServerState {
  explicit ServerState(ServerConfig c) : config(std::move(c)) {}

  const ServerConfig config;
  ServerStats stats;
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  ScanCursors scan_cursors;
};

}  // namespace aeternus::server
