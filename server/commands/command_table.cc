#include <algorithm>
#include <cctype>
#include <string>

#include "commands/arguments.h"
#include "commands/command.h"

namespace aeternus::server {

const CommandTable& CommandTable::Get() {
  static const CommandTable table = [] {
    CommandTable t;
    AddConnectionCommands(t);
    AddServerCommands(t);
    AddStringCommands(t);
    AddKeyCommands(t);
    return t;
  }();
  return table;
}

void CommandTable::Add(const CommandSpec& spec) {
  by_name_.emplace(std::string(spec.name), specs_.size());
  specs_.push_back(spec);
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  if (name.size() > 32) {
    return nullptr;
  }
  const auto it = by_name_.find(Lowercase(name));
  return it == by_name_.end() ? nullptr : &specs_[it->second];
}

void CommandContext::ReplyError(const Status& s) const {
  reply.AddError("ERR " + s.ToString());
}

void CommandContext::Claim(std::span<const std::string_view> keys) {
  if (pending.Claim(keys)) {
    now_ms = Keyspace::NowMs();
  }
}

Status CommandContext::ReadKeys(std::span<const std::string_view> keys,
                                std::vector<KeyEntry>* entries) {
  entries->assign(keys.size(), KeyEntry{});
  const Snapshot* snapshot = nullptr;
  if (keys.size() > 1) {
    if (pending.has_writes()) {
      // A pending value is true only from the commit on; an engine
      // snapshot from now could pair it with values another loop then
      // overwrites first. Claimed keys do not change until this commit.
      Claim(keys);
    } else {
      snapshot = keyspace.db()->GetSnapshot();
    }
  }
  Status s;
  for (std::size_t i = 0; i < keys.size() && s.ok(); ++i) {
    s = pending.Get(keys[i], now_ms, &(*entries)[i], snapshot);
  }
  if (snapshot != nullptr) {
    keyspace.db()->ReleaseSnapshot(snapshot);
  }
  return s;
}

bool CommandContext::Put(std::string_view key, std::string_view data,
                         std::optional<std::int64_t> expires_at_ms) const {
  const Status s = pending.Put(key, data, expires_at_ms);
  if (!s.ok()) {
    ReplyError(s);
    return false;
  }
  return true;
}

void ReplySubcommandError(CommandContext& ctx, std::initializer_list<std::string_view> known) {
  std::string container = Lowercase(ctx.args[0]);
  const std::string sub = Lowercase(ctx.args[1]);
  if (std::find(known.begin(), known.end(), sub) != known.end()) {
    ctx.reply.AddError("ERR wrong number of arguments for '" + container + "|" + sub + "' command");
    return;
  }
  for (char& c : container) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ctx.reply.AddError("ERR unknown subcommand '" + std::string(ctx.args[1].substr(0, 128)) +
                     "'. Try " + container + " HELP.");
}

}  // namespace aeternus::server
