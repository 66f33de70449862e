#include "net/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>

#include "commands/arguments.h"
#include "net/io_thread.h"

namespace aeternus::server {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// Consumed input is dropped from the buffer's front once it is this long.
constexpr std::size_t kCompactInputAt = 64 * 1024;

// Redis's reply to an unknown command: the name and the first arguments.
std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string e = "ERR unknown command '";
  e.append(args[0].substr(0, 128));
  e += "', with args beginning with: ";
  for (std::size_t i = 1; i < args.size() && e.size() < 512; ++i) {
    e += "'";
    e.append(args[i].substr(0, 128));
    e += "' ";
  }
  return e;
}

}  // namespace

Connection::Connection(IoThread& thread, int fd, std::uint64_t id, std::string peer)
    : thread_(thread), fd_(fd), parser_(thread.server().config.limits) {
  client_.id = id;
  client_.peer = std::move(peer);
  client_.authenticated = thread.server().config.requirepass.empty();
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  thread_.loop().Unwatch(fd_);
  ::close(fd_);
  thread_.server().stats.connected_clients.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::OnEvents(std::uint32_t events) {
  if (closed_) {
    return;
  }
  last_active_ = std::chrono::steady_clock::now();
  // Listed before any command runs, so that a commit during this call
  // releases this connection's held replies too.
  thread_.MarkActive(this);
  if ((events & EPOLLIN) != 0) {
    ReadInput();
    RunRequests();
  } else if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
    Close();
    return;
  }
  if ((events & EPOLLOUT) != 0) {
    SendOutput();
  }
}

void Connection::ReadInput() {
  if (input_eof_) {
    return;
  }
  const std::size_t old_size = in_.size();
  in_.resize(old_size + kReadChunk);
  const ssize_t n = ::read(fd_, in_.data() + old_size, kReadChunk);
  if (n <= 0) {
    in_.resize(old_size);
    if (n == 0) {
      // The client sent all it will: answer what it sent, then close.
      input_eof_ = true;
      reading_ = false;
      UpdateInterest();
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      Close();
    }
    return;
  }
  in_.resize(old_size + static_cast<std::size_t>(n));
  thread_.server().stats.net_input_bytes.fetch_add(static_cast<std::uint64_t>(n),
                                                   std::memory_order_relaxed);
}

void Connection::RunRequests() {
  const ServerConfig& config = thread_.server().config;
  while (!closed_ && !client_.close_after_reply && unsent() < config.output_pause_bytes) {
    const ParseResult r = parser_.Parse(std::string_view(in_).substr(in_start_),
                                        client_.authenticated ? AuthState::kAuthenticated
                                                              : AuthState::kUnauthenticated);
    in_start_ += r.consumed;
    if (r.status == ParseStatus::kNeedMore) {
      if (r.min_more_bytes > kReadChunk) {
        in_.reserve(in_.size() + r.min_more_bytes);
      }
      break;
    }
    if (r.status == ParseStatus::kError) {
      thread_.server().stats.protocol_errors.fetch_add(1, std::memory_order_relaxed);
      thread_.CommitPending();
      ReplyWriter(&out_, resp_).AddError(r.error);
      client_.close_after_reply = true;
      in_.clear();
      in_start_ = 0;
      break;
    }
    RunCommand(r.args);
  }
  if (in_start_ == in_.size()) {
    in_.clear();
    in_start_ = 0;
  } else if (in_start_ >= kCompactInputAt) {
    in_.erase(0, in_start_);
    in_start_ = 0;
  }
  // Paused by a backlog of replies: stop reading until it drains.
  const bool read = !input_eof_ && !client_.close_after_reply &&
                    unsent() < config.output_pause_bytes;
  if (read != reading_) {
    reading_ = read;
    UpdateInterest();
  }
}

void Connection::RunCommand(std::span<const std::string_view> args) {
  ServerState& server = thread_.server();
  server.stats.commands_processed.fetch_add(1, std::memory_order_relaxed);
  ReplyWriter reply(&out_, resp_);
  const CommandSpec* spec = CommandTable::Get().Find(args[0]);
  if (spec == nullptr) {
    thread_.CommitPending();
    reply.AddError(UnknownCommandError(args));
    return;
  }
  const auto argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    thread_.CommitPending();
    reply.AddError("ERR wrong number of arguments for '" + Lowercase(args[0]) + "' command");
    return;
  }
  if (!client_.authenticated && (spec->flags & kNoAuth) == 0) {
    thread_.CommitPending();
    reply.AddError("NOAUTH Authentication required.");
    return;
  }
  const bool batched = (spec->flags & kBatched) != 0;
  if (!batched) {
    // What this client (and the loop's others) wrote before is committed,
    // so this command reads it, and its reply is not held back.
    thread_.CommitPending();
  }
  running_reply_offset_ = out_.size();
  CommandContext ctx{args,   reply,   thread_.keyspace(), server, client_, thread_.pending(),
                     Keyspace::NowMs()};
  spec->run(ctx);
  resp_ = reply.version();
  if (thread_.pending().has_writes()) {
    if (deferred_from_ == std::string::npos) {
      deferred_from_ = running_reply_offset_;
    }
    held_.push_back(HeldReply{running_reply_offset_, (spec->flags & (kWrite | kReadOnly)) != 0});
  }
}

void Connection::WritesCommitted(const Status& s) {
  if (deferred_from_ == std::string::npos) {
    return;
  }
  if (!s.ok()) {
    std::string error;
    ReplyWriter(&error, resp_).AddError("ERR " + s.ToString());
    std::string rebuilt;
    for (std::size_t i = 0; i < held_.size(); ++i) {
      const std::size_t end = i + 1 < held_.size() ? held_[i + 1].offset : out_.size();
      if (held_[i].on_keys) {
        rebuilt += error;
      } else {
        rebuilt.append(out_, held_[i].offset, end - held_[i].offset);
      }
    }
    // A commit during a command comes before the command replies
    // (PendingWrites::Claim): the command's reply will start at the new end.
    out_.resize(deferred_from_);
    out_ += rebuilt;
    running_reply_offset_ = out_.size();
  }
  held_.clear();
  deferred_from_ = std::string::npos;
}

void Connection::SendOutput() {
  const std::size_t limit = std::min(out_.size(), deferred_from_);
  while (out_sent_ < limit) {
    const ssize_t n = ::send(fd_, out_.data() + out_sent_, limit - out_sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        Close();
        return;
      }
      break;
    }
    out_sent_ += static_cast<std::size_t>(n);
    thread_.server().stats.net_output_bytes.fetch_add(static_cast<std::uint64_t>(n),
                                                      std::memory_order_relaxed);
  }
  const ServerConfig& config = thread_.server().config;
  if (unsent() > config.output_buffer_limit) {
    thread_.server().stats.output_limit_disconnections.fetch_add(1, std::memory_order_relaxed);
    Close();
    return;
  }
  if (deferred_from_ == std::string::npos) {
    if (out_sent_ == out_.size()) {
      out_dropped_ += out_.size();
      out_.clear();
      out_sent_ = 0;
    } else if (out_sent_ >= kCompactInputAt) {
      out_dropped_ += out_sent_;
      out_.erase(0, out_sent_);
      out_sent_ = 0;
    }
  }
  // The backlog drained below the mark: run what the client sent meanwhile,
  // and read again (RunRequests sets reading_). Invariant: a client that is
  // not being closed is read from whenever its unsent replies are below
  // output_pause_bytes, also when nothing it sent is left to run.
  if (!reading_ && !client_.close_after_reply && unsent() < config.output_pause_bytes &&
      (in_start_ < in_.size() || !input_eof_)) {
    RunRequests();
  }
  // After RunRequests: the replies it added must be asked EPOLLOUT for too.
  UpdateWantWrite();
}

void Connection::UpdateWantWrite() {
  const bool write = out_sent_ < std::min(out_.size(), deferred_from_);
  if (write != want_write_) {
    want_write_ = write;
    UpdateInterest();
  }
}

void Connection::EndOfRound() {
  // Sending may run requests that waited for the backlog to drain; their
  // writes are committed and their replies sent before the round ends.
  // Progress is told by produced(), not by out_'s size: sending may drop
  // the sent replies and running may add as many bytes again.
  for (int pass = 0; pass < 16 && !closed_; ++pass) {
    const std::uint64_t before = produced();
    SendOutput();
    if (closed_ || produced() == before) {
      break;
    }
    thread_.CommitPending();
  }
  if (closed_) {
    return;
  }
  // What the passes left (a backlog, replies the last commit released) is
  // sent on EPOLLOUT.
  UpdateWantWrite();
  if ((client_.close_after_reply || (input_eof_ && in_start_ == in_.size())) && unsent() == 0) {
    Close();
  }
}

void Connection::UpdateInterest() {
  if (closed_) {
    return;
  }
  const std::uint32_t events = (reading_ ? EPOLLIN : 0u) | (want_write_ ? EPOLLOUT : 0u);
  if (!thread_.loop().Modify(fd_, events, this).ok()) {
    Close();
  }
}

}  // namespace aeternus::server
