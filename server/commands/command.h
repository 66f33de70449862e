#pragma once
// The command layer: what a command is given (CommandContext), how it is
// declared (CommandSpec), and the table that finds it by name.
//
// A command reads its arguments, works on the keyspace and appends exactly
// one reply. Arity follows Redis: n > 0 means exactly n arguments with the
// name, n < 0 means at least -n.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/reply_writer.h"
#include "server_state.h"
#include "store/keyspace.h"
#include "store/pending_writes.h"

namespace aeternus::server {

// A client's state that commands change (AUTH, HELLO, CLIENT SETNAME...).
struct ClientState {
  std::uint64_t id = 0;
  std::string name;
  std::string peer;  // "ip:port"
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT
};

struct CommandContext {
  std::span<const std::string_view> args;  // args[0]: the name as sent
  ReplyWriter& reply;
  Keyspace& keyspace;
  ServerState& server;
  ClientState& client;
  // The event loop's pending writes: a command flagged kBatched claims,
  // reads and writes keys through it (store/pending_writes.h); they are
  // committed, and the replies held since sent, at the end of the round.
  PendingWrites& pending;
  std::int64_t now_ms;

  // Replies with the engine error `s` ("ERR ..."); for the common case.
  void ReplyError(const Status& s) const;
  // Claims keys through `pending` (before any reply); after a wait, reads
  // the clock again, so that expiry is judged at the time of the read.
  void Claim(std::span<const std::string_view> keys);
  void Claim(std::string_view key) { Claim(std::span<const std::string_view>(&key, 1)); }
  // Reads `keys` as of one state (MGET, EXISTS): one engine snapshot, or,
  // when this loop has writes pending that may be read, claims on every key
  // first. Entries in the keys' order.
  Status ReadKeys(std::span<const std::string_view> keys, std::vector<KeyEntry>* entries);
  // Adds a put to the pending writes; false, after replying with the error,
  // when it is refused (PendingWrites::Put).
  [[nodiscard]] bool Put(std::string_view key, std::string_view data,
                         std::optional<std::int64_t> expires_at_ms) const;
};

// Replies as Redis 7 does to a container command (CLIENT, COMMAND, CONFIG)
// whose subcommand args[1] it does not run: when the subcommand is one of
// `known` (lower case), it was given the wrong number of arguments ("ERR
// wrong number of arguments for 'client|setname' command"); otherwise it
// is unknown ("ERR unknown subcommand 'x'. Try CLIENT HELP.").
void ReplySubcommandError(CommandContext& ctx, std::initializer_list<std::string_view> known);

enum CommandFlags : std::uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  // May run while the round's writes are pending: it reads and writes keys
  // only through CommandContext::pending, or touches no key. A command
  // without it runs after the pending writes are committed.
  kBatched = 1u << 2,
  kNoAuth = 1u << 3,  // allowed before authentication (AUTH, HELLO, QUIT)
  kFast = 1u << 4,
};

struct CommandSpec {
  std::string_view name;  // lower case, as COMMAND lists it
  int arity;
  std::uint32_t flags;
  // Key positions, as COMMAND reports them: first, last (-1: the last
  // argument), step; 0, 0, 0 when the command takes no key.
  int first_key;
  int last_key;
  int key_step;
  void (*run)(CommandContext& ctx);
};

class CommandTable {
 public:
  // Every command of the server.
  static const CommandTable& Get();

  // The command named `name`, in any case; null when none is.
  const CommandSpec* Find(std::string_view name) const;
  const std::vector<CommandSpec>& all() const { return specs_; }

  void Add(const CommandSpec& spec);

 private:
  std::vector<CommandSpec> specs_;
  std::unordered_map<std::string, std::size_t> by_name_;
};

// Registration, one function per family of commands.
void AddConnectionCommands(CommandTable& table);
void AddServerCommands(CommandTable& table);
void AddStringCommands(CommandTable& table);
void AddKeyCommands(CommandTable& table);

// The Redis version whose commands and replies the server follows (HELLO,
// INFO's redis_version).
inline constexpr std::string_view kRedisCompatibleVersion = "7.0.15";

// Redis's error replies used by several commands.
inline constexpr std::string_view kWrongTypeError =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kSyntaxError = "ERR syntax error";
inline constexpr std::string_view kNotIntegerError = "ERR value is not an integer or out of range";

}  // namespace aeternus::server
