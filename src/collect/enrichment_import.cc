#include "collect/enrichment_import.h"

#include <algorithm>
#include <future>

#include "collect/csv_reader.h"
#include "collect/import_history.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

// Rows imported at once: enough concurrent writes for group commit to serve them with one
// fsync, few enough to keep memory and threads small.
constexpr size_t kRowsInFlight = 32;

// Skipped and refused rows kept in an import's history; the counts cover all of them, and
// `privacyd import --report` writes every row.
constexpr size_t kRecordedExceptions = 10000;

bool ValidVendor(const std::string& vendor) {
  if (vendor.empty() || vendor.size() > 64) return false;
  return std::all_of(vendor.begin(), vendor.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

Result<std::string> EnrichmentPoint(const Policy& policy, const std::string& named) {
  std::vector<std::string> points;
  for (const auto& [id, point] : policy.collection_points) {
    if (point.channel == Channel::kEnrichmentImport) points.push_back(id);
  }
  if (!named.empty()) {
    if (std::find(points.begin(), points.end(), named) != points.end()) return named;
    return Error(ErrorKind::kNotFound, "collection_point_not_found",
                 "the policy has no enrichment_import point '" + named + "'");
  }
  if (points.size() == 1) return points.front();
  return Error(ErrorKind::kNotFound, "collection_point_not_found",
               points.empty() ? "the policy declares no enrichment_import point, so it allows no "
                                "enrichment imports"
                              : "the policy has several enrichment_import points; name one");
}

}  // namespace

nlohmann::json ImportRowJson(const ImportRow& row) {
  nlohmann::json out = {{"line", row.line}, {"outcome", row.outcome}};
  if (!row.subject_id.empty()) out["subject"] = row.subject_id;
  if (!row.reason.empty()) out["reason"] = row.reason;
  if (!row.problems.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& p : row.problems) {
      errors.push_back({{"field", p.field}, {"code", p.code}, {"detail", p.detail}});
    }
    out["errors"] = errors;
  }
  return out;
}

Result<ImportSummary> EnrichmentImporter::Import(
    std::istream& csv, const ImportOptions& options,
    const std::function<void(const ImportRow&, uint64_t)>& on_row) {
  if (!ValidVendor(options.vendor)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_vendor",
                 "name the vendor in 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
  if (options.principal == nullptr || !RoleIn(options.principal->role, ImportRoles())) {
    return Error(ErrorKind::kPermissionDenied, "forbidden",
                 "importing enrichment data needs one of the roles admin, marketing");
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  PD_ASSIGN_OR_RETURN(std::string point_id, EnrichmentPoint(*policy, options.point));
  const CollectionPoint& point = policy->collection_points.at(point_id);

  CsvReader reader(csv);
  std::vector<std::string> header;
  PD_ASSIGN_OR_RETURN(bool has_header, reader.Next(header));
  if (!has_header) {
    return Error(ErrorKind::kInvalidArgument, "invalid_csv",
                 "the file is empty: it needs a header row naming its columns");
  }
  ImportSummary summary;
  const Micros started_at = history_ != nullptr ? history_->clock().Now() : 0;
  std::vector<ImportRow> exceptions;  // skipped and refused rows, for the history
  summary.id = NewId(random_, "imp");
  summary.point = point_id;
  summary.vendor = options.vendor;
  // Column index -> field name, for the declared columns; the others are dropped.
  std::vector<std::optional<std::string>> columns;
  for (std::string name : header) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& seen : columns) {
      if (seen && *seen == name) {
        return Error(ErrorKind::kInvalidArgument, "invalid_csv",
                     "the header names the column '" + name + "' twice");
      }
    }
    bool declared = std::any_of(point.fields.begin(), point.fields.end(),
                                [&](const Field& f) { return f.name == name; });
    if (declared) {
      columns.push_back(name);
    } else {
      columns.push_back(std::nullopt);
      summary.ignored_columns.push_back(name);
    }
  }

  Submitter submitter;
  submitter.door = CollectionDoor::kImport;
  submitter.principal = options.principal;
  submitter.request_id = options.request_id;
  submitter.vendor = options.vendor;
  submitter.import_id = summary.id;

  struct Pending {
    size_t line;
    std::future<Result<CollectionOutcome>> outcome;
  };
  std::vector<Pending> group;
  // Waits for every row in flight and counts those that were imported, so that the counts say
  // what was stored even when one row's error stops the import; returns the first error.
  auto finish_group = [&]() -> Status {
    Status first_error;
    for (auto& pending : group) {
      Result<CollectionOutcome> outcome = pending.outcome.get();
      if (!outcome.ok()) {
        if (first_error.ok()) first_error = outcome.error();
        continue;
      }
      ImportRow row;
      row.line = pending.line;
      if (outcome->receipt) {
        row.outcome = outcome->receipt->new_subject ? "added" : "merged";
        row.subject_id = outcome->receipt->subject_id;
        ++(outcome->receipt->new_subject ? summary.added : summary.merged);
      } else if (!outcome->skipped.empty()) {
        row.outcome = "skipped";
        row.reason = outcome->skipped;
        ++summary.skipped;
      } else {
        row.outcome = "refused";
        row.problems = std::move(outcome->problems);
        ++summary.refused;
      }
      ++summary.rows;
      if (row.outcome != "added" && row.outcome != "merged" &&
          exceptions.size() < kRecordedExceptions) {
        exceptions.push_back(row);
      }
      if (on_row) on_row(row, reader.bytes_read());
    }
    group.clear();
    return first_error;
  };

  auto import_rows = [&]() -> Status {
    std::vector<std::string> fields;
    for (;;) {
      Result<bool> more = reader.Next(fields);
      if (!more.ok()) {
        (void)finish_group();  // count the rows before the malformed one; report the CSV error
        return more.error();
      }
      if (!*more) break;
      if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
      Submission submission;
      for (size_t i = 0; i < fields.size() && i < columns.size(); ++i) {
        if (columns[i] && !fields[i].empty()) submission[*columns[i]].text = std::move(fields[i]);
      }
      if (fields.size() > columns.size()) {
        submission["column " + std::to_string(columns.size() + 1)].text = "";
      }
      group.push_back({reader.line(), std::async(std::launch::async, [&, submission] {
                         return collector_.Collect(point_id, submission, submitter);
                       })});
      if (group.size() == kRowsInFlight) PD_RETURN_IF_ERROR(finish_group());
    }
    return finish_group();
  };
  Status result = import_rows();
  if (history_ != nullptr) {
    Status recorded =
        history_->Record(summary, result, options.principal->user_name, started_at, exceptions);
    if (result.ok()) result = recorded;
  }
  if (!result.ok()) return result.error();
  return summary;
}

}  // namespace privacyd
