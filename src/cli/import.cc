#include "cli/import.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "audit/audit_log.h"
#include "cli/data_dir.h"
#include "collect/enrichment_import.h"
#include "collect/import_history.h"
#include "guard/guard.h"
#include "keys/key_manager.h"
#include "policy/policy_loader.h"
#include "registry/subject_registry.h"

namespace privacyd {
namespace {

int Fail(Environment& env, const Error& error) {
  env.err << "privacyd: " << error.message() << " [" << error.code() << "]\n";
  return 2;
}

}  // namespace

int RunImportEnrichment(const ImportCommand& command, const Config& config, Environment& env) {
  std::ifstream csv(command.file, std::ios::binary);
  if (!csv) {
    return Fail(
        env, Error(ErrorKind::kInvalidArgument, "file_unreadable", "cannot read " + command.file));
  }
  std::error_code size_error;
  const uint64_t size = std::filesystem::file_size(command.file, size_error);
  const std::string report_path =
      command.report.empty() ? command.file + ".report.jsonl" : command.report;
  std::ofstream report(report_path, std::ios::binary | std::ios::trunc);
  if (!report) {
    return Fail(env, Error(ErrorKind::kInvalidArgument, "report_unwritable",
                           "cannot write the report " + report_path));
  }

  PolicyLoad policy_load =
      LoadPolicyFileOrExample(config.Get("policy"), Taxonomy::Default(), Jurisdictions::Default());
  if (!policy_load.ok()) {
    return Fail(env, Error(ErrorKind::kInvalidArgument, "policy_invalid",
                           "the policy has errors; `privacyd policy check` lists them"));
  }
  PolicyHolder policy(policy_load.policy);
  auto guard = guard::Guard::Create(guard::GuardOptions{});
  if (!guard.ok()) return Fail(env, guard.error());
  std::filesystem::path data_dir = config.Get("data");
  auto store = OpenDataDirStore(config, /*migrate=*/true);
  if (!store.ok()) return Fail(env, store.error());
  auto keyring = OpenKeyring(data_dir, **store, env.random, /*create_if_missing=*/false);
  if (!keyring.ok()) return Fail(env, keyring.error());
  AuditLog audit(env.clock);
  SubjectRegistry registry(**store, *keyring, audit, env.clock, env.random);
  Collector collector(policy, registry, guard->get(), env.clock, env.random);
  ImportHistory history(**store, env.clock);
  EnrichmentImporter importer(collector, policy, env.random, &history);

  Principal principal{"", command.actor, "admin"};
  ImportOptions options{command.vendor, command.point, &principal, ""};
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last_progress = std::chrono::steady_clock::now();
  size_t rows = 0;
  auto summary = importer.Import(csv, options, [&](const ImportRow& row, uint64_t bytes) {
    report << ImportRowJson(row).dump() << "\n";
    ++rows;
    auto now = std::chrono::steady_clock::now();
    if (tty && now - last_progress > std::chrono::milliseconds(200)) {
      last_progress = now;
      int percent = size > 0 ? static_cast<int>(100 * bytes / size) : 0;
      int filled = percent / 5;
      env.err << "\r[" << std::string(filled, '#') << std::string(20 - filled, ' ') << "] "
              << percent << "% " << rows << " rows" << std::flush;
    }
  });
  if (tty) env.err << "\r" << std::string(40, ' ') << "\r";
  report.close();
  (*store)->Close();
  if (!summary.ok())
    return Fail(env, summary.error().WithContext("after " + std::to_string(rows) + " rows"));
  env.out << "import " << summary->id << " from " << summary->vendor << " through '"
          << summary->point << "': " << summary->rows << " rows, " << summary->merged << " merged, "
          << summary->added << " added, " << summary->skipped << " skipped, " << summary->refused
          << " refused\n";
  if (!summary->ignored_columns.empty()) {
    env.out << "columns the policy does not allow for enrichment, not imported:";
    for (const auto& c : summary->ignored_columns) env.out << " " << c;
    env.out << "\n";
  }
  env.out << "report: " << report_path << "\n";
  return summary->refused > 0 ? 1 : 0;
}

}  // namespace privacyd
