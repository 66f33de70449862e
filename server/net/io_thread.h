#pragma once
// IoThread: an event loop and the clients it serves. Clients are spread
// over the threads when accepted; each thread gathers its clients' writes
// of a round (PendingWrites) and commits them at the round's end, before it
// sends the replies.

#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/connection.h"
#include "net/event_loop.h"
#include "server_state.h"
#include "store/keyspace.h"
#include "store/pending_writes.h"

namespace aeternus::server {

class IoThread {
 public:
  IoThread(ServerState& server, Keyspace& keyspace);
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  ~IoThread();

  Status Init();
  void Start();
  // Finishes the requests already read, commits, sends, closes every
  // client, and ends the thread.
  void StopAndJoin();

  // Takes over an accepted socket (from any thread).
  void Adopt(int fd, std::string peer);

  EventLoop& loop() { return loop_; }
  ServerState& server() { return server_; }
  Keyspace& keyspace() { return keyspace_; }
  PendingWrites& pending() { return pending_; }
  // The connection has something to do at the end of the round.
  void MarkActive(Connection* c) { active_.push_back(c); }
  // Commits the round's pending writes now (before a command that is not
  // kBatched runs), releasing the loop's key claims.
  void CommitPending();

 private:
  void EndOfRound();
  void OnTick();
  void CloseAll();

  ServerState& server_;
  Keyspace& keyspace_;
  EventLoop loop_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> active_;
  // After connections_ and active_: destroyed first, so that a commit in
  // its destructor reaches only live members.
  PendingWrites pending_;
  std::thread thread_;
};

}  // namespace aeternus::server
