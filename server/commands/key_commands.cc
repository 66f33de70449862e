// DEL UNLINK EXISTS TYPE EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL PERSIST
// SCAN KEYS, with Redis's replies. All but SCAN and KEYS read and write
// through the loop's pending writes (store/pending_writes.h).

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aeternus/iterator.h"
#include "commands/arguments.h"
#include "commands/command.h"
#include "commands/glob.h"
#include "commands/numbers.h"

namespace aeternus::server {
namespace {

// DEL and UNLINK: the number of keys that existed.
void Del(CommandContext& ctx) {
  const std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end());
  ctx.Claim(keys);
  std::vector<std::string_view> seen;
  std::vector<std::string_view> existing;
  for (std::string_view key : keys) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      continue;
    }
    seen.push_back(key);
    KeyEntry e;
    const Status s = ctx.pending.Get(key, ctx.now_ms, &e);
    if (!s.ok()) {
      ctx.ReplyError(s);
      return;
    }
    if (e.exists()) {
      existing.push_back(key);
    }
  }
  // Deleted only once every key was read: an error above writes nothing.
  for (std::string_view key : existing) {
    ctx.pending.Delete(key);
  }
  ctx.reply.AddInteger(static_cast<std::int64_t>(existing.size()));
}

// A key named twice counts twice, as in Redis. The keys are read as of one
// state (CommandContext::ReadKeys).
void Exists(CommandContext& ctx) {
  std::vector<KeyEntry> entries;
  const Status s = ctx.ReadKeys(ctx.args.subspan(1), &entries);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  std::int64_t found = 0;
  for (const KeyEntry& e : entries) {
    found += e.exists() ? 1 : 0;
  }
  ctx.reply.AddInteger(found);
}

void Type(CommandContext& ctx) {
  KeyEntry e;
  const Status s = ctx.pending.Get(ctx.args[1], ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  switch (e.state) {
    case KeyEntry::State::kMissing:
      ctx.reply.AddSimpleString("none");
      break;
    case KeyEntry::State::kString:
      ctx.reply.AddSimpleString("string");
      break;
    case KeyEntry::State::kOtherType:
      ctx.reply.AddSimpleString("unknown");
      break;
  }
}

// EXPIRE key seconds [NX | XX | GT | LT], and PEXPIRE, EXPIREAT, PEXPIREAT.
void ExpireGeneric(CommandContext& ctx, bool ms, bool absolute) {
  const std::string_view key = ctx.args[1];
  ctx.Claim(key);  // first: a relative expiry counts from the time of the claim
  const std::string name = Lowercase(ctx.args[0]);
  const auto amount = ParseInt64(ctx.args[2]);
  if (!amount) {
    ctx.reply.AddError(kNotIntegerError);
    return;
  }
  bool nx = false, xx = false, gt = false, lt = false;
  for (std::size_t i = 3; i < ctx.args.size(); ++i) {
    const std::string_view o = ctx.args[i];
    if (EqualsIgnoreCase(o, "NX")) {
      nx = true;
    } else if (EqualsIgnoreCase(o, "XX")) {
      xx = true;
    } else if (EqualsIgnoreCase(o, "GT")) {
      gt = true;
    } else if (EqualsIgnoreCase(o, "LT")) {
      lt = true;
    } else {
      ctx.reply.AddError("ERR Unsupported option " + std::string(o));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.AddError("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    ctx.reply.AddError("ERR GT and LT options at the same time are not compatible");
    return;
  }
  // The expiry as an absolute time in ms, with Redis's overflow checks.
  const std::string invalid = "ERR invalid expire time in '" + name + "' command";
  std::int64_t at = *amount;
  if (!ms) {
    if (at > INT64_MAX / 1000 || at < INT64_MIN / 1000) {
      ctx.reply.AddError(invalid);
      return;
    }
    at *= 1000;
  }
  if (!absolute) {
    if ((at > 0 && ctx.now_ms > INT64_MAX - at) || (at < 0 && ctx.now_ms < INT64_MIN - at)) {
      ctx.reply.AddError(invalid);
      return;
    }
    at += ctx.now_ms;
  }
  KeyEntry e;
  Status s = ctx.pending.Get(key, ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  if (e.state != KeyEntry::State::kString) {
    ctx.reply.AddInteger(0);
    return;
  }
  // No expiry counts as an infinite one for GT and LT.
  const bool has = e.expires_at_ms.has_value();
  if ((nx && has) || (xx && !has) || (gt && (!has || at <= *e.expires_at_ms)) ||
      (lt && has && at >= *e.expires_at_ms)) {
    ctx.reply.AddInteger(0);
    return;
  }
  if (at <= ctx.now_ms) {
    ctx.pending.Delete(key);
  } else if (!ctx.Put(key, e.data, at)) {
    return;
  }
  ctx.reply.AddInteger(1);
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }

void TtlGeneric(CommandContext& ctx, bool ms) {
  KeyEntry e;
  const Status s = ctx.pending.Get(ctx.args[1], ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  if (!e.exists()) {
    ctx.reply.AddInteger(-2);
  } else if (!e.expires_at_ms) {
    ctx.reply.AddInteger(-1);
  } else {
    const std::int64_t left = *e.expires_at_ms - ctx.now_ms;
    ctx.reply.AddInteger(ms ? left : (left + 500) / 1000);
  }
}

void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true); }

void Persist(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  ctx.Claim(key);
  KeyEntry e;
  Status s = ctx.pending.Get(key, ctx.now_ms, &e);
  if (!s.ok()) {
    ctx.ReplyError(s);
    return;
  }
  if (e.state != KeyEntry::State::kString || !e.expires_at_ms) {
    ctx.reply.AddInteger(0);
    return;
  }
  if (ctx.Put(key, e.data, std::nullopt)) {
    ctx.reply.AddInteger(1);
  }
}

// Whether an entry read by an iterator is a live key (not expired).
bool Live(std::string_view encoded, std::int64_t now_ms) {
  const auto v = DecodeValue(encoded);
  return !v || !IsExpired(*v, now_ms);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(CommandContext& ctx) {
  const auto cursor = ParseInt64(ctx.args[1]);
  if (!cursor || *cursor < 0) {
    ctx.reply.AddError("ERR invalid cursor");
    return;
  }
  std::optional<std::string_view> pattern;
  std::optional<std::string_view> type;
  std::int64_t count = 10;
  for (std::size_t i = 2; i < ctx.args.size(); i += 2) {
    if (i + 1 >= ctx.args.size()) {
      ctx.reply.AddError(kSyntaxError);
      return;
    }
    const std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "MATCH")) {
      pattern = ctx.args[i + 1];
    } else if (EqualsIgnoreCase(opt, "COUNT")) {
      const auto c = ParseInt64(ctx.args[i + 1]);
      if (!c) {
        ctx.reply.AddError(kNotIntegerError);
        return;
      }
      if (*c < 1) {
        ctx.reply.AddError(kSyntaxError);
        return;
      }
      count = *c;
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      type = ctx.args[i + 1];
    } else {
      ctx.reply.AddError(kSyntaxError);
      return;
    }
  }
  std::optional<std::string> after;
  if (*cursor != 0) {
    after = ctx.server.scan_cursors.Find(static_cast<std::uint64_t>(*cursor));
    if (!after) {
      ctx.reply.AddError("ERR invalid cursor");
      return;
    }
  }
  std::unique_ptr<Iterator> it = ctx.keyspace.NewKeyIterator();
  if (after) {
    const std::string engine_key = Keyspace::EngineKey(*after);
    it->Seek(engine_key);
    if (it->Valid() && it->key() == engine_key) {
      it->Next();
    }
  } else {
    it->SeekToFirst();
  }
  std::vector<std::string> keys;
  std::string last;
  const bool only_strings = !type || EqualsIgnoreCase(*type, "string");
  for (std::int64_t examined = 0; it->Valid() && examined < count; it->Next(), ++examined) {
    last.assign(Keyspace::KeyOf(it->key()));
    if (only_strings && Live(it->value(), ctx.now_ms) &&
        (!pattern || GlobMatch(*pattern, last))) {
      keys.push_back(last);
    }
  }
  if (!it->status().ok()) {
    ctx.ReplyError(it->status());
    return;
  }
  const std::uint64_t next = it->Valid() ? ctx.server.scan_cursors.Add(std::move(last)) : 0;
  ctx.reply.AddArrayHeader(2);
  ctx.reply.AddBulkString(std::to_string(next));
  ctx.reply.AddArrayHeader(keys.size());
  for (const std::string& k : keys) {
    ctx.reply.AddBulkString(k);
  }
}

void Keys(CommandContext& ctx) {
  const std::string_view pattern = ctx.args[1];
  std::unique_ptr<Iterator> it = ctx.keyspace.NewKeyIterator();
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key = Keyspace::KeyOf(it->key());
    if (Live(it->value(), ctx.now_ms) && GlobMatch(pattern, key)) {
      keys.emplace_back(key);
    }
  }
  if (!it->status().ok()) {
    ctx.ReplyError(it->status());
    return;
  }
  ctx.reply.AddArrayHeader(keys.size());
  for (const std::string& k : keys) {
    ctx.reply.AddBulkString(k);
  }
}

}  // namespace

void AddKeyCommands(CommandTable& t) {
  t.Add({"del", -2, kWrite | kBatched, 1, -1, 1, &Del});
  t.Add({"unlink", -2, kWrite | kFast | kBatched, 1, -1, 1, &Del});
  t.Add({"exists", -2, kReadOnly | kFast | kBatched, 1, -1, 1, &Exists});
  t.Add({"type", 2, kReadOnly | kFast | kBatched, 1, 1, 1, &Type});
  t.Add({"expire", -3, kWrite | kFast | kBatched, 1, 1, 1, &Expire});
  t.Add({"pexpire", -3, kWrite | kFast | kBatched, 1, 1, 1, &PExpire});
  t.Add({"expireat", -3, kWrite | kFast | kBatched, 1, 1, 1, &ExpireAt});
  t.Add({"pexpireat", -3, kWrite | kFast | kBatched, 1, 1, 1, &PExpireAt});
  t.Add({"ttl", 2, kReadOnly | kFast | kBatched, 1, 1, 1, &Ttl});
  t.Add({"pttl", 2, kReadOnly | kFast | kBatched, 1, 1, 1, &PTtl});
  t.Add({"persist", 2, kWrite | kFast | kBatched, 1, 1, 1, &Persist});
  t.Add({"scan", -2, kReadOnly, 0, 0, 0, &Scan});
  t.Add({"keys", 2, kReadOnly, 0, 0, 0, &Keys});
}

}  // namespace aeternus::server
