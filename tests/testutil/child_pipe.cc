#include "testutil/child_pipe.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aeternus::test {

std::string ForkWithPipe(const std::function<void(int write_fd)>& body, pid_t* pid, int* read_fd) {
  int fds[2];
  if (::pipe(fds) != 0) {
    return std::string("pipe: ") + std::strerror(errno);
  }
  *pid = ::fork();
  if (*pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return std::string("fork: ") + std::strerror(error);
  }
  if (*pid == 0) {
    ::close(fds[0]);
    body(fds[1]);
    _exit(4);
  }
  ::close(fds[1]);
  *read_fd = fds[0];
  return "";
}

void WriteAll(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      _exit(5);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace aeternus::test
