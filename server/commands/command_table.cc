#include <cctype>

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
  std::string lower(name);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto it = by_name_.find(lower);
  return it == by_name_.end() ? nullptr : &specs_[it->second];
}

void CommandContext::ReplyError(const Status& s) const {
  reply.AddError("ERR " + s.ToString());
}

}  // namespace aeternus::server
