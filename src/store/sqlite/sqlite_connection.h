// One SQLite connection with its cache of prepared statements, and the mapping of SQLite result
// codes to privacyd errors. Internal to the SQLite backend.
//
// A SqliteConnection is used by one thread at a time (the writer thread, or whichever reader
// holds it from the pool); it is not thread-safe itself.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace privacyd {

// Maps a SQLite result code to an Error. `unique_code` is the error code used for UNIQUE and
// PRIMARY KEY violations (kind kAlreadyExists). Messages carry SQLite's text for the error
// class, never bound values.
Error SqliteError(sqlite3* db, int rc, const std::string& unique_code = "already_exists");

// A prepared statement borrowed from a connection's cache. Binds parameters left to right;
// resets the statement and clears its bindings when destroyed, so the cached statement is
// ready for the next user.
class SqliteQuery {
 public:
  SqliteQuery(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteQuery();
  SqliteQuery(SqliteQuery&& other) noexcept;
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;
  SqliteQuery& operator=(SqliteQuery&&) = delete;

  SqliteQuery& Text(std::string_view value);
  SqliteQuery& Blob(std::string_view value);
  SqliteQuery& Int(int64_t value);
  SqliteQuery& OptInt(const std::optional<int64_t>& value);
  SqliteQuery& Null();
  // Code of the kAlreadyExists error returned when this statement violates a unique key.
  SqliteQuery& OnUnique(std::string code);

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows (or ignores them).
  Status Run();

  int64_t ColumnInt(int col) const;
  std::optional<int64_t> ColumnOptInt(int col) const;
  // Text or blob column as bytes ("" for NULL).
  std::string ColumnBytes(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int next_param_ = 1;
  int bind_rc_ = SQLITE_OK;
  std::string unique_code_ = "already_exists";
};

class SqliteConnection {
 public:
  // Opens (creating if needed) the database at `path` and applies the pragmas every connection
  // needs: WAL, synchronous=FULL, foreign_keys=ON, busy timeout. With `query_only` the
  // connection refuses writes. A file that is not a database yields kDataLoss.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path, bool query_only,
                                                        int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  sqlite3* db() const { return db_; }

  // Prepares `sql` once per connection and returns it ready to bind. `sql` must be a constant
  // shape with `?` placeholders: values are always bound, never spliced into the text.
  Result<SqliteQuery> Prepare(const std::string& sql);
  // Runs one cached parameterless statement (BEGIN, COMMIT, SAVEPOINT...).
  Status Exec(const std::string& sql);
  // Runs a constant multi-statement script (migrations) without caching.
  Status ExecScript(const char* sql);
  // True while a transaction is open on this connection.
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace privacyd
