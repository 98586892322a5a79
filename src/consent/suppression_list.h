// The suppression list as staff see it: identities that may never be mailed for marketing
// again, whatever happens to their subject (consent_ledger.h puts them there). An entry holds
// no personal data in clear, only the identity's kind and blind index, so staff find one person's
// entry by giving the identity, which is normalised and blind-indexed here, never stored.
// Every read is audited, with counts only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/result.h"
#include "registry/subject_registry.h"
#include "store/store.h"

namespace privacyd {

struct SuppressionPage {
  std::vector<SuppressionRecord> entries;
  int64_t total = 0;  // entries on the whole list
  std::string next;   // cursor of the next page; "" at the end
};

class SuppressionList {
 public:
  SuppressionList(Store& store, const SubjectRegistry& registry, const AuditLog& audit)
      : store_(store), registry_(registry), audit_(audit) {}

  // One page in (kind, blind index) order after `cursor` ("" = from the start; otherwise the
  // `next` of the previous page). Errors: kPermissionDenied "forbidden"; kInvalidArgument
  // "invalid_cursor".
  Result<SuppressionPage> List(const AccessContext& ctx, const std::string& cursor,
                               int limit) const;

  // The entry of one identity, or nullopt when it is not on the list. Errors: kPermissionDenied
  // "forbidden", and those of NormalizeIdentity ("invalid_identity", ...).
  Result<std::optional<SuppressionRecord>> Find(const AccessContext& ctx,
                                                const IdentityValue& identity) const;

  // The cursor naming `entry`: "KIND:HEX".
  static std::string CursorOf(const SuppressionRecord& entry);

 private:
  Status Audit(Tx& tx, const AccessContext& ctx, const nlohmann::json& detail) const;

  Store& store_;
  const SubjectRegistry& registry_;
  const AuditLog& audit_;
};

}  // namespace privacyd
