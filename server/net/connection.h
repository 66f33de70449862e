#pragma once
// Connection: one client. It reads requests, runs them through the command
// table in order, and writes the replies back, pipelined.
//
// Output is sent at the end of each event-loop round (after the round's
// pending writes are committed), and on EPOLLOUT while a backlog drains.
// A reply produced while the loop has writes pending is held until they
// are committed: it may be, or depend on, one of them. If the commit
// fails, each held reply of a command on keys becomes the error.
// While more than output_pause_bytes of replies wait, the client's input
// is not read (nor its buffered requests run): a client that does not read
// its replies stops being served rather than growing the server's memory.
// A client past output_buffer_limit, or sending a malformed or oversized
// request, is closed.
//
// Used only on its event loop's thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/command.h"
#include "net/event_loop.h"
#include "resp/reply_writer.h"
#include "resp/request_parser.h"

namespace aeternus::server {

class IoThread;

class Connection final : public EventHandler {
 public:
  Connection(IoThread& thread, int fd, std::uint64_t id, std::string peer);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override;

  int fd() const { return fd_; }
  bool closed() const { return closed_; }
  const ClientState& client() const { return client_; }
  std::chrono::steady_clock::time_point last_active() const { return last_active_; }

  void OnEvents(std::uint32_t events) override;
  // Sends what the round left to send; closes the client when asked to.
  // Called at the end of each round the connection was active in.
  void EndOfRound();
  // The round's pending writes were committed, with outcome `s`: the held
  // replies may be sent (replaced by the error when `s` is not OK).
  void WritesCommitted(const Status& s);
  // Stops serving the client and closes its socket.
  void Close();

 private:
  void ReadInput();
  // Runs the buffered requests while the output is below the pause mark.
  void RunRequests();
  void RunCommand(std::span<const std::string_view> args);
  // Sends pending output (up to the replies of uncommitted writes).
  void SendOutput();
  // Asks for EPOLLOUT exactly while out_ holds replies that may be sent.
  void UpdateWantWrite();
  void UpdateInterest();
  std::size_t unsent() const { return out_.size() - out_sent_; }
  // Every byte of replies appended to out_ so far: it grows with each
  // reply, and does not change when sent bytes are dropped from out_.
  std::uint64_t produced() const { return out_dropped_ + out_.size(); }

  IoThread& thread_;
  const int fd_;
  ClientState client_;
  RequestParser parser_;
  std::string in_;
  std::size_t in_start_ = 0;  // bytes of in_ consumed
  std::string out_;
  std::size_t out_sent_ = 0;
  std::uint64_t out_dropped_ = 0;  // sent bytes dropped from out_'s front
  RespVersion resp_ = RespVersion::kResp2;
  bool closed_ = false;
  bool want_write_ = false;  // EPOLLOUT requested
  bool reading_ = true;      // EPOLLIN requested
  bool input_eof_ = false;
  // Where the held replies start in out_ (npos: none); output is sent only
  // up to there. Invariant: out_[deferred_from_, end) is the held replies,
  // in order, each starting at its HeldReply's offset.
  std::size_t deferred_from_ = std::string::npos;
  struct HeldReply {
    std::size_t offset;
    bool on_keys;  // a command on keys: its reply becomes a failed commit's error
  };
  std::vector<HeldReply> held_;
  // Where the reply of the running command starts in out_.
  std::size_t running_reply_offset_ = 0;
  std::chrono::steady_clock::time_point last_active_ = std::chrono::steady_clock::now();
};

}  // namespace aeternus::server
