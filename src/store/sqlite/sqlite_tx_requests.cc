// The data subject request operations of SqliteTx (store.h RequestRecord), kept apart from
// sqlite_tx.cc so that the request tables read as one unit.
#include <algorithm>
#include <tuple>

#include "store/sqlite/sqlite_tx.h"

namespace privacyd {
namespace {

constexpr char kRequestCols[] =
    "id, rights, state, channel, regime, language, identity_kind, blind_index, subject_id, "
    "route, outcome, agent, master_key_id, wrapped_key, sealed_contact, sealed_document, "
    "sealed_reason, token_hash, received_at, original_due_at, due_at, max_due_at, extended_at, "
    "verified_at, confirmed_at, started_at, closed_at, sealed_transfer, created_at, updated_at";

constexpr char kOpenStates[] =
    "('received', 'awaiting_verification', 'verified', 'in_progress', 'awaiting_approval')";

RequestRecord ReadRequest(const SqliteQuery& q) {
  RequestRecord r;
  r.id = q.ColumnBytes(0);
  r.rights = SplitList(q.ColumnBytes(1));
  r.state = q.ColumnBytes(2);
  r.channel = q.ColumnBytes(3);
  r.regime = q.ColumnBytes(4);
  r.language = q.ColumnBytes(5);
  r.identity_kind = q.ColumnBytes(6);
  r.blind_index = q.ColumnBytes(7);
  r.subject_id = q.ColumnBytes(8);
  r.route = q.ColumnBytes(9);
  r.outcome = q.ColumnBytes(10);
  r.agent = q.ColumnInt(11) != 0;
  r.master_key_id = q.ColumnBytes(12);
  r.wrapped_key = q.ColumnBytes(13);
  r.sealed_contact = q.ColumnBytes(14);
  r.sealed_document = q.ColumnBytes(15);
  r.sealed_reason = q.ColumnBytes(16);
  r.token_hash = q.ColumnBytes(17);
  r.received_at = q.ColumnInt(18);
  r.original_due_at = q.ColumnInt(19);
  r.due_at = q.ColumnInt(20);
  r.max_due_at = q.ColumnInt(21);
  r.extended_at = q.ColumnOptInt(22);
  r.verified_at = q.ColumnOptInt(23);
  r.confirmed_at = q.ColumnOptInt(24);
  r.started_at = q.ColumnOptInt(25);
  r.closed_at = q.ColumnOptInt(26);
  r.sealed_transfer = q.ColumnBytes(27);
  r.created_at = q.ColumnInt(28);
  r.updated_at = q.ColumnInt(29);
  return r;
}

// Binds every column but id and created_at, in kRequestCols order.
void BindMutable(SqliteQuery& q, const RequestRecord& r) {
  q.Text(JoinList(r.rights))
      .Text(r.state)
      .Text(r.channel)
      .Text(r.regime)
      .Text(r.language)
      .Text(r.identity_kind)
      .Blob(r.blind_index)
      .Text(r.subject_id)
      .Text(r.route)
      .Text(r.outcome)
      .Int(r.agent ? 1 : 0)
      .Text(r.master_key_id)
      .Blob(r.wrapped_key)
      .Blob(r.sealed_contact)
      .Blob(r.sealed_document)
      .Blob(r.sealed_reason)
      .Blob(r.token_hash)
      .Int(r.received_at)
      .Int(r.original_due_at)
      .Int(r.due_at)
      .Int(r.max_due_at)
      .OptInt(r.extended_at)
      .OptInt(r.verified_at)
      .OptInt(r.confirmed_at)
      .OptInt(r.started_at)
      .OptInt(r.closed_at)
      .Blob(r.sealed_transfer);
}

Result<std::vector<RequestRecord>> CollectRequests(SqliteQuery& q) {
  std::vector<RequestRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(ReadRequest(q));
  }
}

Error RequestNotFound() {
  return Error(ErrorKind::kNotFound, "request_not_found", "the request does not exist");
}

}  // namespace

Status SqliteTx::InsertRequest(const RequestRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(std::string("INSERT INTO requests (") + kRequestCols +
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Text(r.id);
  BindMutable(q, r);
  q.Int(r.created_at).Int(r.updated_at).OnUnique("request_exists");
  return q.Run();
}

Result<std::optional<RequestRecord>> SqliteTx::GetRequest(const std::string& id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(std::string("SELECT ") + kRequestCols +
                                                   " FROM requests WHERE id = ?"));
  q.Text(id);
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<RequestRecord>();
  return std::optional<RequestRecord>(ReadRequest(q));
}

Status SqliteTx::UpdateRequest(const RequestRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("UPDATE requests SET rights = ?, state = ?, channel = ?, regime = ?, "
                    "language = ?, identity_kind = ?, blind_index = ?, subject_id = ?, route = ?, "
                    "outcome = ?, agent = ?, master_key_id = ?, wrapped_key = ?, "
                    "sealed_contact = ?, sealed_document = ?, sealed_reason = ?, token_hash = ?, "
                    "received_at = ?, original_due_at = ?, due_at = ?, max_due_at = ?, "
                    "extended_at = ?, verified_at = ?, confirmed_at = ?, started_at = ?, "
                    "closed_at = ?, sealed_transfer = ?, updated_at = ? WHERE id = ?"));
  BindMutable(q, r);
  q.Int(r.updated_at).Text(r.id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return RequestNotFound();
  return Ok();
}

Result<std::vector<RequestRecord>> SqliteTx::ListOpenRequestsOf(const std::string& identity_kind,
                                                                const std::string& blind_index) {
  if (identity_kind != "email") {
    // The other identities are in request_identities: the few requests naming this one first,
    // each read by its key (a filter on the open states would walk every open request).
    PD_ASSIGN_OR_RETURN(SqliteQuery ids,
                        conn_.Prepare("SELECT request_id FROM request_identities WHERE kind = ? "
                                      "AND blind_index = ?"));
    ids.Text(identity_kind).Blob(blind_index);
    std::vector<RequestRecord> out;
    for (;;) {
      PD_ASSIGN_OR_RETURN(bool row, ids.Step());
      if (!row) break;
      PD_ASSIGN_OR_RETURN(auto request, GetRequest(ids.ColumnBytes(0)));
      if (request && IsOpenRequestState(request->state)) out.push_back(std::move(*request));
    }
    std::sort(out.begin(), out.end(), [](const RequestRecord& a, const RequestRecord& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    return out;
  }
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(std::string("SELECT ") + kRequestCols +
                                    " FROM requests WHERE identity_kind = ? AND blind_index = ? "
                                    "AND state IN " +
                                    kOpenStates + " ORDER BY created_at, id"));
  q.Text(identity_kind).Blob(blind_index);
  return CollectRequests(q);
}

Result<std::vector<RequestRecord>> SqliteTx::ListRequests(const RequestQuery& query) {
  if (query.limit < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_limit", "limit must be at least 1");
  }
  // Two steps: the ids of the page first, from an index that holds every column a filter
  // reads (requests_by_due, requests_by_state_due: due_at, id, state, rights), then their rows.
  // SQLite reads a table row before it evaluates a condition on it unless the index covers the
  // query, so filtering in one step read every row it passed over: a rare right over 100,000
  // requests took hundreds of milliseconds (bench/queue_bench.cc, docs/PERFORMANCE.md).
  // One person's requests are few: found by their identity, then sorted, whatever the other
  // filters (the planner would otherwise walk the due-date index of every request).
  // Identities other than the email are in request_identities, whose index finds the few
  // requests first (CROSS JOIN keeps SQLite from walking a requests index instead).
  std::string sql = query.blind_index.empty() ? "SELECT id FROM requests WHERE 1 = 1"
                    : query.identity_kind == "email"
                        ? "SELECT id FROM requests INDEXED BY requests_by_identity WHERE 1 = 1"
                        : "SELECT requests.id FROM request_identities CROSS JOIN requests ON "
                          "requests.id = request_identities.request_id WHERE "
                          "request_identities.kind = ? AND request_identities.blind_index = ?";
  if (!query.state.empty()) sql += " AND state = ?";
  if (!query.right.empty()) sql += " AND (',' || rights || ',') LIKE ? ESCAPE '\\'";
  if (query.due_before) sql += " AND due_at < ?";
  if (query.overdue_at) sql += std::string(" AND due_at < ? AND state IN ") + kOpenStates;
  if (!query.blind_index.empty() && query.identity_kind == "email") {
    sql += " AND identity_kind = ? AND blind_index = ?";
  }
  if (query.after_due) sql += " AND (due_at, id) > (?, ?)";
  sql += " ORDER BY due_at, id LIMIT ?";
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare(sql));
  const bool other_identity = !query.blind_index.empty() && query.identity_kind != "email";
  if (other_identity) q.Text(query.identity_kind).Blob(query.blind_index);
  if (!query.state.empty()) q.Text(query.state);
  // Rights are identifiers ([a-z_]); '_' matches any one character in LIKE, which can only
  // match another right of the same length with a different character there: none exists,
  // but escape it anyway so that the filter is exact.
  if (!query.right.empty()) {
    std::string pattern = "%,";
    for (char c : query.right) {
      if (c == '_' || c == '%' || c == '\\') pattern += '\\';
      pattern += c;
    }
    pattern += ",%";
    q.Text(pattern);
  }
  if (query.due_before) q.Int(*query.due_before);
  if (query.overdue_at) q.Int(*query.overdue_at);
  if (!query.blind_index.empty() && !other_identity) {
    q.Text(query.identity_kind).Blob(query.blind_index);
  }
  if (query.after_due) q.Int(*query.after_due).Text(query.after_id);
  q.Int(query.limit);
  std::vector<std::string> ids;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ids.push_back(q.ColumnBytes(0));
  }
  if (ids.empty()) return std::vector<RequestRecord>{};
  std::string rows_sql = std::string("SELECT ") + kRequestCols + " FROM requests WHERE id IN (?";
  for (size_t i = 1; i < ids.size(); ++i) rows_sql += ", ?";
  rows_sql += ") ORDER BY due_at, id";
  PD_ASSIGN_OR_RETURN(SqliteQuery rows, conn_.Prepare(rows_sql));
  for (const auto& id : ids) rows.Text(id);
  return CollectRequests(rows);
}

Result<std::vector<RequestRecord>> SqliteTx::ListClosedRequests(Micros closed_until, int limit) {
  if (limit < 1) {
    return Error(ErrorKind::kInvalidArgument, "invalid_limit", "limit must be at least 1");
  }
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(std::string("SELECT ") + kRequestCols +
                                    " FROM requests INDEXED BY requests_by_closed WHERE closed_at "
                                    "IS NOT NULL AND closed_at <= ? ORDER BY closed_at, id "
                                    "LIMIT ?"));
  q.Int(closed_until).Int(limit);
  return CollectRequests(q);
}

Result<std::vector<std::pair<std::string, int64_t>>> SqliteTx::CountRequestsByState() {
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("SELECT state, COUNT(*) FROM requests GROUP BY state ORDER BY state"));
  std::vector<std::pair<std::string, int64_t>> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.emplace_back(q.ColumnBytes(0), q.ColumnInt(1));
  }
}

Result<int64_t> SqliteTx::CountOverdueRequests(Micros now) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(std::string("SELECT COUNT(*) FROM requests WHERE due_at < ? "
                                                "AND state IN ") +
                                    kOpenStates));
  q.Int(now);
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Status SqliteTx::DeleteRequest(const std::string& id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q, conn_.Prepare("DELETE FROM requests WHERE id = ?"));
  q.Text(id);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) return RequestNotFound();
  // The request is gone, so the trigger lets its events go too.
  PD_ASSIGN_OR_RETURN(SqliteQuery events,
                      conn_.Prepare("DELETE FROM request_events WHERE request_id = ?"));
  events.Text(id);
  PD_RETURN_IF_ERROR(events.Run());
  PD_ASSIGN_OR_RETURN(SqliteQuery identities,
                      conn_.Prepare("DELETE FROM request_identities WHERE request_id = ?"));
  identities.Text(id);
  PD_RETURN_IF_ERROR(identities.Run());
  return StatusOf(DeleteRequestPackage(id));
}

Status SqliteTx::PutRequestIdentity(const RequestIdentityRecord& r) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(auto request, GetRequest(r.request_id));
  if (!request) return RequestNotFound();
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("INSERT INTO request_identities (request_id, kind, "
                                    "blind_index, sealed_value, attested_at, attested_by) "
                                    "VALUES (?, ?, ?, ?, ?, ?)"));
  q.Text(r.request_id)
      .Text(r.kind)
      .Blob(r.blind_index)
      .Blob(r.sealed_value)
      .OptInt(r.attested_at)
      .Text(r.attested_by)
      .OnUnique("request_identity_exists");
  return q.Run();
}

Result<std::vector<RequestIdentityRecord>> SqliteTx::ListRequestIdentities(
    const std::string& request_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT request_id, kind, blind_index, sealed_value, "
                                    "attested_at, attested_by FROM request_identities WHERE "
                                    "request_id = ? ORDER BY kind"));
  q.Text(request_id);
  std::vector<RequestIdentityRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    RequestIdentityRecord r;
    r.request_id = q.ColumnBytes(0);
    r.kind = q.ColumnBytes(1);
    r.blind_index = q.ColumnBytes(2);
    r.sealed_value = q.ColumnBytes(3);
    r.attested_at = q.ColumnOptInt(4);
    r.attested_by = q.ColumnBytes(5);
    out.push_back(std::move(r));
  }
}

Status SqliteTx::AttestRequestIdentity(const std::string& request_id, const std::string& kind,
                                       Micros at, const std::string& by) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("UPDATE request_identities SET attested_at = ?, "
                                    "attested_by = ? WHERE request_id = ? AND kind = ?"));
  q.Int(at).Text(by).Text(request_id).Text(kind);
  PD_RETURN_IF_ERROR(q.Run());
  if (conn_.Changes() == 0) {
    return Error(ErrorKind::kNotFound, "request_identity_not_found",
                 "the request names no identity of this kind");
  }
  return Ok();
}

Result<int64_t> SqliteTx::AppendRequestEvent(const RequestEventRecord& e) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(auto request, GetRequest(e.request_id));
  if (!request) return RequestNotFound();
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO request_events (request_id, at, actor, from_state, to_state, "
                    "action, sealed_reason) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  q.Text(e.request_id)
      .Int(e.at)
      .Text(e.actor)
      .Text(e.from_state)
      .Text(e.to_state)
      .Text(e.action)
      .Blob(e.sealed_reason);
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.LastInsertRowid();
}

Result<std::vector<RequestEventRecord>> SqliteTx::ListRequestEvents(const std::string& request_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT seq, request_id, at, actor, from_state, to_state, "
                                    "action, sealed_reason FROM request_events WHERE "
                                    "request_id = ? ORDER BY seq"));
  q.Text(request_id);
  std::vector<RequestEventRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    RequestEventRecord e;
    e.seq = q.ColumnInt(0);
    e.request_id = q.ColumnBytes(1);
    e.at = q.ColumnInt(2);
    e.actor = q.ColumnBytes(3);
    e.from_state = q.ColumnBytes(4);
    e.to_state = q.ColumnBytes(5);
    e.action = q.ColumnBytes(6);
    e.sealed_reason = q.ColumnBytes(7);
    out.push_back(std::move(e));
  }
}

Status SqliteTx::PutRequestPackage(const RequestPackageRecord& p) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(auto request, GetRequest(p.request_id));
  if (!request) return RequestNotFound();
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("INSERT OR REPLACE INTO request_packages (request_id, sealed, "
                                    "created_at, expires_at) VALUES (?, ?, ?, ?)"));
  q.Text(p.request_id).Blob(p.sealed).Int(p.created_at).Int(p.expires_at);
  return q.Run();
}

Result<std::optional<RequestPackageRecord>> SqliteTx::GetRequestPackage(
    const std::string& request_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("SELECT request_id, sealed, created_at, expires_at FROM "
                                    "request_packages WHERE request_id = ?"));
  q.Text(request_id);
  PD_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<RequestPackageRecord>();
  RequestPackageRecord p;
  p.request_id = q.ColumnBytes(0);
  p.sealed = q.ColumnBytes(1);
  p.created_at = q.ColumnInt(2);
  p.expires_at = q.ColumnInt(3);
  return std::optional<RequestPackageRecord>(std::move(p));
}

Result<bool> SqliteTx::DeleteRequestPackage(const std::string& request_id) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare("DELETE FROM request_packages WHERE request_id = ?"));
  q.Text(request_id);
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.Changes() > 0;
}

}  // namespace privacyd
