// `privacyd import enrichment`: reads a vendor's CSV file into the registry through the policy's
// enrichment point (collect/enrichment_import.h), with a progress bar on a terminal and a report
// of every row (what happened to it, never its values) in a JSON Lines file.
#pragma once

#include <string>

#include "cli/environment.h"
#include "config/config.h"

namespace privacyd {

struct ImportCommand {
  std::string vendor;
  std::string file;    // the CSV file
  std::string report;  // the per-row report; empty: FILE.report.jsonl
  std::string point;   // empty: the policy's only enrichment_import point
  std::string actor;   // who imports, for provenance and audit: "cli:<OS user>"
};

// Exit status: 0 when every row was imported or skipped as the policy requires, 1 when some
// rows were refused (the report says why), 2 on an error that stopped the import.
int RunImportEnrichment(const ImportCommand& command, const Config& config, Environment& env);

}  // namespace privacyd
