#include "store/sqlite/sqlite_connection.h"

#include <utility>

namespace privacyd {

Error SqliteError(sqlite3* db, int rc, const std::string& unique_code) {
  const int primary = rc & 0xff;
  // sqlite3_errstr describes the class of error without echoing any bound value.
  std::string text = sqlite3_errstr(rc);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(ErrorKind::kAlreadyExists, unique_code,
                 "a record with the same unique key already exists");
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Error(ErrorKind::kFailedPrecondition, "foreign_key_violation",
                 "the record refers to a record that does not exist; create that first");
  }
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorKind::kUnavailable, "store_busy",
                   "the database is busy (" + text + "); retry later");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(ErrorKind::kDataLoss, "store_corrupt",
                   "the database file is corrupt or not a database (" + text +
                       "); restore it from a backup");
    case SQLITE_FULL:
      return Error(ErrorKind::kResourceExhausted, "store_full",
                   "the disk holding the database is full; free space and retry");
    default:
      break;
  }
  // The connection's message names tables and columns, never values: values are always bound.
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : text;
  return Error(ErrorKind::kInternal, "store_error", "database error: " + detail);
}

SqliteQuery::SqliteQuery(SqliteQuery&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      next_param_(other.next_param_),
      bind_rc_(other.bind_rc_),
      unique_code_(std::move(other.unique_code_)) {}

SqliteQuery::~SqliteQuery() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

SqliteQuery& SqliteQuery::Text(std::string_view value) {
  int rc = sqlite3_bind_text(stmt_, next_param_++, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteQuery& SqliteQuery::Blob(std::string_view value) {
  // A zero-length blob must still be a blob, not NULL: bind_blob treats a null pointer as NULL.
  static const char kEmpty = 0;
  const char* data = value.empty() ? &kEmpty : value.data();
  int rc = sqlite3_bind_blob(stmt_, next_param_++, data, static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteQuery& SqliteQuery::Int(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_param_++, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteQuery& SqliteQuery::OptInt(const std::optional<int64_t>& value) {
  return value.has_value() ? Int(*value) : Null();
}

SqliteQuery& SqliteQuery::Null() {
  int rc = sqlite3_bind_null(stmt_, next_param_++);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

SqliteQuery& SqliteQuery::OnUnique(std::string code) {
  unique_code_ = std::move(code);
  return *this;
}

Result<bool> SqliteQuery::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // With the v2 prepare interface sqlite3_step returns the extended code directly.
  return SqliteError(db_, sqlite3_extended_errcode(db_), unique_code_);
}

Status SqliteQuery::Run() {
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t SqliteQuery::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> SqliteQuery::ColumnOptInt(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string SqliteQuery::ColumnBytes(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path,
                                                                 bool query_only,
                                                                 int busy_timeout_ms) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, guarded by the store.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, rc);
    sqlite3_close_v2(db);
    return error.WithContext("opening the database");
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);

  // journal_mode answers with the mode in effect; a file that is not a database fails here.
  {
    PD_ASSIGN_OR_RETURN(SqliteQuery q, conn->Prepare("PRAGMA journal_mode=WAL"));
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row || q.ColumnBytes(0) != "wal") {
      return Error(ErrorKind::kInternal, "store_wal_unavailable",
                   "the database could not be switched to WAL mode; check the file system");
    }
  }
  // secure_delete: deleted rows are overwritten with zeros, so that an erased subject's wrapped
  // data key (and with it the way to their sealed values) is not left in the file's free space.
  PD_RETURN_IF_ERROR(conn->ExecScript(
      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"));
  if (query_only) PD_RETURN_IF_ERROR(conn->ExecScript("PRAGMA query_only=ON;"));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<SqliteQuery> SqliteConnection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_));
    it = statements_.emplace(sql, stmt).first;
  }
  return SqliteQuery(db_, it->second);
}

Status SqliteConnection::Exec(const std::string& sql) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, Prepare(sql));
  return q.Run();
}

Status SqliteConnection::ExecScript(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_));
  return Ok();
}

}  // namespace privacyd
