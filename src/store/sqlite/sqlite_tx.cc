#include "store/sqlite/sqlite_tx.h"

#include <utility>

namespace privacyd {
namespace {

Error NotFound(const char* code, const char* what) {
  return Error(ErrorKind::kNotFound, code, std::string(what) + " does not exist");
}

Status CheckLimit(int limit) {
  // SQLite reads a negative LIMIT as "no limit"; refuse it rather than return everything.
  if (limit < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_limit", "limit must be at least 1");
  }
  return Ok();
}

std::optional<JobState> ParseJobState(const std::string& name) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kDead}) {
    if (name == JobStateName(s)) return s;
  }
  return std::nullopt;
}

constexpr char kSubjectCols[] = "id, created_at, erased_at, restricted_at, regime";
constexpr char kConsentCols[] =
    "seq, subject_id, target, action, method, regime, statement_version, notice_hash, language, "
    "country, user_agent, request_id, actor, evidence, created_at";
constexpr char kIdentityCols[] = "subject_id, kind, blind_index, sealed_value, created_at";
constexpr char kAttributeCols[] = "id, subject_id, name, sealed_value, provenance, created_at";
constexpr char kAuditCols[] =
    "seq, time, actor, role, action, object, purpose, request_id, detail, prev_hash, hash";
constexpr char kUserCols[] = "id, name, role, password_hash, disabled, created_at";
constexpr char kTokenCols[] = "id, user_id, secret_hash, label, created_at, expires_at, revoked_at";
constexpr char kStaffSessionCols[] =
    "id, user_id, secret_hash, method, created_at, last_used_at, expires_at, ended_at, "
    "ended_reason";
constexpr char kIdempotencyCols[] =
    "principal, idem_key, fingerprint, state, status, content_type, headers, body, created_at, "
    "expires_at";
constexpr char kJobCols[] =
    "id, kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, "
    "updated_at, claimed_by, heartbeat_at, last_error";

std::string Sql(const char* head, const char* cols, const char* tail) {
  return std::string(head) + cols + tail;
}

SubjectRecord ReadSubject(const SqliteQuery& q) {
  return SubjectRecord{q.ColumnBytes(0), q.ColumnInt(1), q.ColumnOptInt(2), q.ColumnOptInt(3),
                       q.ColumnBytes(4)};
}

ConsentEventRecord ReadConsentEvent(const SqliteQuery& q) {
  ConsentEventRecord r;
  r.seq = q.ColumnInt(0);
  r.subject_id = q.ColumnBytes(1);
  r.target = q.ColumnBytes(2);
  r.action = q.ColumnBytes(3);
  r.method = q.ColumnBytes(4);
  r.regime = q.ColumnBytes(5);
  r.statement_version = q.ColumnBytes(6);
  r.notice_hash = q.ColumnBytes(7);
  r.language = q.ColumnBytes(8);
  r.country = q.ColumnBytes(9);
  r.user_agent = q.ColumnBytes(10);
  r.request_id = q.ColumnBytes(11);
  r.actor = q.ColumnBytes(12);
  r.evidence = q.ColumnBytes(13);
  r.created_at = q.ColumnInt(14);
  return r;
}

constexpr char kImportCols[] =
    "seq, id, point, vendor, actor, started_at, finished_at, outcome, error, rows, merged, added, "
    "skipped, refused, ignored_columns, exceptions";

ImportRecord ReadImport(const SqliteQuery& q) {
  return ImportRecord{q.ColumnInt(0),   q.ColumnBytes(1), q.ColumnBytes(2),  q.ColumnBytes(3),
                      q.ColumnBytes(4), q.ColumnInt(5),   q.ColumnInt(6),    q.ColumnBytes(7),
                      q.ColumnBytes(8), q.ColumnInt(9),   q.ColumnInt(10),   q.ColumnInt(11),
                      q.ColumnInt(12),  q.ColumnInt(13),  q.ColumnBytes(14), q.ColumnBytes(15)};
}

SuppressionRecord ReadSuppression(const SqliteQuery& row) {
  return SuppressionRecord{row.ColumnBytes(0), row.ColumnBytes(1), row.ColumnBytes(2),
                           row.ColumnInt(3)};
}

IdentityRecord ReadIdentity(const SqliteQuery& q) {
  return IdentityRecord{q.ColumnBytes(0), q.ColumnBytes(1), q.ColumnBytes(2), q.ColumnBytes(3),
                        q.ColumnInt(4)};
}

AttributeRecord ReadAttribute(const SqliteQuery& q) {
  return AttributeRecord{q.ColumnInt(0),   q.ColumnBytes(1), q.ColumnBytes(2),
                         q.ColumnBytes(3), q.ColumnBytes(4), q.ColumnInt(5)};
}

AuditRecord ReadAudit(const SqliteQuery& q) {
  AuditRecord r;
  r.seq = q.ColumnInt(0);
  r.time = q.ColumnInt(1);
  r.actor = q.ColumnBytes(2);
  r.role = q.ColumnBytes(3);
  r.action = q.ColumnBytes(4);
  r.object = q.ColumnBytes(5);
  r.purpose = q.ColumnBytes(6);
  r.request_id = q.ColumnBytes(7);
  r.detail = q.ColumnBytes(8);
  r.prev_hash = q.ColumnBytes(9);
  r.hash = q.ColumnBytes(10);
  return r;
}

UserRecord ReadUser(const SqliteQuery& q) {
  return UserRecord{q.ColumnBytes(0), q.ColumnBytes(1),    q.ColumnBytes(2),
                    q.ColumnBytes(3), q.ColumnInt(4) != 0, q.ColumnInt(5)};
}

TokenRecord ReadToken(const SqliteQuery& q) {
  return TokenRecord{q.ColumnBytes(0), q.ColumnBytes(1),  q.ColumnBytes(2), q.ColumnBytes(3),
                     q.ColumnInt(4),   q.ColumnOptInt(5), q.ColumnOptInt(6)};
}

StaffSessionRecord ReadStaffSession(const SqliteQuery& q) {
  return StaffSessionRecord{q.ColumnBytes(0), q.ColumnBytes(1),  q.ColumnBytes(2),
                            q.ColumnBytes(3), q.ColumnInt(4),    q.ColumnInt(5),
                            q.ColumnInt(6),   q.ColumnOptInt(7), q.ColumnBytes(8)};
}

Result<JobRecord> ReadJob(const SqliteQuery& q) {
  JobRecord r;
  r.id = q.ColumnInt(0);
  r.kind = q.ColumnBytes(1);
  r.payload = q.ColumnBytes(2);
  r.dedupe_key = q.ColumnBytes(3);
  std::optional<JobState> state = ParseJobState(q.ColumnBytes(4));
  if (!state.has_value()) {
    return Error(ErrorKind::kDataLoss, "job_state_invalid",
                 "a stored job has an unknown state; the database was changed outside privacyd");
  }
  r.state = *state;
  r.attempts = static_cast<int>(q.ColumnInt(5));
  r.max_attempts = static_cast<int>(q.ColumnInt(6));
  r.run_at = q.ColumnInt(7);
  r.created_at = q.ColumnInt(8);
  r.updated_at = q.ColumnInt(9);
  r.claimed_by = q.ColumnBytes(10);
  r.heartbeat_at = q.ColumnInt(11);
  r.last_error = q.ColumnBytes(12);
  return r;
}

constexpr char kPolicyVersionCols[] =
    "version, effective_date, applied_at, source, material, changes";

PolicyVersionRecord ReadPolicyVersion(const SqliteQuery& q) {
  PolicyVersionRecord r;
  r.version = q.ColumnBytes(0);
  r.effective_date = q.ColumnInt(1);
  r.applied_at = q.ColumnInt(2);
  r.source = q.ColumnBytes(3);
  r.material = q.ColumnInt(4) != 0;
  r.changes = q.ColumnBytes(5);
  return r;
}

Result<IdempotencyRecord> ReadIdempotency(const SqliteQuery& q) {
  IdempotencyRecord r;
  r.principal = q.ColumnBytes(0);
  r.key = q.ColumnBytes(1);
  r.fingerprint = q.ColumnBytes(2);
  const std::string state = q.ColumnBytes(3);
  if (state == IdempotencyStateName(IdempotencyState::kInProgress)) {
    r.state = IdempotencyState::kInProgress;
  } else if (state == IdempotencyStateName(IdempotencyState::kCompleted)) {
    r.state = IdempotencyState::kCompleted;
  } else {
    return Error(ErrorKind::kDataLoss, "idempotency_state_invalid",
                 "a stored idempotency key has an unknown state; the database was changed "
                 "outside privacyd");
  }
  r.status = static_cast<int>(q.ColumnInt(4));
  r.content_type = q.ColumnBytes(5);
  r.headers = q.ColumnBytes(6);
  r.body = q.ColumnBytes(7);
  r.created_at = q.ColumnInt(8);
  r.expires_at = q.ColumnInt(9);
  return r;
}

// Runs `q` and collects every row through `read`.
template <class T, class ReadFn>
Result<std::vector<T>> CollectRows(SqliteQuery& q, ReadFn read) {
  std::vector<T> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(read(q));
  }
}

// Runs `q` and returns its first row through `read`, or nullopt.
template <class T, class ReadFn>
Result<std::optional<T>> FirstRow(SqliteQuery& q, ReadFn read) {
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(q));
}

Error JobNotClaimed() {
  return Error(ErrorKind::kFailedPrecondition, "job_not_claimed",
               "the job is not running under this worker; it may have been reclaimed after its "
               "lease expired");
}

}  // namespace

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Status SqliteTx::CheckWritable() const {
  if (read_only_) {
    return Error(ErrorKind::kFailedPrecondition, "read_only_transaction",
                 "write called inside a read transaction; use Store::Write");
  }
  return Ok();
}

// Subjects.

Status SqliteTx::InsertSubject(const SubjectRecord& subject) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO subjects (id, created_at, erased_at, restricted_at, regime) "
                    "VALUES (?, ?, ?, ?, ?)"));
  q.Text(subject.id)
      .Int(subject.created_at)
      .OptInt(subject.erased_at)
      .OptInt(subject.restricted_at)
      .Text(subject.regime)
      .OnUnique("subject_exists");
  return q.Run();
}

Result<std::optional<SubjectRecord>> SqliteTx::GetSubject(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kSubjectCols, " FROM subjects WHERE id = ?")));
  q.Text(id);
  return FirstRow<SubjectRecord>(q, ReadSubject);
}

Status SqliteTx::MarkSubjectErased(const std::string& id, Micros at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE subjects SET erased_at = ? WHERE id = ?"));
  q.Int(at).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("subject_not_found", "the subject");
  return Ok();
}

Status SqliteTx::SetSubjectRestricted(const std::string& id, std::optional<Micros> at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE subjects SET restricted_at = ? WHERE id = ?"));
  q.OptInt(at).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("subject_not_found", "the subject");
  return Ok();
}

// Referrals.

Status SqliteTx::InsertReferral(const ReferralRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO referrals (blind_index, referrer_id, point, "
                    "sealed_address, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)"));
  q.Blob(r.blind_index)
      .Text(r.referrer_id)
      .Text(r.point)
      .Blob(r.sealed_address)
      .Int(r.created_at)
      .OptInt(r.sent_at)
      .OnUnique("referral_exists");
  return q.Run();
}

Result<std::optional<ReferralRecord>> SqliteTx::GetReferral(const std::string& blind_index) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT blind_index, referrer_id, point, sealed_address, "
                                    "created_at, sent_at FROM referrals WHERE blind_index = ?"));
  q.Blob(blind_index);
  return FirstRow<ReferralRecord>(q, [](const SqliteQuery& row) {
    return ReferralRecord{row.ColumnBytes(0), row.ColumnBytes(1), row.ColumnBytes(2),
                          row.ColumnBytes(3), row.ColumnInt(4),   row.ColumnOptInt(5)};
  });
}

Status SqliteTx::MarkReferralSent(const std::string& blind_index, Micros at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE referrals SET sent_at = ?, sealed_address = X'' "
                                    "WHERE blind_index = ?"));
  q.Int(at).Blob(blind_index);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("referral_not_found", "the referral");
  return Ok();
}

Result<std::vector<ReferralRecord>> SqliteTx::ListReferralsBy(const std::string& referrer_id) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT blind_index, referrer_id, point, sealed_address, created_at, sent_at "
                    "FROM referrals WHERE referrer_id = ? ORDER BY created_at, blind_index"));
  q.Text(referrer_id);
  return CollectRows<ReferralRecord>(q, [](const SqliteQuery& row) {
    return ReferralRecord{row.ColumnBytes(0), row.ColumnBytes(1), row.ColumnBytes(2),
                          row.ColumnBytes(3), row.ColumnInt(4),   row.ColumnOptInt(5)};
  });
}

Result<int64_t> SqliteTx::DeleteReferralAddresses(const std::string& referrer_id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE referrals SET sealed_address = X'' "
                                    "WHERE referrer_id = ? AND length(sealed_address) > 0"));
  q.Text(referrer_id);
  PD_RETURN_IF_ERROR(q.Run());
  return static_cast<int64_t>(conn_.Changes());
}

Status SqliteTx::SetSubjectRegime(const std::string& id, const std::string& regime) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("UPDATE subjects SET regime = ? WHERE id = ?"));
  q.Text(regime).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("subject_not_found", "the subject");
  return Ok();
}

// Consent ledger.

Result<int64_t> SqliteTx::AppendConsentEvent(const ConsentEventRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(
          "INSERT INTO consent_events (subject_id, target, action, method, regime, "
          "statement_version, notice_hash, language, country, user_agent, request_id, "
          "actor, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Text(r.subject_id)
      .Text(r.target)
      .Text(r.action)
      .Text(r.method)
      .Text(r.regime)
      .Text(r.statement_version)
      .Text(r.notice_hash)
      .Text(r.language)
      .Text(r.country)
      .Text(r.user_agent)
      .Text(r.request_id)
      .Text(r.actor)
      .Text(r.evidence)
      .Int(r.created_at);
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.LastInsertRowid();
}

Result<std::vector<ConsentEventRecord>> SqliteTx::ListConsentEvents(const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kConsentCols,
                                        " FROM consent_events WHERE subject_id = ? ORDER BY seq")));
  q.Text(subject_id);
  return CollectRows<ConsentEventRecord>(q, ReadConsentEvent);
}

// One-time codes.

Status SqliteTx::InsertVerificationCode(const VerificationCodeRecord& c) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO verification_codes (id, purpose, blind_index, subject_id, "
                    "code_hash, created_at, expires_at, attempts, used_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Text(c.id)
      .Text(c.purpose)
      .Blob(c.blind_index)
      .Text(c.subject_id)
      .Blob(c.code_hash)
      .Int(c.created_at)
      .Int(c.expires_at)
      .Int(c.attempts)
      .OptInt(c.used_at)
      .OnUnique("verification_code_exists");
  return q.Run();
}

Result<std::optional<VerificationCodeRecord>> SqliteTx::LatestVerificationCode(
    const std::string& purpose, const std::string& blind_index) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(
          "SELECT id, purpose, blind_index, subject_id, code_hash, created_at, "
          "expires_at, attempts, used_at FROM verification_codes WHERE purpose = ? AND "
          "blind_index = ? ORDER BY used_at IS NULL DESC, created_at DESC, id DESC LIMIT 1"));
  q.Text(purpose).Blob(blind_index);
  return FirstRow<VerificationCodeRecord>(q, [](const SqliteQuery& row) {
    VerificationCodeRecord r;
    r.id = row.ColumnBytes(0);
    r.purpose = row.ColumnBytes(1);
    r.blind_index = row.ColumnBytes(2);
    r.subject_id = row.ColumnBytes(3);
    r.code_hash = row.ColumnBytes(4);
    r.created_at = row.ColumnInt(5);
    r.expires_at = row.ColumnInt(6);
    r.attempts = static_cast<int>(row.ColumnInt(7));
    r.used_at = row.ColumnOptInt(8);
    return r;
  });
}

Result<int64_t> SqliteTx::CountVerificationCodesSince(const std::string& purpose,
                                                      const std::string& blind_index,
                                                      Micros since) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT COUNT(*) FROM verification_codes WHERE purpose = ? "
                                    "AND blind_index = ? AND created_at > ?"));
  q.Text(purpose).Blob(blind_index).Int(since);
  PD_ASSIGN_OR_RETURN(
      auto count, FirstRow<int64_t>(q, [](const SqliteQuery& row) { return row.ColumnInt(0); }));
  return count.value_or(0);
}

Status SqliteTx::CountVerificationAttempt(const std::string& id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("UPDATE verification_codes SET attempts = "
                                                   "attempts + 1 WHERE id = ?"));
  q.Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("verification_code_not_found", "the code");
  return Ok();
}

Status SqliteTx::MarkVerificationCodeUsed(const std::string& id, Micros at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE verification_codes SET used_at = ? WHERE id = ?"));
  q.Int(at).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("verification_code_not_found", "the code");
  return Ok();
}

Result<int64_t> SqliteTx::DeleteVerificationCodesOf(const std::string& purpose,
                                                    const std::string& blind_index,
                                                    Micros created_until, Micros now) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("DELETE FROM verification_codes WHERE purpose = ? AND "
                                    "blind_index = ? AND created_at <= ? AND expires_at < ?"));
  q.Text(purpose).Blob(blind_index).Int(created_until).Int(now);
  PD_RETURN_IF_ERROR(q.Run());
  return static_cast<int64_t>(conn_.Changes());
}

Result<int64_t> SqliteTx::DeleteExpiredVerificationCodes(Micros before, int limit) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("DELETE FROM verification_codes WHERE id IN (SELECT id FROM "
                                    "verification_codes WHERE expires_at < ? ORDER BY expires_at "
                                    "LIMIT ?)"));
  q.Int(before).Int(limit);
  PD_RETURN_IF_ERROR(q.Run());
  return static_cast<int64_t>(conn_.Changes());
}

// Suppressions.

Status SqliteTx::AddSuppression(const SuppressionRecord& record) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("INSERT INTO suppressions (kind, blind_index, reason, "
                                    "created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  q.Text(record.kind).Blob(record.blind_index).Text(record.reason).Int(record.created_at);
  return q.Run();
}

Result<std::optional<SuppressionRecord>> SqliteTx::FindSuppression(const std::string& kind,
                                                                   const std::string& blind_index) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT kind, blind_index, reason, created_at FROM "
                                    "suppressions WHERE kind = ? AND blind_index = ?"));
  q.Text(kind).Blob(blind_index);
  return FirstRow<SuppressionRecord>(q, ReadSuppression);
}

Result<std::optional<Micros>> SqliteTx::EarliestSuppressionOfSubject(
    const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT MIN(s.created_at) FROM identities i JOIN suppressions s "
                    "ON s.kind = i.kind AND s.blind_index = i.blind_index WHERE i.subject_id = ?"));
  q.Text(subject_id);
  PD_ASSIGN_OR_RETURN(auto row, FirstRow<std::optional<Micros>>(
                                    q, [](const SqliteQuery& r) { return r.ColumnOptInt(0); }));
  return row ? *row : std::optional<Micros>();
}

Result<std::vector<SuppressionRecord>> SqliteTx::ListSuppressions(
    const std::string& after_kind, const std::string& after_blind_index, int limit) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT kind, blind_index, reason, created_at FROM "
                                    "suppressions WHERE (kind, blind_index) > (?, ?) "
                                    "ORDER BY kind, blind_index LIMIT ?"));
  q.Text(after_kind).Blob(after_blind_index).Int(limit);
  return CollectRows<SuppressionRecord>(q, ReadSuppression);
}

Result<int64_t> SqliteTx::CountSuppressions() {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT COUNT(*) FROM suppressions"));
  PD_ASSIGN_OR_RETURN(
      auto count, FirstRow<int64_t>(q, [](const SqliteQuery& row) { return row.ColumnInt(0); }));
  return count.value_or(0);
}

// Imports.

Status SqliteTx::InsertImport(const ImportRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO imports (id, point, vendor, actor, started_at, finished_at, "
                    "outcome, error, rows, merged, added, skipped, refused, ignored_columns, "
                    "exceptions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Text(r.id)
      .Text(r.point)
      .Text(r.vendor)
      .Text(r.actor)
      .Int(r.started_at)
      .Int(r.finished_at)
      .Text(r.outcome)
      .Text(r.error)
      .Int(r.rows)
      .Int(r.merged)
      .Int(r.added)
      .Int(r.skipped)
      .Int(r.refused)
      .Text(r.ignored_columns)
      .Text(r.exceptions);
  return q.Run();
}

Result<std::vector<ImportRecord>> SqliteTx::ListImports(int64_t before_seq, int limit) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kImportCols,
                                                       " FROM imports WHERE seq < ? "
                                                       "ORDER BY seq DESC LIMIT ?")));
  q.Int(before_seq > 0 ? before_seq : INT64_MAX).Int(limit);
  return CollectRows<ImportRecord>(q, ReadImport);
}

Result<std::optional<ImportRecord>> SqliteTx::FindImport(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kImportCols, " FROM imports WHERE id = ?")));
  q.Text(id);
  return FirstRow<ImportRecord>(q, ReadImport);
}

// Identities.

Status SqliteTx::InsertIdentity(const IdentityRecord& identity) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("INSERT INTO identities (" + std::string(kIdentityCols) +
                                    ") VALUES (?, ?, ?, ?, ?)"));
  q.Text(identity.subject_id)
      .Text(identity.kind)
      .Blob(identity.blind_index)
      .Blob(identity.sealed_value)
      .Int(identity.created_at)
      .OnUnique("identity_exists");
  return q.Run();
}

Result<std::optional<std::string>> SqliteTx::FindSubjectByIdentity(const std::string& kind,
                                                                   const std::string& blind_index) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT subject_id FROM identities WHERE kind = ? AND blind_index = ?"));
  q.Text(kind).Blob(blind_index);
  return FirstRow<std::string>(q, [](const SqliteQuery& row) { return row.ColumnBytes(0); });
}

Result<std::optional<SubjectRecord>> SqliteTx::FindSubjectRecordByIdentity(
    const std::string& kind, const std::string& blind_index) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT s.id, s.created_at, s.erased_at, s.restricted_at, s.regime FROM "
                    "identities i JOIN subjects s ON s.id = i.subject_id WHERE i.kind = ? AND "
                    "i.blind_index = ?"));
  q.Text(kind).Blob(blind_index);
  return FirstRow<SubjectRecord>(q, ReadSubject);
}

Result<std::vector<IdentityRecord>> SqliteTx::ListIdentities(const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kIdentityCols,
                                                       " FROM identities WHERE subject_id = ? "
                                                       "ORDER BY created_at, kind, blind_index")));
  q.Text(subject_id);
  return CollectRows<IdentityRecord>(q, ReadIdentity);
}

Result<std::vector<IdentityRecord>> SqliteTx::ListIdentitiesOfKind(
    const std::string& kind, const std::string& after_subject_id, int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kIdentityCols,
                                        " FROM identities WHERE kind = ? AND subject_id > ? "
                                        "ORDER BY subject_id, created_at, blind_index LIMIT ?")));
  q.Text(kind).Text(after_subject_id).Int(limit);
  return CollectRows<IdentityRecord>(q, ReadIdentity);
}

Status SqliteTx::DeleteIdentity(const std::string& kind, const std::string& blind_index) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("DELETE FROM identities WHERE kind = ? AND blind_index = ?"));
  q.Text(kind).Blob(blind_index);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("identity_not_found", "the identity");
  return Ok();
}

// The consent change log and the scans that build in-memory indexes.

Result<std::vector<ConsentChangeRecord>> SqliteTx::ListConsentChanges(int64_t after_seq,
                                                                      int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT seq, subject_id, kind, blind_index FROM "
                                                   "consent_changes WHERE seq > ? ORDER BY seq "
                                                   "LIMIT ?"));
  q.Int(after_seq).Int(limit);
  return CollectRows<ConsentChangeRecord>(q, [](const SqliteQuery& r) {
    return ConsentChangeRecord{r.ColumnInt(0), r.ColumnBytes(1), r.ColumnBytes(2),
                               r.ColumnBytes(3)};
  });
}

Result<int64_t> SqliteTx::LastConsentChange() {
  // AUTOINCREMENT keeps the largest seq ever handed out in sqlite_sequence, pruned or not.
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'consent_changes'"));
  PD_ASSIGN_OR_RETURN(auto row,
                      FirstRow<int64_t>(q, [](const SqliteQuery& r) { return r.ColumnInt(0); }));
  return row.value_or(0);
}

Result<int64_t> SqliteTx::PruneConsentChanges(int64_t through_seq) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM consent_changes WHERE seq <= ?"));
  q.Int(through_seq);
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.Changes();
}

namespace {

// Passes every row of `q` through `read` to `fn`.
template <class T, class ReadFn>
Status ScanRows(SqliteQuery& q, ReadFn read, const std::function<Status(const T&)>& fn) {
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Ok();
    PD_RETURN_IF_ERROR(fn(read(q)));
  }
}

}  // namespace

Status SqliteTx::ScanSubjects(const std::function<Status(const SubjectRecord&)>& fn) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kSubjectCols, " FROM subjects ORDER BY id")));
  return ScanRows<SubjectRecord>(q, ReadSubject, fn);
}

Status SqliteTx::ScanIdentityIndexes(const std::function<Status(const IdentityRecord&)>& fn) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT subject_id, kind, blind_index, created_at FROM "
                                    "identities ORDER BY kind, blind_index"));
  return ScanRows<IdentityRecord>(
      q,
      [](const SqliteQuery& r) {
        return IdentityRecord{r.ColumnBytes(0), r.ColumnBytes(1), r.ColumnBytes(2), "",
                              r.ColumnInt(3)};
      },
      fn);
}

Status SqliteTx::ScanConsentEvents(const std::function<Status(const ConsentEventRecord&)>& fn) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(Sql("SELECT ", kConsentCols, " FROM consent_events ORDER BY subject_id, seq")));
  return ScanRows<ConsentEventRecord>(q, ReadConsentEvent, fn);
}

Status SqliteTx::ScanSuppressions(const std::function<Status(const SuppressionRecord&)>& fn) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT kind, blind_index, reason, created_at "
                                                   "FROM suppressions"));
  return ScanRows<SuppressionRecord>(q, ReadSuppression, fn);
}

// Attributes.

Result<int64_t> SqliteTx::InsertAttribute(const AttributeRecord& attribute) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO attributes (subject_id, name, sealed_value, provenance, "
                    "created_at) VALUES (?, ?, ?, ?, ?)"));
  q.Text(attribute.subject_id)
      .Text(attribute.name)
      .Blob(attribute.sealed_value)
      .Text(attribute.provenance)
      .Int(attribute.created_at)
      .OnUnique("attribute_exists");
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.LastInsertRowid();
}

Result<std::vector<AttributeRecord>> SqliteTx::ListAttributes(const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kAttributeCols,
                                        " FROM attributes WHERE subject_id = ? ORDER BY id")));
  q.Text(subject_id);
  return CollectRows<AttributeRecord>(q, ReadAttribute);
}

Status SqliteTx::DeleteSubjectData(const std::string& subject_id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  // Identity rows stay (their blind index still recognises the erased person, e.g. for
  // suppression); only their sealed values go.
  {
    PD_ASSIGN_OR_RETURN(
        SqliteQuery q,
        conn_.Prepare("UPDATE identities SET sealed_value = X'' WHERE subject_id = ?"));
    q.Text(subject_id);
    PD_RETURN_IF_ERROR(q.Run());
  }
  {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn_.Prepare("DELETE FROM attributes WHERE subject_id = ?"));
    q.Text(subject_id);
    PD_RETURN_IF_ERROR(q.Run());
  }
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM data_keys WHERE subject_id = ?"));
  q.Text(subject_id);
  return q.Run();
}

Status SqliteTx::DeleteAttribute(const std::string& subject_id, int64_t id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("DELETE FROM attributes WHERE id = ? AND subject_id = ?"));
  q.Int(id).Text(subject_id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("attribute_not_found", "the attribute");
  return Ok();
}

Status SqliteTx::UpdateAttribute(const AttributeRecord& attribute) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE attributes SET sealed_value = ?, provenance = ? "
                                    "WHERE id = ? AND subject_id = ?"));
  q.Blob(attribute.sealed_value)
      .Text(attribute.provenance)
      .Int(attribute.id)
      .Text(attribute.subject_id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("attribute_not_found", "the attribute");
  return Ok();
}

Status SqliteTx::ClearIdentityValue(const std::string& subject_id, const std::string& kind) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("UPDATE identities SET sealed_value = X'' WHERE subject_id = ? AND kind = ?"));
  q.Text(subject_id).Text(kind);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("identity_not_found", "the identity");
  return Ok();
}

Status SqliteTx::DeleteDataKey(const std::string& subject_id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM data_keys WHERE subject_id = ?"));
  q.Text(subject_id);
  return q.Run();
}

// Data keys.

Status SqliteTx::PutDataKey(const DataKeyRecord& key) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO data_keys (subject_id, master_key_id, wrapped) VALUES (?, ?, ?) "
                    "ON CONFLICT (subject_id) DO UPDATE SET "
                    "master_key_id = excluded.master_key_id, wrapped = excluded.wrapped"));
  q.Text(key.subject_id).Text(key.master_key_id).Blob(key.wrapped);
  return q.Run();
}

Result<std::optional<DataKeyRecord>> SqliteTx::GetDataKey(const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(
          "SELECT subject_id, master_key_id, wrapped FROM data_keys WHERE subject_id = ?"));
  q.Text(subject_id);
  return FirstRow<DataKeyRecord>(q, [](const SqliteQuery& row) {
    return DataKeyRecord{row.ColumnBytes(0), row.ColumnBytes(1), row.ColumnBytes(2)};
  });
}

Result<std::vector<DataKeyRecord>> SqliteTx::ListDataKeysNotWrappedBy(
    const std::string& master_key_id, int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT subject_id, master_key_id, wrapped FROM data_keys "
                                    "WHERE master_key_id <> ? ORDER BY subject_id LIMIT ?"));
  q.Text(master_key_id).Int(limit);
  return CollectRows<DataKeyRecord>(q, [](const SqliteQuery& row) {
    return DataKeyRecord{row.ColumnBytes(0), row.ColumnBytes(1), row.ColumnBytes(2)};
  });
}

// Meta.

Status SqliteTx::PutMeta(const std::string& name, const std::string& value) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("INSERT INTO meta (name, value) VALUES (?, ?) "
                                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
  q.Text(name).Blob(value);
  return q.Run();
}

Result<std::optional<std::string>> SqliteTx::GetMeta(const std::string& name) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT value FROM meta WHERE name = ?"));
  q.Text(name);
  return FirstRow<std::string>(q, [](const SqliteQuery& row) { return row.ColumnBytes(0); });
}

// Audit.

Result<std::optional<AuditRecord>> SqliteTx::LastAudit() {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kAuditCols,
                                                       " FROM audit ORDER BY seq DESC LIMIT 1")));
  return FirstRow<AuditRecord>(q, ReadAudit);
}

Status SqliteTx::AppendAudit(const AuditRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("INSERT INTO audit (" + std::string(kAuditCols) +
                                                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Int(r.seq)
      .Int(r.time)
      .Text(r.actor)
      .Text(r.role)
      .Text(r.action)
      .Text(r.object)
      .Text(r.purpose)
      .Text(r.request_id)
      .Text(r.detail)
      .Text(r.prev_hash)
      .Text(r.hash)
      .OnUnique("audit_seq_exists");
  return q.Run();
}

Result<std::vector<AuditRecord>> SqliteTx::ListAudit(const AuditQuery& query) {
  PD_RETURN_IF_ERROR(CheckLimit(query.limit));
  // The statement's shape depends on which filters are set (so SQLite can pick the matching
  // index); its text is built only from constant fragments and every value is bound. At most
  // 32 shapes exist, each cached once per connection.
  std::string sql = Sql("SELECT ", kAuditCols, " FROM audit WHERE seq > ?");
  if (!query.actor.empty()) sql += " AND actor = ?";
  if (!query.object.empty()) sql += " AND object = ?";
  if (!query.action.empty()) sql += " AND action = ?";
  if (query.since.has_value()) sql += " AND time >= ?";
  if (query.until.has_value()) sql += " AND time < ?";
  sql += " ORDER BY seq LIMIT ?";
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(sql));
  q.Int(query.after_seq);
  if (!query.actor.empty()) q.Text(query.actor);
  if (!query.object.empty()) q.Text(query.object);
  if (!query.action.empty()) q.Text(query.action);
  if (query.since.has_value()) q.Int(*query.since);
  if (query.until.has_value()) q.Int(*query.until);
  q.Int(query.limit);
  return CollectRows<AuditRecord>(q, ReadAudit);
}

// Users.

Status SqliteTx::InsertUser(const UserRecord& user) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("INSERT INTO users (", kUserCols,
                                                       ") VALUES (?, ?, ?, ?, ?, ?)")));
  q.Text(user.id)
      .Text(user.name)
      .Text(user.role)
      .Text(user.password_hash)
      .Int(user.disabled ? 1 : 0)
      .Int(user.created_at)
      .OnUnique("user_exists");
  return q.Run();
}

Result<std::optional<UserRecord>> SqliteTx::GetUserByName(const std::string& name) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users WHERE name = ?")));
  q.Text(name);
  return FirstRow<UserRecord>(q, ReadUser);
}

Result<std::optional<UserRecord>> SqliteTx::GetUserById(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users WHERE id = ?")));
  q.Text(id);
  return FirstRow<UserRecord>(q, ReadUser);
}

Result<std::vector<UserRecord>> SqliteTx::ListUsers() {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kUserCols, " FROM users ORDER BY name")));
  return CollectRows<UserRecord>(q, ReadUser);
}

Status SqliteTx::SetUserDisabled(const std::string& user_id, bool disabled) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("UPDATE users SET disabled = ? WHERE id = ?"));
  q.Int(disabled ? 1 : 0).Text(user_id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("user_not_found", "the user");
  return Ok();
}

Status SqliteTx::SetUserPassword(const std::string& user_id, const std::string& hash) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE users SET password_hash = ? WHERE id = ?"));
  q.Text(hash).Text(user_id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("user_not_found", "the user");
  return Ok();
}

// Tokens.

Status SqliteTx::InsertToken(const TokenRecord& t) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("INSERT INTO tokens (", kTokenCols,
                                                       ") VALUES (?, ?, ?, ?, ?, ?, ?)")));
  q.Text(t.id)
      .Text(t.user_id)
      .Text(t.secret_hash)
      .Text(t.label)
      .Int(t.created_at)
      .OptInt(t.expires_at)
      .OptInt(t.revoked_at)
      .OnUnique("token_exists");
  return q.Run();
}

Result<std::optional<TokenRecord>> SqliteTx::GetToken(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kTokenCols, " FROM tokens WHERE id = ?")));
  q.Text(id);
  return FirstRow<TokenRecord>(q, ReadToken);
}

Result<std::vector<TokenRecord>> SqliteTx::ListTokens(const std::string& user_id) {
  if (user_id.empty()) {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn_.Prepare(Sql("SELECT ", kTokenCols, " FROM tokens ORDER BY id")));
    return CollectRows<TokenRecord>(q, ReadToken);
  }
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(Sql("SELECT ", kTokenCols, " FROM tokens WHERE user_id = ? ORDER BY id")));
  q.Text(user_id);
  return CollectRows<TokenRecord>(q, ReadToken);
}

Status SqliteTx::RevokeToken(const std::string& id, Micros at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE tokens SET revoked_at = ? WHERE id = ?"));
  q.Int(at).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("token_not_found", "the token");
  return Ok();
}

// Staff console sessions.

Status SqliteTx::InsertStaffSession(const StaffSessionRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("INSERT INTO staff_sessions (", kStaffSessionCols,
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")));
  q.Text(r.id)
      .Text(r.user_id)
      .Text(r.secret_hash)
      .Text(r.method)
      .Int(r.created_at)
      .Int(r.last_used_at)
      .Int(r.expires_at)
      .OptInt(r.ended_at)
      .Text(r.ended_reason)
      .OnUnique("session_exists");
  return q.Run();
}

Result<std::optional<StaffSessionRecord>> SqliteTx::GetStaffSession(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kStaffSessionCols,
                                                       " FROM staff_sessions WHERE id = ?")));
  q.Text(id);
  return FirstRow<StaffSessionRecord>(q, ReadStaffSession);
}

Result<std::vector<StaffSessionRecord>> SqliteTx::ListStaffSessions(const std::string& user_id) {
  if (user_id.empty()) {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn_.Prepare(Sql("SELECT ", kStaffSessionCols,
                                          " FROM staff_sessions ORDER BY created_at, id")));
    return CollectRows<StaffSessionRecord>(q, ReadStaffSession);
  }
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(Sql("SELECT ", kStaffSessionCols,
                        " FROM staff_sessions WHERE user_id = ? ORDER BY created_at, id")));
  q.Text(user_id);
  return CollectRows<StaffSessionRecord>(q, ReadStaffSession);
}

Status SqliteTx::TouchStaffSession(const std::string& id, Micros at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE staff_sessions SET last_used_at = ? WHERE id = ?"));
  q.Int(at).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("session_not_found", "the session");
  return Ok();
}

Status SqliteTx::EndStaffSession(const std::string& id, Micros at, const std::string& reason) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("UPDATE staff_sessions SET ended_at = ?, "
                                                   "ended_reason = ? WHERE id = ? AND ended_at "
                                                   "IS NULL"));
  q.Int(at).Text(reason).Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("session_not_found", "the session");
  return Ok();
}

Status SqliteTx::DeleteStaffSession(const std::string& id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM staff_sessions WHERE id = ?"));
  q.Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("session_not_found", "the session");
  return Ok();
}

// Jobs.

Result<int64_t> SqliteTx::EnqueueJob(const JobRecord& job) {
  PD_RETURN_IF_ERROR(CheckWritable());
  if (!job.dedupe_key.empty()) {
    // Inside the write transaction nothing can insert the same key between this read and the
    // insert below.
    PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT id FROM jobs WHERE dedupe_key = ?"));
    q.Text(job.dedupe_key);
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) return q.ColumnInt(0);
  }
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, "
                    "run_at, created_at, updated_at, claimed_by, heartbeat_at, last_error) "
                    "VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, '', 0, '')"));
  q.Text(job.kind).Text(job.payload);
  if (job.dedupe_key.empty()) {
    q.Null();
  } else {
    q.Text(job.dedupe_key);
  }
  q.Int(job.max_attempts)
      .Int(job.run_at)
      .Int(job.created_at)
      .Int(job.updated_at != 0 ? job.updated_at : job.created_at)
      .OnUnique("job_exists");
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.LastInsertRowid();
}

Result<std::optional<JobRecord>> SqliteTx::GetJob(int64_t id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kJobCols, " FROM jobs WHERE id = ?")));
  q.Int(id);
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<JobRecord>();
  PD_ASSIGN_OR_RETURN(JobRecord job, ReadJob(q));
  return std::optional<JobRecord>(std::move(job));
}

Result<std::optional<JobRecord>> SqliteTx::ClaimJob(const std::vector<std::string>& kinds,
                                                    const std::string& worker, Micros now,
                                                    Micros lease) {
  PD_RETURN_IF_ERROR(CheckWritable());
  // Due: queued and run_at reached, or running with a lease that ran out (its worker died).
  // With a list of kinds, the earliest due job of each kind is looked up by index and the
  // earliest of those wins; the lists are short.
  const Micros expired_before = now - lease;
  std::optional<std::pair<Micros, int64_t>> best;  // (run_at, id)
  auto consider = [&](SqliteQuery& q) -> Status {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Ok();
    std::pair<Micros, int64_t> candidate{q.ColumnInt(1), q.ColumnInt(0)};
    if (!best.has_value() || candidate < *best) best = candidate;
    return Ok();
  };
  if (kinds.empty()) {
    PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT id, run_at FROM jobs WHERE "
                                                     "(state = 'queued' AND run_at <= ?) OR "
                                                     "(state = 'running' AND heartbeat_at < ?) "
                                                     "ORDER BY run_at, id LIMIT 1"));
    q.Int(now).Int(expired_before);
    PD_RETURN_IF_ERROR(consider(q));
  } else {
    for (const std::string& kind : kinds) {
      PD_ASSIGN_OR_RETURN(SqliteQuery q,
                          conn_.Prepare("SELECT id, run_at FROM jobs WHERE kind = ? AND ("
                                        "(state = 'queued' AND run_at <= ?) OR "
                                        "(state = 'running' AND heartbeat_at < ?)) "
                                        "ORDER BY run_at, id LIMIT 1"));
      q.Text(kind).Int(now).Int(expired_before);
      PD_RETURN_IF_ERROR(consider(q));
    }
  }
  if (!best.has_value()) return std::optional<JobRecord>();
  {
    PD_ASSIGN_OR_RETURN(
        SqliteQuery q,
        conn_.Prepare("UPDATE jobs SET state = 'running', claimed_by = ?, heartbeat_at = ?, "
                      "attempts = attempts + 1, updated_at = ? WHERE id = ?"));
    q.Text(worker).Int(now).Int(now).Int(best->second);
    PD_RETURN_IF_ERROR(q.Run());
  }
  return GetJob(best->second);
}

Status SqliteTx::HeartbeatJob(int64_t id, const std::string& worker, Micros now) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE jobs SET heartbeat_at = ?, updated_at = ? "
                                    "WHERE id = ? AND state = 'running' AND claimed_by = ?"));
  q.Int(now).Int(now).Int(id).Text(worker);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return JobNotClaimed();
  return Ok();
}

Status SqliteTx::CompleteJob(int64_t id, const std::string& worker, Micros now) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE jobs SET state = 'done', updated_at = ? "
                                    "WHERE id = ? AND state = 'running' AND claimed_by = ?"));
  q.Int(now).Int(id).Text(worker);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return JobNotClaimed();
  return Ok();
}

Status SqliteTx::FailJob(int64_t id, const std::string& worker, Micros now,
                         const std::string& error, std::optional<Micros> retry_at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  if (retry_at.has_value()) {
    PD_ASSIGN_OR_RETURN(
        SqliteQuery q,
        conn_.Prepare("UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, "
                      "claimed_by = '', updated_at = ? "
                      "WHERE id = ? AND state = 'running' AND claimed_by = ?"));
    q.Int(*retry_at).Text(error).Int(now).Int(id).Text(worker);
    PD_RETURN_IF_ERROR(q.Run());
  } else {
    PD_ASSIGN_OR_RETURN(
        SqliteQuery q,
        conn_.Prepare("UPDATE jobs SET state = 'dead', last_error = ?, updated_at = ? "
                      "WHERE id = ? AND state = 'running' AND claimed_by = ?"));
    q.Text(error).Int(now).Int(id).Text(worker);
    PD_RETURN_IF_ERROR(q.Run());
  }
  if (conn_.Changes() == 0) return JobNotClaimed();
  return Ok();
}

Result<std::vector<JobRecord>> SqliteTx::ListJobsOfKinds(const std::vector<std::string>& kinds,
                                                         std::optional<JobState> state,
                                                         int64_t after_id, int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  if (kinds.empty() || kinds.size() > 16) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job_kinds", "give 1 to 16 job kinds");
  }
  // One placeholder per kind: the statement text depends only on how many there are.
  std::string placeholders;
  for (size_t i = 0; i < kinds.size(); ++i) placeholders += i == 0 ? "?" : ", ?";
  std::string sql = Sql("SELECT ", kJobCols, " FROM jobs WHERE kind IN (") + placeholders +
                    ") AND id > ?" + (state ? " AND state = ?" : "") + " ORDER BY id LIMIT ?";
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(sql));
  for (const auto& kind : kinds) q.Text(kind);
  q.Int(after_id);
  if (state) q.Text(JobStateName(*state));
  q.Int(limit);
  std::vector<JobRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    PD_ASSIGN_OR_RETURN(JobRecord job, ReadJob(q));
    out.push_back(std::move(job));
  }
}

Result<std::vector<JobRecord>> SqliteTx::ListJobsWithKeyPrefix(const std::string& prefix,
                                                               int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  if (prefix.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_job_key", "give a dedupe key prefix");
  }
  // A range over the dedupe key index: every key >= prefix and < prefix with its last byte
  // raised (the keys are text; a last byte of 0xff has nothing above it within the prefix).
  std::string above = prefix;
  while (!above.empty() && static_cast<unsigned char>(above.back()) == 0xff) above.pop_back();
  if (!above.empty()) above.back() = static_cast<char>(above.back() + 1);
  std::string sql = Sql("SELECT ", kJobCols, " FROM jobs WHERE dedupe_key >= ?") +
                    (above.empty() ? "" : " AND dedupe_key < ?") + " ORDER BY id LIMIT ?";
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(sql));
  q.Text(prefix);
  if (!above.empty()) q.Text(above);
  q.Int(limit);
  std::vector<JobRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    PD_ASSIGN_OR_RETURN(JobRecord job, ReadJob(q));
    out.push_back(std::move(job));
  }
}

Result<std::vector<JobRecord>> SqliteTx::ListJobs(std::optional<JobState> state, int limit) {
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  std::vector<JobRecord> out;
  auto collect = [&out](SqliteQuery& q) -> Status {
    for (;;) {
      PD_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) return Ok();
      PD_ASSIGN_OR_RETURN(JobRecord job, ReadJob(q));
      out.push_back(std::move(job));
    }
  };
  if (state.has_value()) {
    PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kJobCols,
                                                         " FROM jobs WHERE state = ? "
                                                         "ORDER BY id LIMIT ?")));
    q.Text(JobStateName(*state)).Int(limit);
    PD_RETURN_IF_ERROR(collect(q));
  } else {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn_.Prepare(Sql("SELECT ", kJobCols, " FROM jobs ORDER BY id LIMIT ?")));
    q.Int(limit);
    PD_RETURN_IF_ERROR(collect(q));
  }
  return out;
}

Result<int64_t> SqliteTx::CountJobs(JobState state) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("SELECT count(*) FROM jobs WHERE state = ?"));
  q.Text(JobStateName(state));
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return int64_t{0};
  return q.ColumnInt(0);
}

// Idempotency keys.

Result<std::optional<IdempotencyRecord>> SqliteTx::InsertIdempotencyKey(
    const IdempotencyRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  {
    PD_ASSIGN_OR_RETURN(SqliteQuery q,
                        conn_.Prepare(Sql("INSERT INTO idempotency_keys (", kIdempotencyCols,
                                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                          "ON CONFLICT (principal, idem_key) DO NOTHING")));
    q.Text(r.principal)
        .Text(r.key)
        .Text(r.fingerprint)
        .Text(IdempotencyStateName(r.state))
        .Int(r.status)
        .Text(r.content_type)
        .Text(r.headers)
        .Blob(r.body)
        .Int(r.created_at)
        .Int(r.expires_at);
    PD_RETURN_IF_ERROR(q.Run());
  }
  if (conn_.Changes() == 1) return std::optional<IdempotencyRecord>();
  // Inside the write transaction the conflicting row cannot go away before this read.
  return GetIdempotencyKey(r.principal, r.key);
}

Result<std::optional<IdempotencyRecord>> SqliteTx::GetIdempotencyKey(const std::string& principal,
                                                                     const std::string& key) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("SELECT ", kIdempotencyCols,
                                        " FROM idempotency_keys WHERE principal = ? AND "
                                        "idem_key = ?")));
  q.Text(principal).Text(key);
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<IdempotencyRecord>();
  PD_ASSIGN_OR_RETURN(IdempotencyRecord record, ReadIdempotency(q));
  return std::optional<IdempotencyRecord>(std::move(record));
}

Status SqliteTx::CompleteIdempotencyKey(const IdempotencyRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("UPDATE idempotency_keys SET state = 'completed', status = ?, "
                    "content_type = ?, headers = ?, body = ? WHERE principal = ? AND "
                    "idem_key = ? AND created_at = ? AND state = 'in_progress'"));
  q.Int(r.status)
      .Text(r.content_type)
      .Text(r.headers)
      .Blob(r.body)
      .Text(r.principal)
      .Text(r.key)
      .Int(r.created_at);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) {
    return Error(ErrorKind::kFailedPrecondition, "idempotency_key_not_in_progress",
                 "the idempotency key is not in progress for this request; it expired or was "
                 "taken over");
  }
  return Ok();
}

Status SqliteTx::DeleteIdempotencyKey(const std::string& principal, const std::string& key,
                                      Micros created_at) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM idempotency_keys WHERE "
                                                   "principal = ? AND idem_key = ? AND "
                                                   "created_at = ?"));
  q.Text(principal).Text(key).Int(created_at);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return NotFound("idempotency_key_not_found", "the idempotency key");
  return Ok();
}

Result<int64_t> SqliteTx::DeleteExpiredIdempotencyKeys(Micros now, int limit) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_RETURN_IF_ERROR(CheckLimit(limit));
  // SQLite's DELETE has no LIMIT unless compiled with it; pick the victims by the expiry index.
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("DELETE FROM idempotency_keys WHERE (principal, idem_key) IN ("
                    "SELECT principal, idem_key FROM idempotency_keys WHERE expires_at <= ? "
                    "ORDER BY expires_at LIMIT ?)"));
  q.Int(now).Int(limit);
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.Changes();
}

Status SqliteTx::InsertPolicyVersion(const PolicyVersionRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(Sql("INSERT INTO policy_versions (", kPolicyVersionCols,
                                        ") VALUES (?, ?, ?, ?, ?, ?)")));
  q.Text(r.version)
      .Int(r.effective_date)
      .Int(r.applied_at)
      .Text(r.source)
      .Int(r.material ? 1 : 0)
      .Text(r.changes)
      .OnUnique("policy_version_exists");
  return q.Run();
}

Result<std::optional<PolicyVersionRecord>> SqliteTx::GetPolicyVersion(const std::string& version) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(Sql("SELECT ", kPolicyVersionCols,
                                                       " FROM policy_versions WHERE version = ?")));
  q.Text(version);
  return FirstRow<PolicyVersionRecord>(q, ReadPolicyVersion);
}

Result<std::vector<PolicyVersionRecord>> SqliteTx::ListPolicyVersions() {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare(Sql("SELECT ", kPolicyVersionCols,
                        " FROM policy_versions ORDER BY applied_at DESC, rowid DESC")));
  std::vector<PolicyVersionRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReadPolicyVersion(q));
  }
  return out;
}

}  // namespace privacyd
