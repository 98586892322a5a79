// The Store conformance suite: what every backend must do, written against store.h only.
//
// A backend joins the suite from its own test file:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
//                            ::testing::Values(StoreBackend{"sqlite", OpenSqliteForTest}));
//
// so store_conformance_test.cc stays unchanged when a backend is added.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.h"

namespace privacyd {

struct StoreBackend {
  std::string name;  // test-name suffix: letters, digits and underscores
  // Opens (without migrating) the store kept in `dir`, an empty directory on the first call.
  // Opening the same dir again must see the data committed before.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

// Test output names the backend rather than dumping the struct's bytes.
inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens and migrates the store in dir_; fails the test on error.
  std::unique_ptr<Store> OpenMigrated();

  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace privacyd
