// Enrichment imports: business-contact data bought from a vendor, combined with what people gave
// us themselves. A CSV file's rows go through the enrichment point of the policy (the only point
// with the channel enrichment_import, or the one named) like any other submission: only the
// columns it declares are taken (the others are reported and dropped), values are normalised and
// checked, and each stored value carries the provenance "enrichment:<vendor>". An import never
// subscribes anyone, never recreates an erased person, never touches one who objected to direct
// marketing or whose processing is restricted, and adds people we do not hold only when the
// point says `new_subjects: true`.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collect/collector.h"

namespace privacyd {

class ImportHistory;

struct ImportOptions {
  std::string vendor;                    // 1 to 64 characters of a-z, 0-9, '.', '_' and '-'
  std::string point;                     // "" = the policy's only enrichment_import point
  const Principal* principal = nullptr;  // who imports (ImportRoles())
  std::string request_id;
};

// What happened to one row, without its values.
struct ImportRow {
  size_t line = 0;      // line of the CSV file where the row starts
  std::string outcome;  // "merged", "added", "skipped", "refused"
  std::string reason;   // skipped: "erased", "objected", "restricted", "unknown_person"
  std::vector<FieldProblem> problems;  // refused: every offending column
  std::string subject_id;              // merged or added
};

// A row of the report as JSON: {"line", "outcome", "subject"?, "reason"?, "errors"?: [{"field",
// "code", "detail"}]}, never the row's values. The CLI's report file and the HTTP answer share it.
nlohmann::json ImportRowJson(const ImportRow& row);

struct ImportSummary {
  std::string id;  // "imp_...", in the provenance of every value the import stored
  std::string point;
  std::string vendor;
  size_t rows = 0;
  size_t merged = 0;
  size_t added = 0;
  size_t skipped = 0;
  size_t refused = 0;
  std::vector<std::string> ignored_columns;  // columns the point does not declare
};

class EnrichmentImporter {
 public:
  // `collector` must outlive the importer, and `history` (where each import that got past its
  // header is recorded; null: nowhere) too.
  EnrichmentImporter(Collector& collector, const PolicyHolder& policy, Random& random,
                     const ImportHistory* history = nullptr)
      : collector_(collector), policy_(policy), random_(random), history_(history) {}

  // Reads `csv` (a header row naming the columns, then one row per person) and imports each
  // row, calling `on_row` in row order as rows complete with the bytes read so far. Rows are
  // imported concurrently in small groups, so that one durable commit serves many.
  // Errors (nothing or only earlier rows imported): kInvalidArgument "invalid_vendor",
  // "invalid_csv" (malformed CSV, no header, a header naming a column twice),
  // kNotFound "collection_point_not_found" (no or several enrichment points, or the named one
  // is none), kPermissionDenied "forbidden", and store errors.
  Result<ImportSummary> Import(std::istream& csv, const ImportOptions& options,
                               const std::function<void(const ImportRow&, uint64_t)>& on_row);

 private:
  Collector& collector_;
  const PolicyHolder& policy_;
  Random& random_;
  const ImportHistory* history_;
};

}  // namespace privacyd
