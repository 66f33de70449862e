// GET SET SETNX SETEX PSETEX GETSET GETDEL MGET MSET MSETNX INCR INCRBY DECR
// DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SETRANGE, with Redis's replies.
// Every one reads and writes through the loop's pending writes; one that
// writes claims its keys first (store/pending_writes.h).

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "commands/arguments.h"
#include "commands/command.h"
#include "commands/numbers.h"

namespace aeternus::server {
namespace {

// Redis's proto-max-bulk-len: the longest string SETRANGE and APPEND make.
constexpr std::int64_t kMaxStringBytes = std::int64_t{512} << 20;

// Reads `key`; replies and returns false on an engine error or a value of
// another type.
bool ReadString(CommandContext& ctx, std::string_view key, KeyEntry* e,
                const Snapshot* snapshot = nullptr) {
  const Status s = ctx.pending.Get(key, ctx.now_ms, e, snapshot);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return false;
  }
  if (e->state == KeyEntry::State::kOtherType) {
    ctx.reply.AddError(kWrongTypeError);
    return false;
  }
  return true;
}

// An expiry given relative or absolute, in seconds or milliseconds, as the
// absolute time in ms; nullopt (after replying) when invalid.
std::optional<std::int64_t> ExpiryAt(CommandContext& ctx, std::string_view amount, bool ms,
                                     bool absolute, std::string_view command) {
  const std::optional<std::int64_t> v = ParseInt64(amount);
  if (!v) {
    ctx.reply.AddError(kNotIntegerError);
    return std::nullopt;
  }
  const std::string invalid = "ERR invalid expire time in '" + std::string(command) + "' command";
  if (*v <= 0 || (!ms && *v > INT64_MAX / 1000)) {
    ctx.reply.AddError(invalid);
    return std::nullopt;
  }
  std::int64_t at = ms ? *v : *v * 1000;
  if (!absolute) {
    if (at > INT64_MAX - ctx.now_ms) {
      ctx.reply.AddError(invalid);
      return std::nullopt;
    }
    at += ctx.now_ms;
  }
  return at;
}

void Get(CommandContext& ctx) {
  KeyEntry e;
  if (!ReadString(ctx, ctx.args[1], &e)) {
    return;
  }
  if (!e.exists()) {
    ctx.server.stats.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    ctx.reply.AddNull();
    return;
  }
  ctx.server.stats.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  ctx.reply.AddBulkString(e.data);
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]
void Set(CommandContext& ctx) {
  // First: a relative expiry counts from the time of the claim.
  ctx.Claim(ctx.args[1]);
  bool nx = false;
  bool xx = false;
  bool get = false;
  bool keepttl = false;
  // EX, PX, EXAT or PXAT as given (empty: none), and its amount. The same
  // one may come again, the last winning, as in Redis; another one is a
  // syntax error.
  std::string_view expiry_option;
  std::string_view expiry_amount;
  for (std::size_t i = 3; i < ctx.args.size(); ++i) {
    const std::string_view opt = ctx.args[i];
    const bool more = i + 1 < ctx.args.size();
    if (EqualsIgnoreCase(opt, "NX") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "XX") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "GET")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "KEEPTTL") && expiry_option.empty()) {
      keepttl = true;
    } else if (more && !keepttl &&
               (expiry_option.empty() || EqualsIgnoreCase(opt, expiry_option)) &&
               (EqualsIgnoreCase(opt, "EX") || EqualsIgnoreCase(opt, "PX") ||
                EqualsIgnoreCase(opt, "EXAT") || EqualsIgnoreCase(opt, "PXAT"))) {
      expiry_option = opt;
      expiry_amount = ctx.args[++i];
    } else {
      ctx.reply.AddError(kSyntaxError);
      return;
    }
  }
  // Checked once every option is read, as Redis does: a syntax error
  // anywhere wins over an invalid expire time.
  std::optional<std::int64_t> expiry;
  if (!expiry_option.empty()) {
    const bool ms = expiry_option[0] == 'P' || expiry_option[0] == 'p';
    const bool absolute = expiry_option.size() == 4;
    expiry = ExpiryAt(ctx, expiry_amount, ms, absolute, "set");
    if (!expiry) {
      return;
    }
  }
  const std::string_view key = ctx.args[1];
  const std::string_view value = ctx.args[2];
  if (!nx && !xx && !get && !keepttl) {
    if (ctx.Put(key, value, expiry)) {  // blind: no read
      ctx.reply.AddSimpleString("OK");
    }
    return;
  }
  KeyEntry e;
  const Status s = ctx.pending.Get(key, ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  if (get && e.state == KeyEntry::State::kOtherType) {
    ctx.reply.AddError(kWrongTypeError);
    return;
  }
  const bool exists = e.exists();
  if ((nx && exists) || (xx && !exists)) {
    if (get) {
      exists ? ctx.reply.AddBulkString(e.data) : ctx.reply.AddNull();
    } else {
      ctx.reply.AddNull();
    }
    return;
  }
  if (keepttl && e.state == KeyEntry::State::kString) {
    expiry = e.expires_at_ms;
  }
  if (!ctx.Put(key, value, expiry)) {
    return;
  }
  if (get) {
    exists ? ctx.reply.AddBulkString(e.data) : ctx.reply.AddNull();
  } else {
    ctx.reply.AddSimpleString("OK");
  }
}

void SetNx(CommandContext& ctx) {
  ctx.Claim(ctx.args[1]);
  KeyEntry e;
  const Status s = ctx.pending.Get(ctx.args[1], ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  if (e.exists()) {
    ctx.reply.AddInteger(0);
    return;
  }
  if (ctx.Put(ctx.args[1], ctx.args[2], std::nullopt)) {
    ctx.reply.AddInteger(1);
  }
}

// SETEX key seconds value, PSETEX key ms value: blind.
void SetExpiring(CommandContext& ctx, bool ms) {
  ctx.Claim(ctx.args[1]);  // first: the expiry counts from the time of the claim
  const auto at = ExpiryAt(ctx, ctx.args[2], ms, false, ms ? "psetex" : "setex");
  if (!at) {
    return;
  }
  if (ctx.Put(ctx.args[1], ctx.args[3], at)) {
    ctx.reply.AddSimpleString("OK");
  }
}
void SetEx(CommandContext& ctx) { SetExpiring(ctx, false); }
void PSetEx(CommandContext& ctx) { SetExpiring(ctx, true); }

void GetSet(CommandContext& ctx) {
  ctx.Claim(ctx.args[1]);
  KeyEntry e;
  if (!ReadString(ctx, ctx.args[1], &e)) {
    return;
  }
  if (!ctx.Put(ctx.args[1], ctx.args[2], std::nullopt)) {
    return;
  }
  e.exists() ? ctx.reply.AddBulkString(e.data) : ctx.reply.AddNull();
}

void GetDel(CommandContext& ctx) {
  ctx.Claim(ctx.args[1]);
  KeyEntry e;
  if (!ReadString(ctx, ctx.args[1], &e)) {
    return;
  }
  if (!e.exists()) {
    ctx.reply.AddNull();
    return;
  }
  ctx.pending.Delete(ctx.args[1]);
  ctx.reply.AddBulkString(e.data);
}

// Reads every key as of one state (CommandContext::ReadKeys).
void MGet(CommandContext& ctx) {
  std::vector<KeyEntry> entries;
  const Status s = ctx.ReadKeys(ctx.args.subspan(1), &entries);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  ctx.reply.AddArrayHeader(entries.size());
  for (const KeyEntry& e : entries) {
    // MGET answers nil for a key of another type.
    e.state == KeyEntry::State::kString ? ctx.reply.AddBulkString(e.data) : ctx.reply.AddNull();
  }
}

bool PairsArity(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.AddError("ERR wrong number of arguments for '" + Lowercase(ctx.args[0]) +
                       "' command");
    return false;
  }
  return true;
}

// Checks every pair of MSET or MSETNX before any is written: all or none.
bool CheckPairs(CommandContext& ctx) {
  for (std::size_t i = 1; i + 1 < ctx.args.size(); i += 2) {
    const Status s = ctx.pending.CheckPut(ctx.args[i], ctx.args[i + 1]);
    if (!s.ok()) {
      ctx.ReplyError(s);
      return false;
    }
  }
  return true;
}

void MSet(CommandContext& ctx) {
  if (!PairsArity(ctx)) {
    return;
  }
  std::vector<std::string_view> keys;
  for (std::size_t i = 1; i < ctx.args.size(); i += 2) {
    keys.push_back(ctx.args[i]);
  }
  ctx.Claim(keys);
  if (!CheckPairs(ctx)) {
    return;
  }
  for (std::size_t i = 1; i + 1 < ctx.args.size(); i += 2) {
    static_cast<void>(ctx.Put(ctx.args[i], ctx.args[i + 1], std::nullopt));  // checked
  }
  ctx.reply.AddSimpleString("OK");
}

void MSetNx(CommandContext& ctx) {
  if (!PairsArity(ctx)) {
    return;
  }
  std::vector<std::string_view> keys;
  for (std::size_t i = 1; i < ctx.args.size(); i += 2) {
    keys.push_back(ctx.args[i]);
  }
  ctx.Claim(keys);
  for (std::string_view key : keys) {
    KeyEntry e;
    const Status s = ctx.pending.Get(key, ctx.now_ms, &e);
    if (!s.ok()) {
      ctx.ReplyError(s);
      return;
    }
    if (e.exists()) {
      ctx.reply.AddInteger(0);
      return;
    }
  }
  if (!CheckPairs(ctx)) {
    return;
  }
  for (std::size_t i = 1; i + 1 < ctx.args.size(); i += 2) {
    static_cast<void>(ctx.Put(ctx.args[i], ctx.args[i + 1], std::nullopt));  // checked
  }
  ctx.reply.AddInteger(1);
}

// INCR, DECR, INCRBY, DECRBY: adds `delta` (the TTL stays).
void IncrementBy(CommandContext& ctx, std::int64_t delta) {
  const std::string_view key = ctx.args[1];
  ctx.Claim(key);
  KeyEntry e;
  if (!ReadString(ctx, key, &e)) {
    return;
  }
  std::int64_t value = 0;
  if (e.exists()) {
    const auto v = ParseInt64(e.data);
    if (!v) {
      ctx.reply.AddError(kNotIntegerError);
      return;
    }
    value = *v;
  }
  if ((delta < 0 && value < INT64_MIN - delta) || (delta > 0 && value > INT64_MAX - delta)) {
    ctx.reply.AddError("ERR increment or decrement would overflow");
    return;
  }
  value += delta;
  if (ctx.Put(key, std::to_string(value), e.expires_at_ms)) {
    ctx.reply.AddInteger(value);
  }
}

void Incr(CommandContext& ctx) { IncrementBy(ctx, 1); }
void Decr(CommandContext& ctx) { IncrementBy(ctx, -1); }

void IncrBy(CommandContext& ctx) {
  const auto delta = ParseInt64(ctx.args[2]);
  if (!delta) {
    ctx.reply.AddError(kNotIntegerError);
    return;
  }
  IncrementBy(ctx, *delta);
}

void DecrBy(CommandContext& ctx) {
  const auto delta = ParseInt64(ctx.args[2]);
  if (!delta || *delta == INT64_MIN) {
    ctx.reply.AddError(delta ? "ERR decrement would overflow" : kNotIntegerError);
    return;
  }
  IncrementBy(ctx, -*delta);
}

void IncrByFloat(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  const auto delta = ParseLongDouble(ctx.args[2]);
  if (!delta) {
    ctx.reply.AddError("ERR value is not a valid float");
    return;
  }
  ctx.Claim(key);
  KeyEntry e;
  if (!ReadString(ctx, key, &e)) {
    return;
  }
  long double value = 0;
  if (e.exists()) {
    const auto v = ParseLongDouble(e.data);
    if (!v) {
      ctx.reply.AddError("ERR value is not a valid float");
      return;
    }
    value = *v;
  }
  value += *delta;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.AddError("ERR increment would produce NaN or Infinity");
    return;
  }
  const std::string text = FormatLongDouble(value);
  if (ctx.Put(key, text, e.expires_at_ms)) {
    ctx.reply.AddBulkString(text);
  }
}

void Append(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  ctx.Claim(key);
  KeyEntry e;
  if (!ReadString(ctx, key, &e)) {
    return;
  }
  if (static_cast<std::int64_t>(e.data.size() + ctx.args[2].size()) > kMaxStringBytes) {
    ctx.reply.AddError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return;
  }
  std::string value(e.data);
  value.append(ctx.args[2]);
  if (ctx.Put(key, value, e.expires_at_ms)) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(value.size()));
  }
}

void StrLen(CommandContext& ctx) {
  KeyEntry e;
  if (ReadString(ctx, ctx.args[1], &e)) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(e.data.size()));
  }
}

void GetRange(CommandContext& ctx) {
  const auto start_arg = ParseInt64(ctx.args[2]);
  const auto end_arg = ParseInt64(ctx.args[3]);
  if (!start_arg || !end_arg) {
    ctx.reply.AddError(kNotIntegerError);
    return;
  }
  KeyEntry e;
  if (!ReadString(ctx, ctx.args[1], &e)) {
    return;
  }
  const auto len = static_cast<std::int64_t>(e.data.size());
  std::int64_t start = *start_arg;
  std::int64_t end = *end_arg;
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.AddBulkString("");
    return;
  }
  if (start < 0) {
    start = std::max<std::int64_t>(len + start, 0);
  }
  if (end < 0) {
    end = std::max<std::int64_t>(len + end, 0);
  }
  end = std::min(end, len - 1);
  if (len == 0 || start > end) {
    ctx.reply.AddBulkString("");
    return;
  }
  ctx.reply.AddBulkString(
      e.data.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1)));
}

void SetRange(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  const auto offset = ParseInt64(ctx.args[2]);
  if (!offset) {
    ctx.reply.AddError(kNotIntegerError);
    return;
  }
  if (*offset < 0) {
    ctx.reply.AddError("ERR offset is out of range");
    return;
  }
  const std::string_view patch = ctx.args[3];
  ctx.Claim(key);
  KeyEntry e;
  if (!ReadString(ctx, key, &e)) {
    return;
  }
  if (patch.empty()) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(e.data.size()));
    return;
  }
  if (*offset > kMaxStringBytes - static_cast<std::int64_t>(patch.size())) {
    ctx.reply.AddError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return;
  }
  std::string value(e.data);
  const auto at = static_cast<std::size_t>(*offset);
  if (value.size() < at + patch.size()) {
    value.resize(at + patch.size(), '\0');
  }
  value.replace(at, patch.size(), patch);
  if (ctx.Put(key, value, e.expires_at_ms)) {
    ctx.reply.AddInteger(static_cast<std::int64_t>(value.size()));
  }
}

}  // namespace

void AddStringCommands(CommandTable& t) {
  t.Add({"get", 2, kReadOnly | kFast | kBatched, 1, 1, 1, &Get});
  t.Add({"set", -3, kWrite | kBatched, 1, 1, 1, &Set});
  t.Add({"setnx", 3, kWrite | kFast | kBatched, 1, 1, 1, &SetNx});
  t.Add({"setex", 4, kWrite | kBatched, 1, 1, 1, &SetEx});
  t.Add({"psetex", 4, kWrite | kBatched, 1, 1, 1, &PSetEx});
  t.Add({"getset", 3, kWrite | kFast | kBatched, 1, 1, 1, &GetSet});
  t.Add({"getdel", 2, kWrite | kFast | kBatched, 1, 1, 1, &GetDel});
  t.Add({"mget", -2, kReadOnly | kFast | kBatched, 1, -1, 1, &MGet});
  t.Add({"mset", -3, kWrite | kBatched, 1, -1, 2, &MSet});
  t.Add({"msetnx", -3, kWrite | kBatched, 1, -1, 2, &MSetNx});
  t.Add({"incr", 2, kWrite | kFast | kBatched, 1, 1, 1, &Incr});
  t.Add({"decr", 2, kWrite | kFast | kBatched, 1, 1, 1, &Decr});
  t.Add({"incrby", 3, kWrite | kFast | kBatched, 1, 1, 1, &IncrBy});
  t.Add({"decrby", 3, kWrite | kFast | kBatched, 1, 1, 1, &DecrBy});
  t.Add({"incrbyfloat", 3, kWrite | kFast | kBatched, 1, 1, 1, &IncrByFloat});
  t.Add({"append", 3, kWrite | kFast | kBatched, 1, 1, 1, &Append});
  t.Add({"strlen", 2, kReadOnly | kFast | kBatched, 1, 1, 1, &StrLen});
  t.Add({"getrange", 4, kReadOnly | kBatched, 1, 1, 1, &GetRange});
  t.Add({"setrange", 4, kWrite | kBatched, 1, 1, 1, &SetRange});
}

}  // namespace aeternus::server
