#pragma once
// What aeternus-server is told at start: flags and the optional config file
// (docs/server.md, "Configuration"), with Redis's names where Redis has the
// same setting.

#include <cstddef>
#include <cstdint>
#include <string>

#include "resp/request_parser.h"

namespace aeternus::server {

struct ServerConfig {
  std::string dir = "./aeternus-data";  // the database directory
  std::string bind = "127.0.0.1";
  int port = 6379;
  std::string requirepass;  // empty: no password
  int maxclients = 10000;
  int io_threads = 2;  // event loops, each serving its share of the clients
  // Acknowledge a write only once it is synced (WriteOptions::sync): an
  // acknowledged write then survives power loss, at the cost of one fsync
  // per round of writes of each event loop.
  bool sync = false;
  int timeout_s = 0;  // close a client idle this long; 0: never
  RequestLimits limits;
  // A client whose replies waiting to be sent pass this many bytes is
  // closed (a slow reader cannot make the server hold unbounded memory).
  std::size_t output_buffer_limit = std::size_t{256} << 20;
  // Past this many bytes of unsent replies a client's requests wait (its
  // input is not read) until the replies drain.
  std::size_t output_pause_bytes = std::size_t{1} << 20;
  // Engine options.
  std::size_t write_buffer_size = std::size_t{64} << 20;
  std::size_t block_cache_size = std::size_t{128} << 20;
  // Options::memtable_hash_index_size_ratio: GET and the reads of
  // read-modify-write commands mostly want the newest version of one key.
  // 0.125 indexes every key of a memtable of entries up to about 88 bytes.
  double memtable_hash_index_ratio = 0.125;
};

}  // namespace aeternus::server
