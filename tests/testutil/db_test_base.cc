#include "testutil/db_test_base.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace aeternus::test {


std::string Escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out.append(buf);
    }
  }
  return out;
}

std::string IterEntry(const Iterator& it) {
  if (it.Valid()) {
    return Escape(it.key()) + "=" + Escape(it.value());
  }
  Status s = it.status();
  return s.ok() ? "(invalid)" : "(invalid: " + s.ToString() + ")";
}

void PrintTo(const DBConfig& config, std::ostream* os) { *os << config.name; }

std::vector<DBConfig> TestConfigs() {
  std::vector<DBConfig> configs;
  configs.push_back({"Default", DBTestBase::SmallOptions()});
  {
    Options o = DBTestBase::SmallOptions();
    o.block_size = 256;
    o.bloom_bits_per_key = 0;
    o.block_cache_capacity = 0;
    configs.push_back({"SmallBlocksNoFilterNoCache", o});
  }
  {
    Options o = DBTestBase::SmallOptions();
    o.max_write_buffer_number = 1;
    o.background_threads = 1;
    o.paranoid_checks = false;
    configs.push_back({"OneFrozenMemtableNotParanoid", o});
  }
  {
    Options o = DBTestBase::SmallOptions();
    o.block_size = 512;
    o.compression = CompressionType::kZstd;
    configs.push_back({"Zstd", o, /*needs_optional_codec=*/true});
  }
  return configs;
}

Options DBTestBase::SmallOptions() {
  Options o;
  o.write_buffer_size = kSmallWriteBuffer;
  return o;
}

DBTestBase::DBTestBase(Options options) : dbname_(tmp_.Sub("db")), options_(std::move(options)) {
  write_options_.sync = false;
}

DBTestBase::~DBTestBase() {
  if (db_ != nullptr) {
    EXPECT_OK(db_->Close());
    db_.reset();
  }
}

Status DBTestBase::Open() {
  db_.reset();
  return DB::Open(options_, dbname_, &db_);
}

void DBTestBase::OpenOrSkip(const DBConfig& config) {
  options_ = config.options;
  Status s = Open();
  if (!s.ok() && config.needs_optional_codec && (s.IsNotSupported() || s.IsInvalidArgument())) {
    GTEST_SKIP() << "configuration " << config.name << " not supported: " << s.ToString();
  }
  ASSERT_OK(s);
}

Status DBTestBase::Reopen() {
  Status s = Close();
  if (!s.ok()) {
    return s;
  }
  return Open();
}

Status DBTestBase::Close() {
  if (db_ == nullptr) {
    return Status::OK();
  }
  Status s = db_->Close();
  db_.reset();
  return s;
}

Status DBTestBase::Put(std::string_view key, std::string_view value) {
  return db_->Put(write_options_, key, value);
}

Status DBTestBase::Delete(std::string_view key) { return db_->Delete(write_options_, key); }

Status DBTestBase::DeleteRange(std::string_view begin, std::string_view end) {
  return db_->DeleteRange(write_options_, begin, end);
}

Status DBTestBase::Write(WriteBatch* batch) { return db_->Write(write_options_, batch); }

std::string DBTestBase::Get(std::string_view key, const Snapshot* snapshot) {
  ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  Status s = db_->Get(ro, key, &value);
  if (s.IsNotFound()) {
    return "NOT_FOUND";
  }
  if (!s.ok()) {
    return s.ToString();
  }
  return value;
}

std::string DBTestBase::Contents(const Snapshot* snapshot) {
  ReadOptions ro;
  ro.snapshot = snapshot;
  return Contents(ro);
}

std::string DBTestBase::Contents(const ReadOptions& options) {
  auto it = db_->NewIterator(options);
  if (it == nullptr) {
    return "(null iterator)";
  }
  std::vector<std::string> forward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    forward.push_back(Escape(it->key()) + "=" + Escape(it->value()));
  }
  if (!it->status().ok()) {
    return "(forward error: " + it->status().ToString() + ")";
  }
  std::vector<std::string> backward;
  for (it->SeekToLast(); it->Valid(); it->Prev()) {
    backward.push_back(Escape(it->key()) + "=" + Escape(it->value()));
  }
  if (!it->status().ok()) {
    return "(backward error: " + it->status().ToString() + ")";
  }
  std::string out;
  for (const auto& e : forward) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out.append(e);
  }
  std::vector<std::string> reversed(backward.rbegin(), backward.rend());
  if (reversed != forward) {
    std::string back;
    for (const auto& e : reversed) {
      if (!back.empty()) {
        back.push_back(' ');
      }
      back.append(e);
    }
    return "(forward and backward differ: forward [" + out + "] backward reversed [" + back + "])";
  }
  return out;
}

std::string DBTestBase::Scan(std::string_view begin, std::string_view end, std::size_t limit,
                             const Snapshot* snapshot) {
  ReadOptions ro;
  ro.snapshot = snapshot;
  std::vector<std::pair<std::string, std::string>> out = {{"stale", "entry"}};
  Status s = db_->Scan(ro, begin, end, limit, &out);
  if (!s.ok()) {
    return s.ToString();
  }
  std::string text;
  for (const auto& [k, v] : out) {
    if (!text.empty()) {
      text.push_back(' ');
    }
    text.append(Escape(k) + "=" + Escape(v));
  }
  return text;
}

std::string DBTestBase::Property(std::string_view name) {
  std::string value;
  if (!db_->GetProperty(name, &value)) {
    return "NO_PROPERTY";
  }
  return value;
}

std::uint64_t DBTestBase::Sequence() {
  std::string value;
  if (!db_->GetProperty("aeternus.sequence", &value)) {
    return 0;
  }
  return std::strtoull(value.c_str(), nullptr, 10);
}

int DBTestBase::NumTables() {
  std::string value;
  if (!db_->GetProperty("aeternus.num-files", &value) || value.empty()) {
    return -1;
  }
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  return end == value.c_str() ? -1 : static_cast<int>(n);
}

}  // namespace aeternus::test
