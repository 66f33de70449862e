#pragma once
// WaitForCompactionsWatched: DB::WaitForCompactions under a watchdog. With
// no writer, background work must come to an end; a compaction that keeps
// rescheduling itself would hang the test until the CTest timeout with no
// message, so after `limit` this prints `context` and the compaction
// counters to stderr and aborts.

#include <chrono>
#include <string>

#include "aeternus/db.h"
#include "aeternus/status.h"

namespace aeternus::test {

// The status of db.WaitForCompactions(); aborts the process if that has not
// returned after `limit`.
Status WaitForCompactionsWatched(DB& db, const std::string& context,
                                 std::chrono::seconds limit = std::chrono::seconds(60));

}  // namespace aeternus::test
