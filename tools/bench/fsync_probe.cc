#include "fsync_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace aeternus::bench {
namespace {

Status Errno(const std::string& what, int error) {
  return Status::IOError(what, std::generic_category().message(error));
}

}  // namespace

Status MeasureFsyncRate(const std::string& dir, std::chrono::duration<double> duration,
                        FsyncRate* rate) {
  using Clock = std::chrono::steady_clock;
  const std::string path =
      (std::filesystem::path(dir) / ("fsync-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Errno("cannot create " + path, errno);
  }
  const std::string block(kFsyncProbeWriteSize, 'x');
  Status s;
  *rate = FsyncRate();
  const Clock::time_point start = Clock::now();
  Clock::time_point now = start;
  do {
    for (std::size_t done = 0; done < block.size() && s.ok();) {
      const ssize_t n = ::write(fd, block.data() + done, block.size() - done);
      if (n < 0 && errno != EINTR) {
        s = Errno("write " + path, errno);
      } else if (n > 0) {
        done += static_cast<std::size_t>(n);
      }
    }
    if (s.ok() && ::fdatasync(fd) != 0) {
      s = Errno("fdatasync " + path, errno);
    }
    if (!s.ok()) {
      break;
    }
    ++rate->syncs;
    now = Clock::now();
  } while (now - start < duration);
  rate->seconds = std::chrono::duration<double>(now - start).count();
  ::close(fd);
  ::unlink(path.c_str());
  return s;
}

}  // namespace aeternus::bench
