// The sensitive-data guard: finds government identifiers, payment and bank numbers, and
// special-category data (GDPR Art. 9) in free text, so that the collection points can refuse
// what the statement promises not to take.
//
// A Guard is built once (every pattern compiled into one multi-pattern database) and then scans
// any number of buffers, from any number of threads. A finding says what was found and where
// (byte offsets into the scanned buffer), never the matched text: callers that need the text
// take it from their own buffer, explicitly.
//
// Scanning is safe on any input: arbitrary bytes, invalid UTF-8, NUL bytes, lines of any length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace privacyd::guard {

// What a finding is. The names (FindingTypeName) are part of the guard's interface.
enum class FindingType : uint8_t {
  // Government identifiers and financial numbers, confirmed by their validators.
  kUsSsn,
  kUsItin,
  kUsDriverLicense,
  kUsPassport,
  kUkNino,
  kUkNhs,
  kUkPassport,
  kDeTaxId,
  kDeIdCard,
  kNlBsn,
  kFrNir,
  kIlId,
  kZaId,
  kSgNricFin,
  kInAadhaar,
  kInPan,
  kAuTfn,
  kAuMedicare,
  kChAhv,
  kCreditCard,
  kIban,
  // Ordinary identifiers, not sensitive: found only when asked for.
  kEmail,
  kPhone,
  kIpAddress,
  // Special categories of personal data (GDPR Art. 9), in English, German and French text.
  kHealth,
  kEthnic,
  kPolitical,
  kReligion,
  kTradeUnion,
  kSexualOrientation,
  kGenetic,
  kBiometric,
};
inline constexpr size_t kFindingTypeCount = static_cast<size_t>(FindingType::kBiometric) + 1;

// "US_SSN", "EMAIL", "HEALTH", ...
std::string_view FindingTypeName(FindingType type);
// The type named `name` (exact, upper case), or nullopt.
std::optional<FindingType> FindingTypeFromName(std::string_view name);
// The fideslang data category of a type ("user.government_id.national_identification_number").
std::string_view FindingTypeCategory(FindingType type);
// Whether the statement asks people not to send this type (everything but EMAIL, PHONE and
// IP_ADDRESS).
bool IsSensitive(FindingType type);

// A set of finding types.
class TypeSet {
 public:
  TypeSet() = default;
  static TypeSet All();
  // Every sensitive type: what a scan looks for unless told otherwise.
  static TypeSet Sensitive();
  // "US_SSN,IBAN" (names separated by commas, blanks ignored); an unknown name is an
  // invalid_argument error `unknown_finding_type` naming it and the closest known name.
  static Result<TypeSet> Parse(std::string_view names);

  void Add(FindingType type) { bits_ |= Bit(type); }
  bool Contains(FindingType type) const { return (bits_ & Bit(type)) != 0; }
  bool empty() const { return bits_ == 0; }

 private:
  static uint64_t Bit(FindingType type) { return uint64_t{1} << static_cast<unsigned>(type); }
  uint64_t bits_ = 0;
};

struct Finding {
  FindingType type;
  size_t start = 0;  // byte offset of the first byte
  size_t end = 0;    // byte offset one past the last byte
  // Confidence, 0 < score <= 1: a check digit and a context word together score highest, a
  // lexicon term with a first-person cue lowest.
  double score = 0;
  // What confirmed it: "luhn", "mod97", "verhoeff", "format", "context", "libphonenumber",
  // "lexicon:en", ... (static storage).
  std::string_view validator;

  friend bool operator==(const Finding&, const Finding&) = default;
};

// One rule file of special-category lexicons, as text (YAML; format in docs/guard.md).
struct LexiconSource {
  std::string name;  // shown in errors: a file path or "builtin:en"
  std::string text;
};

struct GuardOptions {
  // The lexicons; empty means the built-in English, German and French ones.
  std::vector<LexiconSource> lexicons;
  // Region assumed for phone numbers written without a country code (ISO 3166 alpha-2).
  std::string default_region = "US";
  // Whether PHONE candidates are judged by the guard's own reading of libphonenumber's
  // metadata, asking libphonenumber (Parse, IsValidNumber) only where that reading stops short;
  // false asks libphonenumber about every candidate. The findings are the same; false is for
  // tests and benchmarks that compare the two (it makes PHONE dozens of times slower).
  bool fast_phone_check = true;
  // Whether the lexicon rules are scanned in two stages: a pass over the words of the text for
  // the rules' anchor words, then the rules' database only in windows around them
  // (docs/guard.md, "How the rules are scanned"). False scans every rule over the whole text in
  // one pass, as before. The findings are the same; false is for tests and benchmarks that
  // compare the two (it is slower, and never loads the databases built into the binary, so it
  // compiles at start).
  bool two_stage_lexicons = true;
  // Whether, in two stages, a phrase whose rarest word is common in business text ("support",
  // "very") is anchored on a pair of adjacent words of it ("support of"), both required, rather
  // than on that word alone. The findings are the same; false is for tests and benchmarks that
  // compare the two (it opens more windows, and works the anchors out at start).
  bool pair_anchors = true;
  // Whether the identifier triggers (a run of six digits, an '@' before a domain, ...) are found
  // by a pass over the digits, '@' and ':' of the text (internal::FindTriggers) rather than by
  // Vectorscan databases of their expressions. The candidates, and so the findings, are the
  // same; false is for tests and benchmarks that compare the two (it never loads the databases
  // built into the binary, so it compiles at start).
  bool trigger_pass = true;
  // Databases compiled ahead by Guard::Precompile for the same lexicons, used instead of
  // compiling when they match them and this machine (else ignored). Empty with the built-in
  // lexicons means the databases built into the binary, if it has them.
  std::string_view precompiled;
};

// Statistics of the compiled pattern database.
struct GuardStats {
  size_t patterns = 0;
  size_t database_bytes = 0;
  size_t scratch_bytes = 0;
  double compile_ms = 0;     // or loading, when precompiled
  bool precompiled = false;  // loaded rather than compiled
  // The two-stage scan of the lexicon rules (GuardOptions::two_stage_lexicons): the rules it
  // anchors (the others are scanned over the whole text), its distinct anchor words and the
  // memory of their lookup table. Zero in one pass.
  size_t anchored_rules = 0;
  size_t rules = 0;
  size_t anchor_words = 0;
  size_t anchor_bytes = 0;
  // Patterns whose anchors came worked out with the precompiled databases.
  size_t anchors_precomputed = 0;
  // Patterns scanned over the whole text of every scan: in two stages, the rules and the context
  // words of numbers without a fixed shape that have no anchor (and the identifier triggers,
  // when compiled; GuardOptions::trigger_pass).
  size_t whole_text_patterns = 0;
  // The Vectorscan entry point the scans call: "hs_scan", or the per-CPU copy called instead
  // because this machine's hs_scan misses matches ("avx2_hs_scan"; docs/guard.md).
  std::string_view scan_entry;
};

class Guard {
 public:
  virtual ~Guard() = default;

  // Compiles the guard. Errors: invalid_argument `lexicon_invalid` when a lexicon does not
  // parse or a pattern in it does not compile (the message names the file, the rule and why).
  static Result<std::unique_ptr<Guard>> Create(const GuardOptions& options);

  // Compiles the databases of `options` and returns them serialized, for
  // GuardOptions::precompiled. Errors as Create.
  static Result<std::string> Precompile(const GuardOptions& options);

  // The findings of the types in `types` in `text`, ordered by start offset (then by type).
  // Overlapping findings of the same type are merged into the best one. Thread-safe.
  virtual std::vector<Finding> Scan(std::string_view text, const TypeSet& types) const = 0;

  // Scans `in` to its end in bounded memory, calling `on_finding` for each finding in order of
  // start offset; offsets count from the start of the stream. Returns the number of bytes read,
  // or an unavailable error `read_failed` when the stream fails.
  virtual Result<size_t> ScanStream(
      std::istream& in, const TypeSet& types,
      const std::function<void(const Finding&)>& on_finding) const = 0;

  virtual GuardStats stats() const = 0;
};

}  // namespace privacyd::guard
