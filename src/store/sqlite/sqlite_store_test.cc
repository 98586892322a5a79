#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/store_conformance_test.h"

namespace privacyd {
namespace {

Result<std::unique_ptr<Store>> OpenSqliteForTest(const std::string& dir) {
  SqliteOptions options;
  options.path = dir + "/privacyd.db";
  options.read_connections = 2;
  auto store = SqliteStore::Open(options);
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(store).value());
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         ::testing::Values(StoreBackend{"sqlite", OpenSqliteForTest}),
                         [](const auto& info) { return info.param.name; });

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "sqlite_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/privacyd.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Runs a one-row, one-column query on a separate raw connection to the same file.
  std::string RawQuery(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
    return out;
  }

  std::string dir_;
  std::string path_;
};

std::unique_ptr<SqliteStore> OpenStore(const std::string& path) {
  SqliteOptions options;
  options.path = path;
  auto store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST_F(SqliteStoreTest, OpenCreatesTheFileInWalModeWithoutMigrating) {
  auto store = OpenStore(path_);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  // WAL is a property of the file: any connection sees it.
  EXPECT_EQ(RawQuery("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*store->SchemaVersion(), 0);
  EXPECT_EQ(RawQuery("SELECT count(*) FROM sqlite_master"), "0");
}

TEST_F(SqliteStoreTest, ConnectionsRunWithWalFullSyncForeignKeysAndReadOnlyReaders) {
  auto store = OpenStore(path_);
  ASSERT_NE(store, nullptr);
  auto expect = [&](const char* name, const char* writer, const char* reader) {
    auto values = store->Pragma(name);
    ASSERT_TRUE(values.ok()) << values.error().message();
    EXPECT_EQ(values->writer, writer) << name;
    EXPECT_EQ(values->reader, reader) << name;
  };
  expect("journal_mode", "wal", "wal");
  expect("synchronous", "2", "2");  // FULL: a commit returns only once it is on disk
  expect("foreign_keys", "1", "1");
  expect("query_only", "0", "1");
  expect("busy_timeout", "5000", "5000");
  auto unknown = store->Pragma("cache_size; DROP TABLE x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), "unknown_pragma");
}

TEST_F(SqliteStoreTest, OpeningANonDatabaseFileIsDataLoss) {
  {
    std::ofstream junk(path_, std::ios::binary);
    junk << std::string(8192, 'x');
  }
  SqliteOptions options;
  options.path = path_;
  auto store = SqliteStore::Open(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind(), ErrorKind::kDataLoss);
  EXPECT_EQ(store.error().code(), "store_corrupt");
}

TEST_F(SqliteStoreTest, InvalidOptionsAreRefused) {
  for (SqliteOptions options : {SqliteOptions{"", 4, 256, 5000}, SqliteOptions{path_, 0, 256, 5000},
                                SqliteOptions{path_, 4, 0, 5000}, SqliteOptions{path_, 4, 1, -1}}) {
    auto store = SqliteStore::Open(options);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(store.error().code(), "invalid_store_options");
  }
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedWithTheirTime) {
  FakeClock clock(1'800'000'000LL * kMicrosPerSecond);
  SqliteOptions options;
  options.path = path_;
  options.clock = &clock;
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Migrate().ok());
  EXPECT_EQ(RawQuery("SELECT count(*) FROM schema_migrations"),
            std::to_string((*store)->LatestSchemaVersion()));
  EXPECT_EQ(RawQuery("SELECT applied_at FROM schema_migrations WHERE version = 1"),
            std::to_string(clock.Now()));
  // The audit trail is keyed by seq itself (rowid), and its filters have indexes.
  EXPECT_EQ(RawQuery("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                     "tbl_name = 'audit'"),
            "4");
}

TEST_F(SqliteStoreTest, ReferenceToAMissingRowIsAFailedPrecondition) {
  auto store = OpenStore(path_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Migrate().ok());
  Status s = store->Write([](Tx& tx) {
    return tx.InsertIdentity({"sub_missing", "email", "bi", "sealed", 0});
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kFailedPrecondition);
  EXPECT_EQ(s.error().code(), "foreign_key_violation");
}

TEST_F(SqliteStoreTest, WriteInsideWriteIsRefusedInsteadOfDeadlocking) {
  auto store = OpenStore(path_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Migrate().ok());
  Status inner = Ok();
  Status outer = store->Write([&](Tx&) {
    inner = store->Write([](Tx&) { return Ok(); });
    return Ok();
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code(), "nested_write");
}

TEST_F(SqliteStoreTest, AThrowingFnFailsOnlyItsOwnWrite) {
  auto store = OpenStore(path_);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Migrate().ok());
  Status s = store->Write([](Tx& tx) -> Status {
    Status inserted = tx.InsertSubject({"sub_1", 0, std::nullopt});
    if (inserted.ok()) throw std::runtime_error("boom");
    return inserted;
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), "store_fn_threw");
  EXPECT_TRUE(store->Write([](Tx& tx) {
                     return tx.InsertSubject({"sub_2", 0, std::nullopt});
                   })
                  .ok());
  EXPECT_EQ(RawQuery("SELECT group_concat(id) FROM subjects"), "sub_2");
}

TEST_F(SqliteStoreTest, SingleRequestBatchesStillCommitEveryWrite) {
  SqliteOptions options;
  options.path = path_;
  options.max_batch = 1;
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Migrate().ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*store)
                    ->Write([i](Tx& tx) {
                      return tx.InsertSubject({"sub_" + std::to_string(i), 0, std::nullopt});
                    })
                    .ok());
  }
  EXPECT_EQ((*store)->Stats().commits, 5u);
  EXPECT_EQ(RawQuery("SELECT count(*) FROM subjects"), "5");
}

// Checkpoints run beside the writer; the WAL must still be copied back and restarted under a
// steady stream of writes, not grow with them.
TEST_F(SqliteStoreTest, TheWalStaysBoundedUnderContinuousWrites) {
  SqliteOptions options;
  options.path = path_;
  options.checkpoint_pages = 16;
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Migrate().ok());
  const std::string filler(3000, 'x');  // about a page per row
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        std::string name = "row_" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE((*store)->Write([&](Tx& tx) { return tx.PutMeta(name, filler); }).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  // Without checkpoints the WAL would hold at least the 800 pages of the rows (3.2 MB); the
  // writer copies it back by the time it reaches 4 x 16 pages, and the file keeps only its
  // high-water mark.
  EXPECT_LT(std::filesystem::file_size(path_ + "-wal"), 1024 * 1024u);
  (*store)->Close();
  EXPECT_EQ(RawQuery("SELECT count(*) FROM meta WHERE name LIKE 'row_%'"), "800");
}

}  // namespace
}  // namespace privacyd
