#include "server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace aeternus::server {
namespace {

Status SysError(const std::string& what) { return Status::IOError(what, std::strerror(errno)); }

std::string PeerName(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Server::Server(ServerConfig config, Keyspace* keyspace)
    : state_(std::move(config)), keyspace_(keyspace) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  const ServerConfig& c = state_.config;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* info = nullptr;
  const std::string port = std::to_string(c.port);
  if (const int err = ::getaddrinfo(c.bind.c_str(), port.c_str(), &hints, &info); err != 0) {
    return Status::InvalidArgument("--bind " + c.bind, ::gai_strerror(err));
  }
  listen_fd_ = ::socket(info->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    ::freeaddrinfo(info);
    return SysError("socket");
  }
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int bound = ::bind(listen_fd_, info->ai_addr, info->ai_addrlen);
  ::freeaddrinfo(info);
  if (bound != 0) {
    return SysError("bind " + c.bind + ":" + port);
  }
  if (::listen(listen_fd_, 511) != 0) {
    return SysError("listen");
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  const int n = std::max(1, c.io_threads);
  for (int i = 0; i < n; ++i) {
    threads_.push_back(std::make_unique<IoThread>(state_, *keyspace_));
    if (Status s = threads_.back()->Init(); !s.ok()) {
      return s;
    }
  }
  if (Status s = threads_[0]->loop().Watch(listen_fd_, EPOLLIN, this); !s.ok()) {
    return s;
  }
  for (auto& t : threads_) {
    t->Start();
  }
  return Status::OK();
}

void Server::OnEvents(std::uint32_t /*events*/) {
  // Runs on the first loop's thread.
  for (int accepted = 0; accepted < 64; ++accepted) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;  // EAGAIN, or an error the next round retries
    }
    state_.stats.connections_received.fetch_add(1, std::memory_order_relaxed);
    if (state_.stats.connected_clients.load() >= state_.config.maxclients) {
      static constexpr char kTooMany[] = "-ERR max number of clients reached\r\n";
      [[maybe_unused]] const ssize_t w = ::send(fd, kTooMany, sizeof(kTooMany) - 1, MSG_NOSIGNAL);
      ::close(fd);
      state_.stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    state_.stats.connected_clients.fetch_add(1, std::memory_order_relaxed);
    threads_[next_thread_]->Adopt(fd, PeerName(addr));
    next_thread_ = (next_thread_ + 1) % threads_.size();
  }
}

void Server::Stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (listen_fd_ >= 0 && !threads_.empty()) {
    // Stop accepting first, on the loop that watches the socket.
    threads_[0]->loop().Post([this] { threads_[0]->loop().Unwatch(listen_fd_); });
  }
  for (auto& t : threads_) {
    t->StopAndJoin();
  }
  threads_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
}

}  // namespace aeternus::server
