#include "store/sqlite/sqlite_migrations.h"

namespace privacyd {
namespace {

// Version 1: every table of store.h.
//
// Byte strings that are not text (blind indexes, sealed values, wrapped keys, meta values) are
// BLOBs. Timestamps are INTEGER microseconds since the epoch. WITHOUT ROWID for tables keyed by
// a text id, so lookups by that id read one b-tree.
constexpr char kV1[] = R"sql(
CREATE TABLE subjects (
  id         TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  erased_at  INTEGER
) WITHOUT ROWID;

CREATE TABLE identities (
  kind         TEXT NOT NULL,
  blind_index  BLOB NOT NULL,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  sealed_value BLOB NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (kind, blind_index)
) WITHOUT ROWID;
CREATE INDEX identities_by_subject ON identities(subject_id);

CREATE TABLE attributes (
  id           INTEGER PRIMARY KEY,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  name         TEXT NOT NULL,
  sealed_value BLOB NOT NULL,
  provenance   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX attributes_by_subject ON attributes(subject_id, id);

CREATE TABLE data_keys (
  subject_id    TEXT PRIMARY KEY REFERENCES subjects(id),
  master_key_id TEXT NOT NULL,
  wrapped       BLOB NOT NULL
) WITHOUT ROWID;
-- Key rotation walks the keys not wrapped by the current master key.
CREATE INDEX data_keys_by_master ON data_keys(master_key_id, subject_id);

CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

-- seq is the rowid: appends go to the end of the b-tree and the cursor is a range scan.
CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY,
  time       INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  role       TEXT NOT NULL,
  action     TEXT NOT NULL,
  object     TEXT NOT NULL,
  purpose    TEXT NOT NULL,
  request_id TEXT NOT NULL,
  detail     TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
-- ListAudit filters: each index ends in seq so a filtered page is read in cursor order.
CREATE INDEX audit_by_time ON audit(time);
CREATE INDEX audit_by_actor ON audit(actor, seq);
CREATE INDEX audit_by_object ON audit(object, seq);
CREATE INDEX audit_by_action ON audit(action, seq);

CREATE TABLE users (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled      INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  secret_hash TEXT NOT NULL,
  label       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER,
  revoked_at  INTEGER
) WITHOUT ROWID;
CREATE INDEX tokens_by_user ON tokens(user_id, id);

CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  payload      TEXT NOT NULL,
  dedupe_key   TEXT,  -- NULL when the job has none
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  run_at       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  claimed_by   TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  last_error   TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_by_dedupe_key ON jobs(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX jobs_due ON jobs(state, run_at, id);
CREATE INDEX jobs_due_by_kind ON jobs(kind, state, run_at, id);
)sql";

// Version 2: remembered responses of writes that carried an Idempotency-Key. The primary key is
// the lookup of every request; the expiry index serves the bounded purge of expired entries.
constexpr char kV2[] = R"sql(
CREATE TABLE idempotency_keys (
  principal    TEXT NOT NULL,
  idem_key     TEXT NOT NULL,
  fingerprint  TEXT NOT NULL,
  state        TEXT NOT NULL,
  status       INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers      TEXT NOT NULL,
  body         BLOB NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  PRIMARY KEY (principal, idem_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys(expires_at);
)sql";

// Version 3: every policy version that was in force, with its text and its changes.
constexpr char kV3[] = R"sql(
CREATE TABLE policy_versions (
  version        TEXT PRIMARY KEY,
  effective_date INTEGER NOT NULL,
  applied_at     INTEGER NOT NULL,
  source         TEXT NOT NULL,
  material       INTEGER NOT NULL,
  changes        TEXT NOT NULL
);
CREATE INDEX policy_versions_by_applied ON policy_versions(applied_at);
)sql";

// Version 4: people who may not be processed for marketing again, by blind index (an objection
// to direct marketing is absolute and outlives the erasure of the subject), and restriction of
// processing per subject (GDPR Art. 18).
constexpr char kV4[] = R"sql(
CREATE TABLE suppressions (
  kind        TEXT NOT NULL,
  blind_index BLOB NOT NULL,
  reason      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, blind_index)
) WITHOUT ROWID;
ALTER TABLE subjects ADD COLUMN restricted_at INTEGER;
)sql";

// Version 5: referrals. A referred person's address is kept, sealed with the referrer's key,
// only until the one email on the referrer's behalf has gone; the row stays, without it, so
// that the same address is never written to again.
constexpr char kV5[] = R"sql(
CREATE TABLE referrals (
  blind_index    BLOB PRIMARY KEY,
  referrer_id    TEXT NOT NULL,
  point          TEXT NOT NULL,
  sealed_address BLOB NOT NULL,
  created_at     INTEGER NOT NULL,
  sent_at        INTEGER
) WITHOUT ROWID;
)sql";

// Version 6: the consent ledger. Events are appended and never changed or deleted (triggers
// refuse it), so the current state is always derived from the whole history; they hold no
// personal data (the country derived from the IP, not the IP; the user agent's family, not the
// string), so they outlive the erasure of their subject as proof. Each subject records the
// regime it was collected under, which decides what its silence means for marketing.
constexpr char kV6[] = R"sql(
CREATE TABLE consent_events (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id        TEXT NOT NULL,
  target            TEXT NOT NULL,
  action            TEXT NOT NULL,
  method            TEXT NOT NULL,
  regime            TEXT NOT NULL,
  statement_version TEXT NOT NULL,
  notice_hash       TEXT NOT NULL,
  language          TEXT NOT NULL,
  country           TEXT NOT NULL,
  user_agent        TEXT NOT NULL,
  request_id        TEXT NOT NULL,
  actor             TEXT NOT NULL,
  evidence          TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX consent_events_by_subject ON consent_events(subject_id, seq);
CREATE TRIGGER consent_events_append_only_update BEFORE UPDATE ON consent_events
  BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
CREATE TRIGGER consent_events_append_only_delete BEFORE DELETE ON consent_events
  BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
ALTER TABLE subjects ADD COLUMN regime TEXT NOT NULL DEFAULT '';
)sql";

// Version 7: one-time codes people receive by email to prove they hold an address (the
// Preference Center, data subject requests). Only a keyed hash of each code is kept.
constexpr char kV7[] = R"sql(
CREATE TABLE verification_codes (
  id          TEXT PRIMARY KEY,
  purpose     TEXT NOT NULL,
  blind_index BLOB NOT NULL,
  subject_id  TEXT NOT NULL,
  code_hash   BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  used_at     INTEGER
) WITHOUT ROWID;
CREATE INDEX verification_codes_by_identity
  ON verification_codes(purpose, blind_index, created_at);
CREATE INDEX verification_codes_by_expiry ON verification_codes(expires_at);
)sql";

// Version 8: a log of what may have changed someone's consent verdicts, written by triggers
// whatever code or process made the change, so that an in-memory index of every subject's
// verdicts (consent/consent_index.h) can catch up with the store by reading the log after the
// seq it last applied. A row names a subject, an identity (kind, blind index), or both. The
// process that keeps the index deletes what it has applied.
constexpr char kV8[] = R"sql(
CREATE TABLE consent_changes (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id  TEXT NOT NULL,  -- '' for an identity alone (a suppression)
  kind        TEXT NOT NULL,  -- '' for a subject alone
  blind_index BLOB NOT NULL   -- x'' for a subject alone
);
CREATE TRIGGER consent_changes_subject_insert AFTER INSERT ON subjects BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES (new.id, '', x'');
END;
CREATE TRIGGER consent_changes_subject_update
  AFTER UPDATE OF erased_at, restricted_at, regime ON subjects BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES (new.id, '', x'');
END;
CREATE TRIGGER consent_changes_subject_delete AFTER DELETE ON subjects BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES (old.id, '', x'');
END;
CREATE TRIGGER consent_changes_identity_insert AFTER INSERT ON identities BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index)
    VALUES (new.subject_id, new.kind, new.blind_index);
END;
CREATE TRIGGER consent_changes_identity_update
  AFTER UPDATE OF subject_id, kind, blind_index ON identities BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index)
    VALUES (old.subject_id, old.kind, old.blind_index), (new.subject_id, new.kind, new.blind_index);
END;
CREATE TRIGGER consent_changes_identity_delete AFTER DELETE ON identities BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index)
    VALUES (old.subject_id, old.kind, old.blind_index);
END;
CREATE TRIGGER consent_changes_suppression_insert AFTER INSERT ON suppressions BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES ('', new.kind, new.blind_index);
END;
CREATE TRIGGER consent_changes_suppression_delete AFTER DELETE ON suppressions BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES ('', old.kind, old.blind_index);
END;
CREATE TRIGGER consent_changes_event_insert AFTER INSERT ON consent_events BEGIN
  INSERT INTO consent_changes (subject_id, kind, blind_index) VALUES (new.subject_id, '', x'');
END;
)sql";

// Version 9 (data subject requests): the requests and their append-only timeline. Nothing
// personal in clear: identities are blind indexes; the contact address, an agent's document and
// staff's reasons are sealed with the request's own key, wrapped in the row, so that deleting a
// request (an unverified one after its window, or any after retention) shreds them. Timeline
// events cannot be changed, and are deleted only once their request is gone.
constexpr char kRequestsMigration[] = R"sql(
CREATE TABLE requests (
  id              TEXT PRIMARY KEY,
  rights          TEXT NOT NULL,
  state           TEXT NOT NULL,
  channel         TEXT NOT NULL,
  regime          TEXT NOT NULL,
  language        TEXT NOT NULL,
  identity_kind   TEXT NOT NULL,
  blind_index     BLOB NOT NULL,
  subject_id      TEXT NOT NULL,
  route           TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  agent           INTEGER NOT NULL,
  master_key_id   TEXT NOT NULL,
  wrapped_key     BLOB NOT NULL,
  sealed_contact  BLOB NOT NULL,
  sealed_document BLOB NOT NULL,
  sealed_reason   BLOB NOT NULL,
  token_hash      BLOB NOT NULL,
  received_at     INTEGER NOT NULL,
  original_due_at INTEGER NOT NULL,
  due_at          INTEGER NOT NULL,
  max_due_at      INTEGER NOT NULL,
  extended_at     INTEGER,
  verified_at     INTEGER,
  confirmed_at    INTEGER,
  started_at      INTEGER,
  closed_at       INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX requests_by_identity ON requests(identity_kind, blind_index, created_at);
CREATE INDEX requests_by_due ON requests(due_at, id);
CREATE INDEX requests_by_state_due ON requests(state, due_at, id);
CREATE TABLE request_events (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id    TEXT NOT NULL,
  at            INTEGER NOT NULL,
  actor         TEXT NOT NULL,
  from_state    TEXT NOT NULL,
  to_state      TEXT NOT NULL,
  action        TEXT NOT NULL,
  sealed_reason BLOB NOT NULL
);
CREATE INDEX request_events_by_request ON request_events(request_id, seq);
CREATE TRIGGER request_events_append_only_update BEFORE UPDATE ON request_events
  BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER request_events_append_only_delete BEFORE DELETE ON request_events
  WHEN EXISTS (SELECT 1 FROM requests WHERE id = OLD.request_id)
  BEGIN SELECT RAISE(ABORT, 'request events are deleted only with their request'); END;
)sql";

// The packages of access and portability requests, sealed with the request's key, kept until
// their download window closes.
constexpr char kRequestPackagesMigration[] = R"sql(
CREATE TABLE request_packages (
  request_id TEXT PRIMARY KEY,
  sealed     BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 11: the disclosure log, append-only like the consent ledger (categories are a
// comma-separated list of taxonomy keys); and the staff queue's indexes hold every column its
// filters read, so that a page is found from the index alone and only its rows are read
// (bench/queue_bench.cc: a rare right over 100,000 requests read every row in due order before).
constexpr char kMigration11[] = R"sql(
DROP INDEX requests_by_due;
DROP INDEX requests_by_state_due;
CREATE INDEX requests_by_due ON requests(due_at, id, state, rights);
CREATE INDEX requests_by_state_due ON requests(state, due_at, id, rights);
CREATE TABLE disclosures (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  subject_id   TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  purpose      TEXT NOT NULL,
  categories   TEXT NOT NULL,
  origin       TEXT NOT NULL,
  safeguard    TEXT NOT NULL,
  request_id   TEXT NOT NULL,
  actor        TEXT NOT NULL,
  disclosed_at INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX disclosures_by_subject ON disclosures(subject_id, seq);
CREATE TRIGGER disclosures_append_only_update BEFORE UPDATE ON disclosures
  BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;
CREATE TRIGGER disclosures_append_only_delete BEFORE DELETE ON disclosures
  BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;
)sql";

// Version 12: what each enrichment import did, for staff (store.h ImportRecord): counts and the
// report of the rows skipped or refused, never a value.
constexpr char kImportsMigration[] = R"sql(
CREATE TABLE imports (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT NOT NULL UNIQUE,
  point           TEXT NOT NULL,
  vendor          TEXT NOT NULL,
  actor           TEXT NOT NULL,
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER NOT NULL,
  outcome         TEXT NOT NULL,
  error           TEXT NOT NULL,
  rows            INTEGER NOT NULL,
  merged          INTEGER NOT NULL,
  added           INTEGER NOT NULL,
  skipped         INTEGER NOT NULL,
  refused         INTEGER NOT NULL,
  ignored_columns TEXT NOT NULL,
  exceptions      TEXT NOT NULL
);
)sql";

// Version 13: staff console sessions (store.h StaffSessionRecord). Only the SHA-256 of the
// cookie's secret is kept; the CSRF token is derived from the secret, so it is not stored either.
constexpr char kStaffSessionsMigration[] = R"sql(
CREATE TABLE staff_sessions (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL,
  secret_hash  TEXT NOT NULL,
  method       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ended_at     INTEGER,
  ended_reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_sessions_by_user ON staff_sessions(user_id, created_at);
)sql";

// Version 14: portability to a third party. The destination URL the person gave is sealed with
// the request's key like their address (it may name them, and goes with the request).
constexpr char kRequestTransferMigration[] = R"sql(
ALTER TABLE requests ADD COLUMN sealed_transfer BLOB NOT NULL DEFAULT x'';
)sql";

// Version 15: the other identities a request names (a phone number, a customer id), sealed with
// the request's key and deleted with it; found by their blind index for duplicates and the
// staff queue. And closed requests in the order they closed, for the sweep that deletes them
// once the policy's rights.records_retention has passed.
constexpr char kRequestIdentitiesMigration[] = R"sql(
CREATE TABLE request_identities (
  request_id   TEXT NOT NULL,
  kind         TEXT NOT NULL,
  blind_index  BLOB NOT NULL,
  sealed_value BLOB NOT NULL,
  attested_at  INTEGER,
  attested_by  TEXT NOT NULL,
  PRIMARY KEY (request_id, kind)
) WITHOUT ROWID;
CREATE INDEX request_identities_by_identity ON request_identities(kind, blind_index);
CREATE INDEX requests_by_closed ON requests(closed_at, id) WHERE closed_at IS NOT NULL;
)sql";

constexpr SqliteMigration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
    {5, kV5},
    {6, kV6},
    {7, kV7},
    {8, kV8},
    {9, kRequestsMigration},
    {10, kRequestPackagesMigration},
    {11, kMigration11},
    {12, kImportsMigration},
    {13, kStaffSessionsMigration},
    {14, kRequestTransferMigration},
    {15, kRequestIdentitiesMigration},
};

}  // namespace

std::span<const SqliteMigration> SqliteMigrations() { return kMigrations; }

}  // namespace privacyd
