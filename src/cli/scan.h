// `privacyd scan`: finds sensitive data in text files line by line with the guard, and reports
// where each finding is and what it is, never the matched text, so that the report itself can be
// kept or shared without spreading what it found.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "cli/environment.h"
#include "core/result.h"
#include "guard/guard.h"

namespace privacyd {

enum class ScanFormat {
  kJsonl,  // one JSON object per finding: {"line","start","end","type","category","score"}
  kText,   // one line per finding: "3:10-21 US_SSN (user.government_id...) score 0.95"
};

// The verb's command line, as parsed.
struct ScanCommand {
  ScanFormat format = ScanFormat::kJsonl;
  std::string types;  // "US_SSN,IBAN"; empty with types_given false: every sensitive type
  bool types_given = false;
  std::string lexicons_dir;  // empty: the built-in lexicons
  std::string region;        // empty: the guard's default
  std::string file;          // empty or "-": standard input
};

struct ScanSummary {
  size_t lines = 0;
  size_t findings = 0;
  size_t sensitive_findings = 0;  // findings whose type guard::IsSensitive
};

// Exit status of the verb: 0 when no sensitive finding was found, 1 when one was, 2 on error.
inline constexpr int kScanExitClean = 0;
inline constexpr int kScanExitSensitive = 1;
inline constexpr int kScanExitError = 2;

// Runs the verb: builds the guard, scans the input, writes the findings to env.out and errors to
// env.err as "privacyd: MESSAGE [code]". Error codes: `unknown_finding_type`,
// `no_finding_types`, `invalid_region`, `lexicons_unreadable`, `lexicons_missing`,
// `lexicon_invalid`, `file_unreadable`, `read_failed`, `write_failed`. Returns the exit status.
int RunScan(const ScanCommand& command, Environment& env);

// Scans each line of `in` (split by LineReader: "\n", "\r\n", a final line without either) for
// `types`, and writes one record per finding to `out`, in order of line, then of start offset.
// Offsets are bytes from the start of the line, end exclusive. Output is written in large blocks,
// not per finding. Errors: unavailable `read_failed` (the findings of the lines read before the
// failure are written), unavailable `write_failed` when `out` fails.
Result<ScanSummary> ScanLines(const guard::Guard& guard, const guard::TypeSet& types,
                              ScanFormat format, std::istream& in, std::ostream& out);

// Appends one finding of line `line` (1-based), with its newline, to `out`.
void AppendFindingJsonl(size_t line, const guard::Finding& finding, std::string& out);
void AppendFindingText(size_t line, const guard::Finding& finding, std::string& out);

// Every regular `*.yml` file directly in `dir`, in order of name, as lexicon sources named by
// their paths. Errors: invalid_argument `lexicons_unreadable` when `dir` is not a readable
// directory or a file in it cannot be read; invalid_argument `lexicons_missing` when it holds no
// `*.yml` file (an empty list would silently mean the built-in lexicons).
Result<std::vector<guard::LexiconSource>> LoadLexiconDir(const std::filesystem::path& dir);

}  // namespace privacyd
