#include "store/sqlite/sqlite_store.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <utility>

#include "store/sqlite/sqlite_migrations.h"
#include "store/sqlite/sqlite_tx.h"

namespace privacyd {
namespace {

constexpr char kSavepoint[] = "SAVEPOINT write_fn";
constexpr char kRelease[] = "RELEASE write_fn";
constexpr char kRollbackTo[] = "ROLLBACK TO write_fn";

Error StoreClosed() {
  return Error(ErrorKind::kUnavailable, "store_closed",
               "the store is closed (the daemon is shutting down); retry against a running one");
}

Error TransactionAborted() {
  return Error(ErrorKind::kUnavailable, "transaction_aborted",
               "the database rolled back the shared write transaction after an error in another "
               "write; nothing of this write was stored; retry");
}

Error FnThrew() {
  return Error(ErrorKind::kInternal, "store_fn_threw",
               "a transaction function threw an exception; its effects were rolled back");
}

// Runs fn, turning an escaping exception into an error: the fn runs on a store thread, and an
// exception there would otherwise end the process.
Status CallFn(const std::function<Status(Tx&)>& fn, Tx& tx) {
  try {
    return fn(tx);
  } catch (...) {
    return FnThrew();
  }
}

// Ends a transaction whose outcome no longer matters; a failure here leaves nothing to do.
void RollbackQuietly(SqliteConnection& conn) {
  if (conn.InTransaction()) static_cast<void>(conn.Exec("ROLLBACK"));
}

const std::vector<double>& CommitBounds() {
  static const std::vector<double> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                              0.05,   0.1,   0.25,   0.5,   1};
  return kBounds;
}

// Applies one migration unless it is already recorded. Runs inside BEGIN IMMEDIATE, so a
// second process migrating the same file at the same time waits and then skips it.
Status ApplyMigration(SqliteConnection& conn, const SqliteMigration& migration, Micros now) {
  {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
    q.Int(migration.version);
    PD_ASSIGN_OR_RETURN(bool applied, q.Step());
    if (applied) return Ok();
  }
  PD_RETURN_IF_ERROR(conn.ExecScript(migration.sql));
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
  q.Int(migration.version).Int(now);
  return q.Run();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  if (options.path.empty() || options.read_connections < 1 || options.max_batch < 1 ||
      options.busy_timeout_ms < 0 || options.checkpoint_pages < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_store_options",
                 "the SQLite store needs a file path, at least one read connection, a batch "
                 "size of at least 1, a positive checkpoint size and a non-negative busy "
                 "timeout");
  }
  // The write connection first: it creates the file and switches it to WAL.
  PD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                      SqliteConnection::Open(options.path, false, options.busy_timeout_ms));
  PD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> checkpointer,
                      SqliteConnection::Open(options.path, false, options.busy_timeout_ms));
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    PD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader,
                        SqliteConnection::Open(options.path, true, options.busy_timeout_ms));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(options, std::move(writer), std::move(checkpointer), std::move(readers)));
}

SqliteStore::SqliteStore(const SqliteOptions& options, std::unique_ptr<SqliteConnection> writer,
                         std::unique_ptr<SqliteConnection> checkpointer,
                         std::vector<std::unique_ptr<SqliteConnection>> readers)
    : options_(options),
      writer_conn_(std::move(writer)),
      checkpoint_conn_(std::move(checkpointer)),
      readers_(std::move(readers)) {
  for (auto& reader : readers_) idle_readers_.push_back(reader.get());
  stats_.commit_bounds = CommitBounds();
  stats_.commit_buckets.assign(stats_.commit_bounds.size() + 1, 0);
  // Replaces SQLite's own automatic checkpoint, which would run inside the writer's commit.
  sqlite3_wal_hook(writer_conn_->db(), &SqliteStore::OnWalCommit, this);
  checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  writer_thread_ = std::thread([this] { WriterLoop(); });
  writer_id_ = writer_thread_.get_id();
}

int SqliteStore::OnWalCommit(void* self, sqlite3* db, const char* name, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  const int threshold = store->options_.checkpoint_pages;
  if (pages < threshold) return SQLITE_OK;
  std::unique_lock<std::mutex> lock(store->checkpoint_mu_);
  const bool bulk_copied = store->checkpoint_passes_ > 0;
  if (!bulk_copied && pages < 4 * threshold) {
    if (!store->checkpoint_wanted_) {
      store->checkpoint_wanted_ = true;
      store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }
  lock.unlock();
  // The checkpointer has copied the bulk of the WAL: copy what was committed since, here, so
  // that all of it is in the database and the next transaction starts the WAL again. Should
  // the WAL have reached four times the threshold, wait for a running pass and copy it all:
  // that bounds the WAL. PASSIVE never waits for readers; what it leaves is copied next time.
  std::unique_lock<std::mutex> run(store->checkpoint_run_mu_, std::defer_lock);
  if (pages >= 4 * threshold) {
    run.lock();
  } else if (!run.try_lock()) {
    return SQLITE_OK;  // a pass is running; the next commit tries again
  }
  sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  lock.lock();
  store->checkpoint_passes_ = 0;
  return SQLITE_OK;
}

void SqliteStore::CheckpointLoop() {
  std::unique_lock<std::mutex> lock(checkpoint_mu_);
  for (;;) {
    checkpoint_cv_.wait(lock, [this] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    int rc;
    {
      std::lock_guard<std::mutex> run(checkpoint_run_mu_);
      rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                     nullptr, nullptr);
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("store: checkpoint failed: {}", sqlite3_errstr(rc));
    }
    lock.lock();
    ++checkpoint_passes_;
  }
}

SqliteStore::~SqliteStore() { Close(); }

Micros SqliteStore::Now() const {
  return options_.clock != nullptr ? options_.clock->Now() : system_clock_.Now();
}

// Writes.

Status SqliteStore::Write(const std::function<Status(Tx&)>& fn) {
  WriteRequest request;
  request.fn = &fn;
  return Enqueue(request);
}

Status SqliteStore::Enqueue(WriteRequest& request) {
  if (std::this_thread::get_id() == writer_id_) {
    return Error(ErrorKind::kFailedPrecondition, "nested_write",
                 "Write or Migrate called from inside a Write function; do all the work in the "
                 "one function");
  }
  std::unique_lock<std::mutex> lock(write_mu_);
  if (write_closed_) return StoreClosed();
  write_queue_.push_back(&request);
  write_queue_cv_.notify_one();
  request.done_cv.wait(lock, [&request] { return request.done; });
  return request.result;
}

void SqliteStore::WriterLoop() {
  std::vector<WriteRequest*> batch;
  batch.reserve(static_cast<size_t>(options_.max_batch));
  for (;;) {
    batch.clear();
    WriteRequest* raw = nullptr;
    {
      std::unique_lock<std::mutex> lock(write_mu_);
      write_queue_cv_.wait(lock, [this] { return !write_queue_.empty() || write_closed_; });
      // Close lets everything already queued complete before the writer stops.
      if (write_queue_.empty()) return;
      if (write_queue_.front()->raw != nullptr) {
        raw = write_queue_.front();
        write_queue_.pop_front();
      } else {
        while (!write_queue_.empty() && write_queue_.front()->raw == nullptr &&
               batch.size() < static_cast<size_t>(options_.max_batch)) {
          batch.push_back(write_queue_.front());
          write_queue_.pop_front();
        }
      }
    }
    if (raw != nullptr) {
      raw->result = (*raw->raw)(*writer_conn_);
      batch.push_back(raw);
    } else {
      RunBatch(batch);
    }
    // Notified under the lock: the caller cannot see `done` and destroy its request (which
    // owns the condition variable) before the notification has been made.
    std::lock_guard<std::mutex> lock(write_mu_);
    for (WriteRequest* request : batch) {
      request->done = true;
      request->done_cv.notify_one();
    }
  }
}

void SqliteStore::RunBatch(const std::vector<WriteRequest*>& batch) {
  SqliteConnection& conn = *writer_conn_;
  const auto start = std::chrono::steady_clock::now();
  // Requests whose fn succeeded and whose work sits in the open transaction.
  std::vector<WriteRequest*> pending;
  pending.reserve(batch.size());

  Status begin = conn.Exec("BEGIN IMMEDIATE");
  for (size_t i = 0; i < batch.size(); ++i) {
    WriteRequest* request = batch[i];
    if (!begin.ok()) {
      request->result = begin;
      continue;
    }
    request->result = RunInSavepoint(*request->fn);
    if (request->result.ok()) pending.push_back(request);
    if (!conn.InTransaction()) {
      // Some errors (I/O, disk full) make SQLite roll back the whole transaction, taking the
      // work of earlier fns in this batch with it. Fail those and carry on in a new one.
      for (WriteRequest* lost : pending) lost->result = TransactionAborted();
      pending.clear();
      begin = conn.Exec("BEGIN IMMEDIATE");
    }
  }
  if (!begin.ok()) {
    RecordCommit(0, 0, batch.size(), false);
    return;
  }

  Status commit = conn.Exec("COMMIT");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!commit.ok()) {
    RollbackQuietly(conn);
    for (WriteRequest* request : pending) request->result = commit;
    RecordCommit(seconds, 0, batch.size(), false);
    return;
  }
  RecordCommit(seconds, pending.size(), batch.size() - pending.size(), true);
}

Status SqliteStore::RunInSavepoint(const std::function<Status(Tx&)>& fn) {
  SqliteConnection& conn = *writer_conn_;
  PD_RETURN_IF_ERROR(conn.Exec(kSavepoint));
  SqliteTx tx(conn, /*read_only=*/false);
  Status status = CallFn(fn, tx);
  if (!conn.InTransaction()) return status.ok() ? Status(TransactionAborted()) : status;
  if (status.ok()) {
    status = conn.Exec(kRelease);
    if (status.ok()) return status;
  }
  // Undo only this fn's work; the savepoint stays on the stack after ROLLBACK TO, so release
  // it as well.
  if (conn.Exec(kRollbackTo).ok()) static_cast<void>(conn.Exec(kRelease));
  return status;
}

void SqliteStore::RecordCommit(double seconds, uint64_t writes, uint64_t failures, bool committed) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.writes += writes;
  stats_.write_failures += failures;
  if (!committed) return;
  ++stats_.commits;
  stats_.commit_seconds_sum += seconds;
  for (size_t i = 0; i < stats_.commit_bounds.size(); ++i) {
    if (seconds <= stats_.commit_bounds[i]) ++stats_.commit_buckets[i];
  }
  ++stats_.commit_buckets.back();
}

StoreStats SqliteStore::Stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

// Reads.

Status SqliteStore::WithReader(const std::function<Status(SqliteConnection&)>& fn) {
  SqliteConnection* conn = nullptr;
  {
    std::unique_lock<std::mutex> lock(read_mu_);
    read_cv_.wait(lock, [this] { return read_closed_ || !idle_readers_.empty(); });
    if (read_closed_) return StoreClosed();
    conn = idle_readers_.back();
    idle_readers_.pop_back();
  }
  Status status = fn(*conn);
  {
    std::lock_guard<std::mutex> lock(read_mu_);
    idle_readers_.push_back(conn);
  }
  // Both other readers and a waiting Close may be interested.
  read_cv_.notify_all();
  return status;
}

Status SqliteStore::Read(const std::function<Status(Tx&)>& fn) {
  return WithReader([&fn](SqliteConnection& conn) -> Status {
    // A deferred BEGIN: the snapshot is taken at the first read and holds until COMMIT.
    PD_RETURN_IF_ERROR(conn.Exec("BEGIN"));
    SqliteTx tx(conn, /*read_only=*/true);
    Status status = CallFn(fn, tx);
    Status end = conn.Exec("COMMIT");
    if (!end.ok()) RollbackQuietly(conn);
    if (!status.ok()) return status;
    return end;
  });
}

Status SqliteStore::Ping() {
  return WithReader([](SqliteConnection& conn) { return conn.Exec("SELECT 1"); });
}

// Schema.

Status SqliteStore::Migrate() {
  const int latest = LatestSchemaVersion();
  std::function<Status(SqliteConnection&)> migrate = [this,
                                                      latest](SqliteConnection& conn) -> Status {
    PD_RETURN_IF_ERROR(
        conn.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations ("
                        "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
    {
      PD_ASSIGN_OR_RETURN(SqliteQuery q,
                          conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
      PD_ASSIGN_OR_RETURN(bool row, q.Step());
      if (row && q.ColumnInt(0) > latest) {
        return Error(ErrorKind::kFailedPrecondition, "schema_too_new",
                     "the database was migrated by a newer privacyd; run that version");
      }
    }
    for (const SqliteMigration& migration : SqliteMigrations()) {
      // Each migration in its own transaction: a failure keeps the ones before it.
      PD_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
      Status status = ApplyMigration(conn, migration, Now());
      if (status.ok()) status = conn.Exec("COMMIT");
      if (!status.ok()) {
        RollbackQuietly(conn);
        return status.error().WithContext("applying schema migration " +
                                          std::to_string(migration.version));
      }
    }
    return Ok();
  };
  WriteRequest request;
  request.raw = &migrate;
  return Enqueue(request);
}

Result<int> SqliteStore::SchemaVersion() {
  int version = 0;
  Status status = WithReader([&version](SqliteConnection& conn) -> Status {
    {
      PD_ASSIGN_OR_RETURN(SqliteQuery q,
                          conn.Prepare("SELECT count(*) FROM sqlite_master "
                                       "WHERE type = 'table' AND name = 'schema_migrations'"));
      PD_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row || q.ColumnInt(0) == 0) return Ok();
    }
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) version = static_cast<int>(q.ColumnInt(0));
    return Ok();
  });
  if (!status.ok()) return status.error();
  return version;
}

int SqliteStore::LatestSchemaVersion() const {
  auto migrations = SqliteMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

Result<SqliteStore::PragmaValues> SqliteStore::Pragma(const std::string& name) {
  // The name becomes part of the SQL text, so only known names get there.
  static const char* const kKnown[] = {"journal_mode", "synchronous", "foreign_keys", "query_only",
                                       "busy_timeout"};
  bool known = false;
  for (const char* k : kKnown) known = known || name == k;
  if (!known) {
    return Error(ErrorKind::kInvalidArgument, "unknown_pragma",
                 "only journal_mode, synchronous, foreign_keys, query_only and busy_timeout can "
                 "be read");
  }
  const std::string sql = "PRAGMA " + name;
  auto read_one = [&sql](SqliteConnection& conn, std::string& out) -> Status {
    PD_ASSIGN_OR_RETURN(SqliteQuery q, conn.Prepare(sql));
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) out = q.ColumnBytes(0);
    return Ok();
  };
  PragmaValues values;
  std::function<Status(SqliteConnection&)> on_writer = [&](SqliteConnection& conn) {
    return read_one(conn, values.writer);
  };
  WriteRequest request;
  request.raw = &on_writer;
  PD_RETURN_IF_ERROR(Enqueue(request));
  PD_RETURN_IF_ERROR(
      WithReader([&](SqliteConnection& conn) { return read_one(conn, values.reader); }));
  return values;
}

// Lifecycle.

void SqliteStore::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    write_closed_ = true;
  }
  write_queue_cv_.notify_all();
  if (writer_thread_.joinable()) writer_thread_.join();
  writer_conn_.reset();
  {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  checkpoint_conn_.reset();

  std::unique_lock<std::mutex> lock(read_mu_);
  read_closed_ = true;
  read_cv_.notify_all();
  read_cv_.wait(lock, [this] { return idle_readers_.size() == readers_.size(); });
  idle_readers_.clear();
  readers_.clear();
}

}  // namespace privacyd
