#pragma once
// Exit statuses of the `aeternus` command-line tool (docs/cli.md, "Exit
// statuses"). Scripts rely on them: never renumber.

#include "aeternus/status.h"

namespace aeternus::cli {

enum ExitCode : int {
  kExitOk = 0,
  // `get`: the key has no live value.
  kExitNotFound = 1,
  // A bad command line, a bad escape or hex string, load input that does not
  // parse, or a request the engine refuses as invalid (InvalidArgument: an
  // empty key, BEGIN >= END, a --db directory that holds no database).
  kExitUsage = 2,
  // Damaged data: a checksum mismatch or a malformed file.
  kExitCorruption = 3,
  // Anything else: I/O errors, a database in use (Busy), an unsupported
  // format version.
  kExitError = 4,
};

// The exit status for a failed operation. REQUIRES: !s.ok().
inline ExitCode ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return kExitOk;
    case Status::Code::kCorruption:
      return kExitCorruption;
    case Status::Code::kInvalidArgument:
      return kExitUsage;
    case Status::Code::kNotFound:
    case Status::Code::kNotSupported:
    case Status::Code::kIOError:
    case Status::Code::kBusy:
    case Status::Code::kAborted:
      return kExitError;
  }
  return kExitError;
}

}  // namespace aeternus::cli
