#pragma once

#include "aeternus/status.h"

// Returns the Status of `expr` from the enclosing function unless it is OK.
#define AE_RETURN_IF_ERROR(expr)                              \
  do {                                                        \
    if (::aeternus::Status ae_s_ = (expr); !ae_s_.ok()) {     \
      return ae_s_;                                           \
    }                                                         \
  } while (0)
