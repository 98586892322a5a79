// Test support: a temporary directory and a migrated SQLite store inside it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace privacyd::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "privacyd-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<Store> OpenTestStore(const std::filesystem::path& dir) {
  SqliteOptions options;
  options.path = (dir / "privacyd.db").string();
  auto store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message());
  if (!store.ok()) return nullptr;
  auto migrated = (*store)->Migrate();
  EXPECT_TRUE(migrated.ok()) << (migrated.ok() ? "" : migrated.error().message());
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace privacyd::testing
