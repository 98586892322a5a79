#include "audit/audit_log.h"

#include <nlohmann/json.hpp>

#include "crypto/secret.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

void AppendField(std::string& out, const std::string& field) {
  // Length-prefixed so that no two different entries encode alike.
  out.append(std::to_string(field.size())).push_back(':');
  out.append(field);
}

}  // namespace

std::string AuditLog::ComputeHash(const AuditRecord& r) {
  std::string enc = "privacyd-audit-v1;";
  AppendField(enc, std::to_string(r.seq));
  AppendField(enc, std::to_string(r.time));
  AppendField(enc, r.actor);
  AppendField(enc, r.role);
  AppendField(enc, r.action);
  AppendField(enc, r.object);
  AppendField(enc, r.purpose);
  AppendField(enc, r.request_id);
  AppendField(enc, r.detail);
  AppendField(enc, r.prev_hash);
  return ToHex(Sha256(enc));
}

Result<AuditRecord> AuditLog::Append(Tx& tx, const AuditEvent& e) const {
  PD_ASSIGN_OR_RETURN(auto last, tx.LastAudit());
  AuditRecord r;
  r.seq = last ? last->seq + 1 : 1;
  r.time = clock_.Now();
  if (last && r.time < last->time) r.time = last->time;  // keep time monotonic along the chain
  r.actor = e.actor;
  r.role = e.role;
  r.action = e.action;
  r.object = e.object;
  r.purpose = e.purpose;
  r.request_id = e.request_id;
  r.detail = e.detail;
  r.prev_hash = last ? last->hash : "";
  r.hash = ComputeHash(r);
  PD_RETURN_IF_ERROR(tx.AppendAudit(r));
  return r;
}

Status AuditLog::CheckReader(const Principal& reader) {
  if (RoleIn(reader.role, AuditReaderRoles())) return Ok();
  return Error(ErrorKind::kPermissionDenied, "forbidden",
               "the role '" + reader.role + "' may not read the audit trail");
}

Result<std::vector<AuditRecord>> AuditLog::List(Store& store, const Principal& reader,
                                                const std::string& request_id,
                                                const AuditQuery& query) const {
  PD_RETURN_IF_ERROR(CheckReader(reader));
  return WriteValue<std::vector<AuditRecord>>(
      store, [&](Tx& tx) -> Result<std::vector<AuditRecord>> {
        PD_ASSIGN_OR_RETURN(auto rows, tx.ListAudit(query));
        nlohmann::json detail = {{"entries", rows.size()}};
        PD_RETURN_IF_ERROR(Append(tx, {reader.user_name, reader.role, "audit.read", "audit",
                                       "audit", request_id, detail.dump()}));
        return rows;
      });
}

Result<AuditVerifyReport> AuditLog::VerifyFor(Store& store, const Principal& reader,
                                              const std::string& request_id) const {
  PD_RETURN_IF_ERROR(CheckReader(reader));
  PD_ASSIGN_OR_RETURN(AuditVerifyReport report, Verify(store));
  nlohmann::json detail = {{"checked", report.checked}, {"intact", report.intact}};
  if (!report.intact) detail["first_broken_seq"] = report.first_broken_seq;
  PD_RETURN_IF_ERROR(store.Write([&](Tx& tx) {
    return StatusOf(Append(tx, {reader.user_name, reader.role, "audit.verified", "audit", "audit",
                                request_id, detail.dump()}));
  }));
  return report;
}

Result<AuditVerifyReport> AuditLog::Verify(Store& store) const {
  AuditVerifyReport report;
  AuditQuery query;
  query.limit = 1000;
  std::string prev_hash;
  int64_t expected_seq = 1;
  for (;;) {
    PD_ASSIGN_OR_RETURN(auto page, ReadValue<std::vector<AuditRecord>>(
                                       store, [&](Tx& tx) { return tx.ListAudit(query); }));
    for (const auto& r : page) {
      auto broken = [&](std::string reason) {
        report.intact = false;
        report.first_broken_seq = r.seq;
        report.reason = std::move(reason);
      };
      if (r.seq != expected_seq) {
        broken("expected entry " + std::to_string(expected_seq) + " but found entry " +
               std::to_string(r.seq) + " (an entry was removed or inserted)");
      } else if (r.prev_hash != prev_hash) {
        broken("its previous-hash does not match the entry before it");
      } else if (ComputeHash(r) != r.hash) {
        broken("its content does not match its hash (the entry was altered)");
      }
      if (!report.intact) return report;
      ++report.checked;
      ++expected_seq;
      prev_hash = r.hash;
      query.after_seq = r.seq;
    }
    if (static_cast<int>(page.size()) < query.limit) break;
  }
  return report;
}

}  // namespace privacyd
