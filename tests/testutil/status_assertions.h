#pragma once
// ASSERT_OK / EXPECT_OK: assert that a Status is OK, printing the
// expression and the Status text when it is not.

#include <gtest/gtest.h>

#include "aeternus/status.h"

namespace aeternus::test {

inline ::testing::AssertionResult StatusIsOk(const char* expr, const Status& s) {
  if (s.ok()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << expr << " is " << s.ToString();
}

}  // namespace aeternus::test

#define ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::aeternus::test::StatusIsOk, expr)
#define EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::aeternus::test::StatusIsOk, expr)
