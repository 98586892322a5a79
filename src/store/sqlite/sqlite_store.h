// SqliteStore: the embedded Store backend, one SQLite database file in WAL mode.
//
// Writes are group-committed: one writer thread owns the only write connection. Write(fn)
// queues fn and blocks; the writer takes up to max_batch queued fns, runs them in one
// `BEGIN IMMEDIATE` transaction, each inside its own SAVEPOINT (a fn that fails is rolled back
// to its savepoint and only its caller sees the error), commits once (synchronous=FULL: the
// commit is durable when it returns) and then wakes every caller with its own outcome. One
// fsync thus serves a whole batch, so throughput grows with the number of concurrent writers.
//
// Reads run on a pool of read-only connections (query_only=ON), each Read inside BEGIN/COMMIT
// for a consistent snapshot; WAL lets them proceed while the writer commits.
//
// Checkpoints (copying the WAL back into the database file, with its own fsync) run on a
// checkpointer thread with its own connection, in PASSIVE mode, which never blocks the writer:
// the writer signals it when the WAL has reached `checkpoint_pages`. Once it has copied the bulk,
// the writer copies the little committed meanwhile itself, so that the WAL is entirely in the
// database and restarts from its beginning (SQLite restarts a WAL only when all of it has been
// copied, which a checkpoint running beside a busy writer never achieves alone). A commit thus
// waits for a short copy instead of a whole checkpoint, which would stall every write queued
// behind it; and should the WAL reach four times that size, the writer copies it all itself, so
// the WAL stays bounded.
//
// Every public method is thread-safe. Calling Write from inside a Write fn is refused
// (kFailedPrecondition "nested_write"): the fn runs on the writer thread, which would wait for
// itself.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace privacyd {

struct SqliteOptions {
  std::string path;  // database file; created if missing
  int read_connections = 4;
  // Most Write fns committed in one transaction. 1 = one transaction (and fsync) per Write.
  int max_batch = 256;
  int busy_timeout_ms = 5000;
  // WAL pages (4 KiB) after which the checkpointer copies the WAL back into the database.
  int checkpoint_pages = 4096;
  // Source of schema_migrations.applied_at; nullptr = the system clock. Not owned.
  const Clock* clock = nullptr;
};

class SqliteStore final : public Store {
 public:
  // Opens the database (creating the file if needed) and starts the writer thread. Does not
  // migrate: call Migrate(). kInvalidArgument for unusable options, kDataLoss when the file is
  // not a SQLite database, kInternal/kUnavailable when SQLite cannot open it.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  // Calls Close().
  ~SqliteStore() override;

  Status Write(const std::function<Status(Tx&)>& fn) override;
  Status Read(const std::function<Status(Tx&)>& fn) override;
  Status Migrate() override;
  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  Status Ping() override;
  // commit_* covers each batch transaction from BEGIN IMMEDIATE until its COMMIT is durable.
  StoreStats Stats() const override;
  // Lets queued writes complete, waits for running reads, joins the writer thread and closes
  // every connection. Afterwards Write/Read/Migrate/SchemaVersion/Ping fail with kUnavailable
  // "store_closed". Idempotent. Must not be called from inside a Write or Read fn.
  void Close() override;

  // A connection setting as the write connection and a read connection see it, for
  // diagnostics and tests. Settings are per connection, so a probe from outside proves nothing.
  struct PragmaValues {
    std::string writer;
    std::string reader;
  };
  // `name` is one of journal_mode, synchronous, foreign_keys, query_only, busy_timeout;
  // anything else is kInvalidArgument "unknown_pragma".
  Result<PragmaValues> Pragma(const std::string& name);

 private:
  // One queued unit of work for the writer thread. Lives on the stack of the waiting caller.
  struct WriteRequest {
    // Exactly one of the two is set. A raw request runs alone, outside any batch transaction,
    // directly on the write connection (migrations).
    const std::function<Status(Tx&)>* fn = nullptr;
    const std::function<Status(SqliteConnection&)>* raw = nullptr;
    Status result;
    bool done = false;  // guarded by write_mu_
    // Wakes only this request's caller: a batch's callers are woken one by one, while the
    // callers already queued for the next batch sleep on.
    std::condition_variable done_cv;
  };

  SqliteStore(const SqliteOptions& options, std::unique_ptr<SqliteConnection> writer,
              std::unique_ptr<SqliteConnection> checkpointer,
              std::vector<std::unique_ptr<SqliteConnection>> readers);

  Status Enqueue(WriteRequest& request);
  void WriterLoop();
  // Runs `batch` (only fn requests) in one transaction and sets every request's result.
  void RunBatch(const std::vector<WriteRequest*>& batch);
  // Runs one request's fn inside its savepoint.
  Status RunInSavepoint(const std::function<Status(Tx&)>& fn);
  void RecordCommit(double seconds, uint64_t writes, uint64_t failures, bool committed);
  // sqlite3_wal_hook of the write connection: called after each commit with the WAL's size.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages);
  void CheckpointLoop();

  // Runs fn with a read connection from the pool.
  Status WithReader(const std::function<Status(SqliteConnection&)>& fn);
  Micros Now() const;

  const SqliteOptions options_;
  SystemClock system_clock_;

  // Writer queue and lifecycle.
  std::mutex write_mu_;
  std::condition_variable write_queue_cv_;  // the writer waits for work
  std::deque<WriteRequest*> write_queue_;
  bool write_closed_ = false;
  std::unique_ptr<SqliteConnection> writer_conn_;  // used only by writer_thread_
  std::thread writer_thread_;
  std::thread::id writer_id_;  // set once before Open returns; read to refuse nested writes

  // Checkpointer.
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;  // guarded by checkpoint_mu_
  bool checkpoint_stop_ = false;    // guarded by checkpoint_mu_
  int checkpoint_passes_ = 0;       // passes finished since the writer last checkpointed
  std::mutex checkpoint_run_mu_;    // held while either thread runs a checkpoint
  std::unique_ptr<SqliteConnection> checkpoint_conn_;  // used only by checkpoint_thread_
  std::thread checkpoint_thread_;

  // Read pool.
  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // all of them, for Close
  std::vector<SqliteConnection*> idle_readers_;
  bool read_closed_ = false;

  std::mutex close_mu_;  // serialises Close

  mutable std::mutex stats_mu_;
  StoreStats stats_;
};

}  // namespace privacyd
