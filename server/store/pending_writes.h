#pragma once
// PendingWrites: the blind writes (SET without options, MSET...) that one
// event loop gathers in a round, committed as one batch at the round's end:
// with sync on, one fsync serves every write of the round (group commit at
// the server's level, before the engine's own).
//
// A command's reply is appended to its client's output at once but is sent
// only after Commit. If the commit fails, every reply of the round's blind
// writes is replaced by the error: those replies are always the tail of
// their client's output, because any other command of the same loop
// commits the pending writes before it runs.
//
// Not thread-safe: each event loop has its own.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "aeternus/write_batch.h"
#include "store/keyspace.h"

namespace aeternus::server {

class PendingWrites {
 public:
  explicit PendingWrites(Keyspace& keyspace) : keyspace_(keyspace) {}

  // Adds a put of `key` with its encoded value.
  void Put(std::string_view key, std::string_view encoded_value);
  // The puts added since the last call belong to a command whose reply
  // starts at `reply_offset` in *out. False, recording nothing, when there
  // were none (the command failed before writing).
  bool EndCommand(std::string* out, std::size_t reply_offset);

  // Called after each Commit (the event loop then lets the held replies go).
  void set_on_commit(std::function<void()> f) { on_commit_ = std::move(f); }

  bool empty() const { return commands_.empty(); }
  std::size_t size() const { return commands_.size(); }

  // Writes the batch under the stripes of its keys. On failure, replaces
  // each command's reply with "ERR <the error>" and returns it. Empties
  // this either way.
  Status Commit();

 private:
  struct Command {
    std::string* out;
    std::size_t reply_offset;
  };

  Keyspace& keyspace_;
  WriteBatch batch_;
  std::vector<std::size_t> stripes_;
  std::vector<Command> commands_;
  std::size_t puts_since_end_ = 0;
  std::function<void()> on_commit_;
};

}  // namespace aeternus::server
