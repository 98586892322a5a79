// The record of enrichment imports, for staff: each import's counts and the report of its rows
// that were skipped or refused (never a value: line, outcome, reason, columns and error codes),
// kept in the store whether the import completed or an error stopped it part-way. The HTTP API
// and `privacyd import` both record through here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collect/enrichment_import.h"
#include "core/clock.h"
#include "staff/principal.h"
#include "store/store.h"

namespace privacyd {

struct ImportPage {
  std::vector<ImportRecord> imports;  // newest first
  std::string next;                   // cursor of the next page; "" at the end
};

class ImportHistory {
 public:
  ImportHistory(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  const Clock& clock() const { return clock_; }

  // Records an import that started at `started_at` and ended now with `result` (the summary
  // or the error that stopped it; `summary` holds the counts so far either way), and the
  // reports of its skipped and refused rows.
  Status Record(const ImportSummary& summary, const Status& result, const std::string& actor,
                Micros started_at, const std::vector<ImportRow>& exceptions) const;

  // Pages newest first; `cursor` is "" or the `next` of the previous page. Errors:
  // kPermissionDenied "forbidden"; kInvalidArgument "invalid_cursor".
  Result<ImportPage> List(const Principal& reader, const std::string& cursor, int limit) const;
  // Errors: kPermissionDenied "forbidden"; kNotFound "import_not_found".
  Result<ImportRecord> Get(const Principal& reader, const std::string& id) const;

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace privacyd
