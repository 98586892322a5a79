// The audit trail: append-only, hash-chained entries of every access to personal data and every
// staff action, each written in the same transaction as the change it records.
//
// Entry n stores hash_n = SHA-256(encoding of its fields || hash_{n-1}) (hex). Changing, removing
// or reordering any stored entry breaks the chain at that entry, which Verify reports.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "staff/principal.h"
#include "store/store.h"

namespace privacyd {

struct AuditEvent {
  std::string actor;
  std::string role;
  std::string action;
  std::string object;
  std::string purpose;
  std::string request_id;
  std::string detail;  // JSON object without personal data, or ""
};

struct AuditVerifyReport {
  int64_t checked = 0;  // entries walked
  bool intact = true;
  int64_t first_broken_seq = 0;  // when !intact
  std::string reason;            // when !intact: what does not match
};

class AuditLog {
 public:
  explicit AuditLog(const Clock& clock) : clock_(clock) {}

  // Appends `event` inside `tx`, chained to the last entry. Returns the new entry.
  Result<AuditRecord> Append(Tx& tx, const AuditEvent& event) const;

  // Entries matching `query` (at most query.limit), for a reader whose role may see the trail
  // (auditor, admin). The read is itself appended to the trail, after the entries it returns.
  // Errors: kPermissionDenied "forbidden".
  Result<std::vector<AuditRecord>> List(Store& store, const Principal& reader,
                                        const std::string& request_id,
                                        const AuditQuery& query) const;

  // Walks the whole chain in sequence order.
  Result<AuditVerifyReport> Verify(Store& store) const;
  // Verify for a reader whose role may see the trail (auditor, admin); the check and its
  // outcome are appended to the trail after the entries it walked (`audit.verified`).
  // Errors: kPermissionDenied "forbidden".
  Result<AuditVerifyReport> VerifyFor(Store& store, const Principal& reader,
                                      const std::string& request_id) const;

  // The hex SHA-256 that `record` must carry given its fields and prev_hash.
  static std::string ComputeHash(const AuditRecord& record);

 private:
  static Status CheckReader(const Principal& reader);

  const Clock& clock_;
};

}  // namespace privacyd
