#include "consent/suppression_list.h"

#include <nlohmann/json.hpp>

#include "crypto/secret.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

Status CheckRole(const AccessContext& ctx) {
  if (RoleIn(ctx.principal.role, SuppressionReadRoles())) return Ok();
  return Error(ErrorKind::kPermissionDenied, "forbidden",
               "the role '" + ctx.principal.role + "' may not read the suppression list");
}

}  // namespace

std::string SuppressionList::CursorOf(const SuppressionRecord& entry) {
  return entry.kind + ":" + ToHex(entry.blind_index);
}

Status SuppressionList::Audit(Tx& tx, const AccessContext& ctx,
                              const nlohmann::json& detail) const {
  return StatusOf(
      audit_.Append(tx, AuditEvent{ctx.principal.user_name, ctx.principal.role, "suppression.read",
                                   "suppressions", ctx.purpose, ctx.request_id, detail.dump()}));
}

Result<SuppressionPage> SuppressionList::List(const AccessContext& ctx, const std::string& cursor,
                                              int limit) const {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  std::string after_kind, after_index;
  if (!cursor.empty()) {
    auto colon = cursor.find(':');
    if (colon == 0 || colon == std::string::npos ||
        !FromHex(std::string_view(cursor).substr(colon + 1), &after_index)) {
      return Error(ErrorKind::kInvalidArgument, "invalid_cursor",
                   "cursor must be the 'next' value of a page");
    }
    after_kind = cursor.substr(0, colon);
  }
  return WriteValue<SuppressionPage>(store_, [&](Tx& tx) -> Result<SuppressionPage> {
    SuppressionPage page;
    // One more than asked tells whether a next page exists.
    PD_ASSIGN_OR_RETURN(page.entries, tx.ListSuppressions(after_kind, after_index, limit + 1));
    if (static_cast<int>(page.entries.size()) > limit) {
      page.entries.pop_back();
      page.next = CursorOf(page.entries.back());
    }
    PD_ASSIGN_OR_RETURN(page.total, tx.CountSuppressions());
    PD_RETURN_IF_ERROR(Audit(tx, ctx, {{"entries", page.entries.size()}}));
    return page;
  });
}

Result<std::optional<SuppressionRecord>> SuppressionList::Find(
    const AccessContext& ctx, const IdentityValue& identity) const {
  PD_RETURN_IF_ERROR(CheckRole(ctx));
  PD_ASSIGN_OR_RETURN(std::string index, registry_.IdentityIndex(identity));
  return WriteValue<std::optional<
      SuppressionRecord>>(store_, [&](Tx& tx) -> Result<std::optional<SuppressionRecord>> {
    PD_ASSIGN_OR_RETURN(auto found, tx.FindSuppression(identity.kind, index));
    PD_RETURN_IF_ERROR(Audit(tx, ctx, {{"lookup", identity.kind}, {"found", found.has_value()}}));
    return found;
  });
}

}  // namespace privacyd
