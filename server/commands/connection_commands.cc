// PING ECHO QUIT SELECT AUTH HELLO CLIENT, with Redis's replies.

#include <algorithm>
#include <string>

#include "commands/arguments.h"
#include "commands/command.h"
#include "commands/numbers.h"

namespace aeternus::server {
namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

void Ping(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.AddError("ERR wrong number of arguments for 'ping' command");
  } else if (ctx.args.size() == 2) {
    ctx.reply.AddBulkString(ctx.args[1]);
  } else {
    ctx.reply.AddSimpleString("PONG");
  }
}

void Echo(CommandContext& ctx) { ctx.reply.AddBulkString(ctx.args[1]); }

void Quit(CommandContext& ctx) {
  ctx.reply.AddSimpleString("OK");
  ctx.client.close_after_reply = true;
}

void Select(CommandContext& ctx) {
  const auto index = ParseInt64(ctx.args[1]);
  if (!index) {
    ctx.reply.AddError(kNotIntegerError);
  } else if (*index != 0) {
    ctx.reply.AddError("ERR DB index is out of range");
  } else {
    ctx.reply.AddSimpleString("OK");
  }
}

// Checks `user` and `password` against requirepass (the only user is
// "default"); replies with the error and returns false when they fail.
// Without requirepass the default user has no password (Redis's "nopass"):
// any password is accepted, as Redis 7 does.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  const std::string& required = ctx.server.config.requirepass;
  if (user != "default" || (!required.empty() && password != required)) {
    ctx.reply.AddError(kWrongPass);
    return false;
  }
  ctx.client.authenticated = true;
  return true;
}

// AUTH [username] password
void Auth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.AddError(kSyntaxError);
    return;
  }
  if (ctx.args.size() == 2 && ctx.server.config.requirepass.empty()) {
    ctx.reply.AddError(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
    return;
  }
  const std::string_view user = ctx.args.size() == 3 ? ctx.args[1] : "default";
  if (Authenticate(ctx, user, ctx.args.back())) {
    ctx.reply.AddSimpleString("OK");
  }
}

bool ValidClientName(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c <= '~'; });
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx) {
  std::size_t i = 1;
  RespVersion version = ctx.reply.version();
  if (ctx.args.size() > 1) {
    const auto v = ParseInt64(ctx.args[1]);
    if (!v) {
      ctx.reply.AddError("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (*v != 2 && *v != 3) {
      ctx.reply.AddError("NOPROTO unsupported protocol version");
      return;
    }
    version = *v == 3 ? RespVersion::kResp3 : RespVersion::kResp2;
    i = 2;
  }
  std::optional<std::string_view> user, password, name;
  for (; i < ctx.args.size(); ++i) {
    const bool more = i + 1 < ctx.args.size();
    if (EqualsIgnoreCase(ctx.args[i], "AUTH") && i + 2 < ctx.args.size()) {
      user = ctx.args[i + 1];
      password = ctx.args[i + 2];
      i += 2;
    } else if (EqualsIgnoreCase(ctx.args[i], "SETNAME") && more) {
      name = ctx.args[++i];
      if (!ValidClientName(*name)) {
        ctx.reply.AddError(
            "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    } else {
      ctx.reply.AddError("ERR Syntax error in HELLO option '" + std::string(ctx.args[i]) + "'");
      return;
    }
  }
  if (user && !Authenticate(ctx, *user, *password)) {
    return;
  }
  if (!ctx.client.authenticated) {
    ctx.reply.AddError(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
    return;
  }
  if (name) {
    ctx.client.name = *name;
  }
  ctx.reply.set_version(version);
  ctx.reply.AddMapHeader(7);
  ctx.reply.AddBulkString("server");
  ctx.reply.AddBulkString("redis");
  ctx.reply.AddBulkString("version");
  ctx.reply.AddBulkString(kRedisCompatibleVersion);
  ctx.reply.AddBulkString("proto");
  ctx.reply.AddInteger(version == RespVersion::kResp3 ? 3 : 2);
  ctx.reply.AddBulkString("id");
  ctx.reply.AddInteger(static_cast<std::int64_t>(ctx.client.id));
  ctx.reply.AddBulkString("mode");
  ctx.reply.AddBulkString("standalone");
  ctx.reply.AddBulkString("role");
  ctx.reply.AddBulkString("master");
  ctx.reply.AddBulkString("modules");
  ctx.reply.AddArrayHeader(0);
}

// CLIENT SETNAME name | GETNAME | ID | SETINFO ... | HELP
void Client(CommandContext& ctx) {
  const std::string_view sub = ctx.args[1];
  if (EqualsIgnoreCase(sub, "SETNAME") && ctx.args.size() == 3) {
    if (!ValidClientName(ctx.args[2])) {
      ctx.reply.AddError("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    ctx.client.name = ctx.args[2];
    ctx.reply.AddSimpleString("OK");
  } else if (EqualsIgnoreCase(sub, "GETNAME") && ctx.args.size() == 2) {
    ctx.client.name.empty() ? ctx.reply.AddNull() : ctx.reply.AddBulkString(ctx.client.name);
  } else if (EqualsIgnoreCase(sub, "ID") && ctx.args.size() == 2) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(ctx.client.id));
  } else if (EqualsIgnoreCase(sub, "SETINFO") && ctx.args.size() == 4) {
    ctx.reply.AddSimpleString("OK");  // client libraries send it; nothing is kept
  } else {
    ReplySubcommandError(ctx, {"setname", "getname", "id", "setinfo"});
  }
}

}  // namespace

void AddConnectionCommands(CommandTable& t) {
  t.Add({"ping", -1, kFast | kBatched, 0, 0, 0, &Ping});
  t.Add({"echo", 2, kFast | kBatched, 0, 0, 0, &Echo});
  t.Add({"quit", -1, kNoAuth | kFast | kBatched, 0, 0, 0, &Quit});
  t.Add({"select", 2, kFast | kBatched, 0, 0, 0, &Select});
  t.Add({"auth", -2, kNoAuth | kFast | kBatched, 0, 0, 0, &Auth});
  t.Add({"hello", -1, kNoAuth | kFast | kBatched, 0, 0, 0, &Hello});
  t.Add({"client", -2, kBatched, 0, 0, 0, &Client});
}

}  // namespace aeternus::server
