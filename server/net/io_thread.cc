#include "net/io_thread.h"

#include <unistd.h>

namespace aeternus::server {
namespace {

constexpr int kTickMs = 100;

}  // namespace

IoThread::IoThread(ServerState& server, Keyspace& keyspace)
    : server_(server), keyspace_(keyspace), pending_(keyspace) {
  pending_.set_on_commit([this](const Status& s, std::size_t writes) {
    server_.stats.batch_commits.fetch_add(1, std::memory_order_relaxed);
    server_.stats.batched_writes.fetch_add(writes, std::memory_order_relaxed);
    for (Connection* c : active_) {
      c->WritesCommitted(s);
    }
  });
}

IoThread::~IoThread() { StopAndJoin(); }

Status IoThread::Init() { return loop_.Init(); }

void IoThread::Start() {
  thread_ = std::thread([this] {
    loop_.Run([this] { EndOfRound(); }, [this] { OnTick(); }, kTickMs);
    CloseAll();
  });
}

void IoThread::StopAndJoin() {
  if (thread_.joinable()) {
    loop_.Stop();
    thread_.join();
  }
}

void IoThread::Adopt(int fd, std::string peer) {
  loop_.Post([this, fd, peer = std::move(peer)]() mutable {
    const std::uint64_t id = server_.stats.next_client_id.fetch_add(1, std::memory_order_relaxed);
    auto conn = std::make_unique<Connection>(*this, fd, id, std::move(peer));
    if (!loop_.Watch(fd, EPOLLIN, conn.get()).ok()) {
      return;  // the destructor closes the socket
    }
    Connection* c = conn.get();
    connections_.emplace(c, std::move(conn));
  });
}

void IoThread::CommitPending() {
  pending_.Commit().IgnoreError();  // the held replies carry the error
}

void IoThread::EndOfRound() {
  CommitPending();
  // A connection may be listed more than once; EndOfRound is idempotent.
  for (std::size_t i = 0; i < active_.size(); ++i) {
    active_[i]->EndOfRound();
  }
  // A connection closed during its EndOfRound may have left writes (and
  // their claims) pending: none outlives the round.
  CommitPending();
  for (Connection* c : active_) {
    // Looked up before it is touched: a connection listed twice is erased
    // (destroyed) at its first listing.
    if (const auto it = connections_.find(c); it != connections_.end() && c->closed()) {
      connections_.erase(it);
    }
  }
  active_.clear();
}

void IoThread::OnTick() {
  const int timeout_s = server_.config.timeout_s;
  if (timeout_s <= 0) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (now - it->first->last_active() > std::chrono::seconds(timeout_s)) {
      it = connections_.erase(it);  // closes it
    } else {
      ++it;
    }
  }
}

void IoThread::CloseAll() {
  // A last round for every client: it runs what waited for a backlog to
  // drain, commits, and sends what it can. Listed as active so that the
  // commits release their held replies (WritesCommitted reaches only the
  // active connections).
  for (auto& [c, conn] : connections_) {
    MarkActive(c);
  }
  EndOfRound();
  connections_.clear();
  active_.clear();
}

}  // namespace aeternus::server
