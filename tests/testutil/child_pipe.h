#pragma once
// A forked child process that reports to its parent through a pipe:
// ForkWithPipe starts it, and the child sends with WriteAll, which writes
// every byte, retrying after a short write or EINTR; if the pipe fails, the
// child cannot report anything, so it ends with _exit(5).

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

namespace aeternus::test {

// Makes a pipe and forks. The child closes the read end and runs
// `body(write_fd)`, which must end the process (with _exit: a child must
// not return into the test); if it returns, the child ends with _exit(4).
// The parent closes the write end and gets the child's pid in *pid and the
// read end in *read_fd. Returns "" or a message naming the call that failed.
std::string ForkWithPipe(const std::function<void(int write_fd)>& body, pid_t* pid, int* read_fd);

// Writes the `n` bytes at `data` to `fd`, or ends the process with
// _exit(5). For forked children only: it skips destructors and atexit.
void WriteAll(int fd, const void* data, std::size_t n);

}  // namespace aeternus::test
