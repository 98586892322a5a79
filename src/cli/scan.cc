#include "cli/scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/line_reader.h"
#include "policy/jurisdictions.h"

namespace privacyd {
namespace {

// Findings are collected into blocks of this size before they are written: scan runs over large
// files, and one write per finding would cost more than the scanning.
constexpr size_t kOutputBlockBytes = size_t{1} << 20;

Error WriteFailed() {
  return Error(ErrorKind::kUnavailable, "write_failed",
               "writing the findings failed; check that the output is writable and not full");
}

Status Flush(std::string& pending, std::ostream& out) {
  out.write(pending.data(), static_cast<std::streamsize>(pending.size()));
  pending.clear();
  if (!out) return WriteFailed();
  return Ok();
}

int Fail(Environment& env, const Error& error) {
  env.err << "privacyd: " << error.message() << " [" << error.code() << "]\n";
  return kScanExitError;
}

Result<guard::TypeSet> TypesOf(const ScanCommand& command) {
  if (!command.types_given) return guard::TypeSet::Sensitive();
  PD_ASSIGN_OR_RETURN(guard::TypeSet types, guard::TypeSet::Parse(command.types));
  if (types.empty()) {
    return Error(ErrorKind::kInvalidArgument, "no_finding_types",
                 "--types names no type; give one or more, e.g. --types US_SSN,IBAN, or leave it "
                 "out to look for every sensitive type");
  }
  return types;
}

Result<guard::GuardOptions> GuardOptionsOf(const ScanCommand& command) {
  guard::GuardOptions options;
  if (!command.region.empty()) {
    std::string region = command.region;
    std::transform(region.begin(), region.end(), region.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (!Jurisdictions::Default().IsKnownCountry(region)) {
      return Error(ErrorKind::kInvalidArgument, "invalid_region",
                   "--region must be an ISO 3166-1 alpha-2 country code, e.g. DE (got '" +
                       command.region + "')");
    }
    options.default_region = region;
  }
  if (!command.lexicons_dir.empty()) {
    PD_ASSIGN_OR_RETURN(options.lexicons, LoadLexiconDir(command.lexicons_dir));
  }
  return options;
}

}  // namespace

void AppendFindingJsonl(size_t line, const guard::Finding& finding, std::string& out) {
  // Type and category names are fixed ASCII identifiers: nothing to escape.
  fmt::format_to(std::back_inserter(out),
                 R"({{"line":{},"start":{},"end":{},"type":"{}","category":"{}","score":{}}})"
                 "\n",
                 line, finding.start, finding.end, guard::FindingTypeName(finding.type),
                 guard::FindingTypeCategory(finding.type), finding.score);
}

void AppendFindingText(size_t line, const guard::Finding& finding, std::string& out) {
  fmt::format_to(std::back_inserter(out), "{}:{}-{} {} ({}) score {:.2f}\n", line, finding.start,
                 finding.end, guard::FindingTypeName(finding.type),
                 guard::FindingTypeCategory(finding.type), finding.score);
}

Result<ScanSummary> ScanLines(const guard::Guard& guard, const guard::TypeSet& types,
                              ScanFormat format, std::istream& in, std::ostream& out) {
  LineReader reader(in);
  ScanSummary summary;
  std::string pending;
  pending.reserve(kOutputBlockBytes + 4096);
  std::string_view line;
  for (;;) {
    auto more = reader.Next(&line);
    if (!more.ok()) {
      // What was found before the failure is still worth having.
      PD_RETURN_IF_ERROR(Flush(pending, out));
      return more.error();
    }
    if (!*more) break;
    ++summary.lines;
    for (const guard::Finding& finding : guard.Scan(line, types)) {
      ++summary.findings;
      if (guard::IsSensitive(finding.type)) ++summary.sensitive_findings;
      if (format == ScanFormat::kJsonl) {
        AppendFindingJsonl(reader.line_number(), finding, pending);
      } else {
        AppendFindingText(reader.line_number(), finding, pending);
      }
    }
    if (pending.size() >= kOutputBlockBytes) PD_RETURN_IF_ERROR(Flush(pending, out));
  }
  PD_RETURN_IF_ERROR(Flush(pending, out));
  if (!out.flush()) return WriteFailed();
  return summary;
}

Result<std::vector<guard::LexiconSource>> LoadLexiconDir(const std::filesystem::path& dir) {
  auto unreadable = [](const std::string& message) {
    return Error(ErrorKind::kInvalidArgument, "lexicons_unreadable", message);
  };
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return unreadable("--lexicons " + dir.string() +
                      " is not a directory; give a directory of lexicon *.yml files");
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return unreadable("cannot list " + dir.string() + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.path().extension() != ".yml") continue;
    if (!entry.is_regular_file(ec)) continue;
    files.push_back(entry.path());
  }
  if (files.empty()) {
    return Error(ErrorKind::kInvalidArgument, "lexicons_missing",
                 dir.string() +
                     " holds no *.yml lexicon file; add one (format in docs/guard.md) or leave "
                     "out --lexicons to use the built-in lexicons");
  }
  std::sort(files.begin(), files.end());
  std::vector<guard::LexiconSource> sources;
  for (const auto& path : files) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    if (file) text << file.rdbuf();
    if (!file || file.bad()) return unreadable("cannot read lexicon " + path.string());
    sources.push_back({path.string(), std::move(text).str()});
  }
  return sources;
}

int RunScan(const ScanCommand& command, Environment& env) {
  auto types = TypesOf(command);
  if (!types.ok()) return Fail(env, types.error());
  auto options = GuardOptionsOf(command);
  if (!options.ok()) return Fail(env, options.error());

  std::ifstream file;
  std::istream* in = &env.in;
  if (!command.file.empty() && command.file != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(command.file, ec)) {
      return Fail(env, Error(ErrorKind::kInvalidArgument, "file_unreadable",
                             command.file + " is a directory; give a file, or - for standard "
                                            "input"));
    }
    file.open(command.file, std::ios::binary);
    if (!file) {
      return Fail(env, Error(ErrorKind::kInvalidArgument, "file_unreadable",
                             "cannot open " + command.file + ": " + std::strerror(errno)));
    }
    in = &file;
  }

  // Built after the input is known to open, so that a typo in FILE is reported at once.
  auto guard = guard::Guard::Create(*options);
  if (!guard.ok()) return Fail(env, guard.error());

  auto summary = ScanLines(**guard, *types, command.format, *in, env.out);
  if (!summary.ok()) return Fail(env, summary.error());
  return summary->sensitive_findings > 0 ? kScanExitSensitive : kScanExitClean;
}

}  // namespace privacyd
