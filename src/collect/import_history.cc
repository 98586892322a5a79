#include "collect/import_history.h"

#include <nlohmann/json.hpp>

#include "staff/roles.h"

namespace privacyd {
namespace {

Status CheckReader(const Principal& reader) {
  if (RoleIn(reader.role, ImportReportRoles())) return Ok();
  return Error(ErrorKind::kPermissionDenied, "forbidden",
               "the role '" + reader.role + "' may not read import reports");
}

}  // namespace

Status ImportHistory::Record(const ImportSummary& summary, const Status& result,
                             const std::string& actor, Micros started_at,
                             const std::vector<ImportRow>& exceptions) const {
  ImportRecord record;
  record.id = summary.id;
  record.point = summary.point;
  record.vendor = summary.vendor;
  record.actor = actor;
  record.started_at = started_at;
  record.finished_at = clock_.Now();
  record.outcome = result.ok() ? "completed" : "failed";
  record.error = result.ok() ? "" : result.error().code();
  record.rows = static_cast<int64_t>(summary.rows);
  record.merged = static_cast<int64_t>(summary.merged);
  record.added = static_cast<int64_t>(summary.added);
  record.skipped = static_cast<int64_t>(summary.skipped);
  record.refused = static_cast<int64_t>(summary.refused);
  record.ignored_columns = nlohmann::json(summary.ignored_columns).dump();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : exceptions) rows.push_back(ImportRowJson(row));
  record.exceptions = rows.dump();
  return store_.Write([&](Tx& tx) { return tx.InsertImport(record); });
}

Result<ImportPage> ImportHistory::List(const Principal& reader, const std::string& cursor,
                                       int limit) const {
  PD_RETURN_IF_ERROR(CheckReader(reader));
  int64_t before = 0;
  if (!cursor.empty()) {
    bool digits =
        cursor.size() <= 18 && cursor.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || (before = std::stoll(cursor)) <= 0) {
      return Error(ErrorKind::kInvalidArgument, "invalid_cursor",
                   "cursor must be the 'next_cursor' value of a page");
    }
  }
  ImportPage page;
  PD_ASSIGN_OR_RETURN(page.imports, ReadValue<std::vector<ImportRecord>>(store_, [&](Tx& tx) {
                        return tx.ListImports(before, limit + 1);
                      }));
  if (static_cast<int>(page.imports.size()) > limit) {
    page.imports.pop_back();
    page.next = std::to_string(page.imports.back().seq);
  }
  return page;
}

Result<ImportRecord> ImportHistory::Get(const Principal& reader, const std::string& id) const {
  PD_RETURN_IF_ERROR(CheckReader(reader));
  PD_ASSIGN_OR_RETURN(auto found, ReadValue<std::optional<ImportRecord>>(
                                      store_, [&](Tx& tx) { return tx.FindImport(id); }));
  if (!found) {
    return Error(ErrorKind::kNotFound, "import_not_found", "there is no import '" + id + "'");
  }
  return *found;
}

}  // namespace privacyd
