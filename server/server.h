#pragma once
// Server: the listening socket and the event loops (IoThread) serving the
// clients over one keyspace. The first loop also accepts; accepted clients
// are spread over the loops in turn.
//
// Stop is graceful: no new client is accepted, each loop runs the requests
// it has read, commits their writes, sends their replies, and closes its
// clients; the caller then closes the database.

#include <memory>
#include <vector>

#include "net/event_loop.h"
#include "net/io_thread.h"
#include "server_state.h"
#include "store/keyspace.h"

namespace aeternus::server {

class Server final : private EventHandler {
 public:
  // `keyspace` is borrowed.
  Server(ServerConfig config, Keyspace* keyspace);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() override;

  // Binds, listens, and starts the loops. The bound port (for a port of 0,
  // the one the system chose) is then in port().
  Status Start();
  void Stop();
  int port() const { return port_; }
  ServerState& state() { return state_; }

 private:
  void OnEvents(std::uint32_t events) override;  // the listening socket

  ServerState state_;
  Keyspace* const keyspace_;
  std::vector<std::unique_ptr<IoThread>> threads_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::size_t next_thread_ = 0;
  bool stopped_ = false;
};

}  // namespace aeternus::server
