// The disclosure log operations of SqliteTx (store.h DisclosureRecord).
#include "store/sqlite/sqlite_tx.h"

namespace privacyd {
namespace {

constexpr char kDisclosureCols[] =
    "seq, id, subject_id, recipient, purpose, categories, origin, safeguard, request_id, actor, "
    "disclosed_at, created_at";

}  // namespace

Result<int64_t> SqliteTx::InsertDisclosure(const DisclosureRecord& d) {
  PD_RETURN_IF_ERROR(CheckWritable());
  PD_ASSIGN_OR_RETURN(
      SqliteQuery q,
      conn_.Prepare("INSERT INTO disclosures (id, subject_id, recipient, purpose, categories, "
                    "origin, safeguard, request_id, actor, disclosed_at, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  q.Text(d.id)
      .Text(d.subject_id)
      .Text(d.recipient)
      .Text(d.purpose)
      .Text(JoinList(d.categories))
      .Text(d.origin)
      .Text(d.safeguard)
      .Text(d.request_id)
      .Text(d.actor)
      .Int(d.disclosed_at)
      .Int(d.created_at)
      .OnUnique("disclosure_exists");
  PD_RETURN_IF_ERROR(q.Run());
  return conn_.LastInsertRowid();
}

Result<std::vector<DisclosureRecord>> SqliteTx::ListDisclosures(const std::string& subject_id) {
  PD_ASSIGN_OR_RETURN(SqliteQuery q,
                      conn_.Prepare(std::string("SELECT ") + kDisclosureCols +
                                    " FROM disclosures WHERE subject_id = ? ORDER BY seq"));
  q.Text(subject_id);
  std::vector<DisclosureRecord> out;
  for (;;) {
    PD_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    DisclosureRecord d;
    d.seq = q.ColumnInt(0);
    d.id = q.ColumnBytes(1);
    d.subject_id = q.ColumnBytes(2);
    d.recipient = q.ColumnBytes(3);
    d.purpose = q.ColumnBytes(4);
    d.categories = SplitList(q.ColumnBytes(5));
    d.origin = q.ColumnBytes(6);
    d.safeguard = q.ColumnBytes(7);
    d.request_id = q.ColumnBytes(8);
    d.actor = q.ColumnBytes(9);
    d.disclosed_at = q.ColumnInt(10);
    d.created_at = q.ColumnInt(11);
    out.push_back(std::move(d));
  }
}

}  // namespace privacyd
