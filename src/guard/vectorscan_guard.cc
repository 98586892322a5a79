// The Guard on Vectorscan.
//
// Identifiers are found from cheap triggers (a run of six digits, the digits of a National
// Insurance number, an IBAN's country and check digits, ...), found by a pass over the digits,
// '@' and ':' of the text (id_triggers.h) or, with GuardOptions::trigger_pass off, by Vectorscan
// databases of the same expressions. Each trigger hands a position to code that takes the
// candidate whole and runs its validators. The special-category rules are Vectorscan databases,
// scanned in windows around their anchor words (anchors.h) or over the whole text. Context
// words, personal cues and business exclusions live in small databases of their own that are
// scanned only over the few bytes around a candidate.
#include <arpa/inet.h>
#include <hs/hs.h>
#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "crypto/secret.h"
#include "guard/anchors.h"
#include "guard/guard.h"
#include "guard/id_rules.h"
#include "guard/id_triggers.h"
#include "guard/lexicon.h"
#include "guard/phone_check.h"
#include "guard/text_scan.h"
#include "guard/validators.h"
#include "guard/vectorscan_entry.h"

namespace privacyd {
// The built-in lexicons' databases, compiled when privacyd is built (tools/guard_precompile.cc);
// absent (a null address) in programs linked without them, which compile at start instead.
extern const std::string_view kGuardPrecompiled __attribute__((weak));
}  // namespace privacyd

namespace privacyd::guard {
namespace {

using internal::DigitGroup;
using internal::IsAsciiAlpha;
using internal::IsDigit;
using internal::IsWholeWord;
using internal::IsWordByte;
using internal::kNumericTypes;
using internal::NumericType;
using internal::Shape;
using internal::ValidAs;
using internal::ValidatorName;

// How far a context word may stand from an identifier (bytes before its start, after its end),
// a personal cue from a lexicon term, and an exclusion around a term.
constexpr size_t kContextBefore = 60;
constexpr size_t kContextAfter = 30;
constexpr size_t kCueBefore = 80;
constexpr size_t kCueAfter = 40;
constexpr size_t kExcludeReach = 64;

// Scores (see Finding::score).
constexpr double kScoreCheckAndContext = 0.99;
constexpr double kScoreCheckDigit = 0.9;
constexpr double kScoreFormat = 0.85;
constexpr double kScoreContextFormat = 0.8;
constexpr double kScoreOrdinary = 0.9;

// The first eight are the identifier triggers, in the order of internal::Trigger.
enum class Kind : uint8_t {
  kDigits,       // the sixth digit of a run of digit groups
  kNino,         // the digits and suffix of a National Insurance number
  kPan,          // the digits and last letter of a PAN
  kIban,         // an IBAN's country code and check digits
  kCorsicanNir,  // a NIR from 2A or 2B, from the department on
  kEmail,        // an '@' and the first character of a domain
  kIpv4,
  kIpv6,          // a hex group and two colons
  kTokenContext,  // a context word of an identifier without a fixed shape (passport, licence)
  kRule,          // a special-category rule (rules_[index])
};

static_assert(static_cast<int>(Kind::kCorsicanNir) ==
              static_cast<int>(internal::Trigger::kCorsicanNir));
static_assert(static_cast<int>(Kind::kIpv6) == static_cast<int>(internal::Trigger::kIpv6));

struct PatternInfo {
  Kind kind;
  uint32_t index = 0;
};

// The shortest and longest match of a word pattern, in bytes (hs_expression_info). Word
// patterns are compiled without start-of-match tracking, which Vectorscan refuses for large
// alternations and which slows every scan; the start is worked out from the end and the widths.
struct Width {
  uint32_t min = 0;
  uint32_t max = 0;
};

// The longest a phrase of unbounded width is taken to be.
constexpr size_t kMaxPhrase = 200;

struct Span {
  size_t from;
  size_t to;
};

struct RuleMatch {
  uint32_t rule;
  size_t from;
  size_t to;
};

struct WordMatch {
  size_t from;
  size_t to;
  uint64_t types;  // context words: the identifier types they name
};

uint64_t Bit(FindingType type) { return uint64_t{1} << static_cast<unsigned>(type); }

bool IsEmailLocalByte(unsigned char c) {
  return IsDigit(c) || IsAsciiAlpha(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainByte(unsigned char c) { return IsDigit(c) || IsAsciiAlpha(c) || c == '-'; }
bool IsHex(unsigned char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool IsPhoneByte(unsigned char c) {
  return IsDigit(c) || c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

// The email address around the '@' at `at`, or an empty span.
Span EmailAt(std::string_view text, size_t at) {
  size_t start = at;
  while (start > 0 && IsEmailLocalByte(static_cast<unsigned char>(text[start - 1]))) --start;
  while (start < at && text[start] == '.') ++start;
  if (start == at || at - start > 64) return {0, 0};
  // Domain: labels of [A-Za-z0-9-] separated by single dots, the last alphabetic, 2+ long.
  size_t end = at + 1;
  size_t last_label = end;
  size_t labels = 0;
  while (true) {
    size_t label = end;
    while (end < text.size() && IsDomainByte(static_cast<unsigned char>(text[end]))) ++end;
    if (end == label) break;
    ++labels;
    last_label = label;
    if (end + 1 < text.size() && text[end] == '.' &&
        IsDomainByte(static_cast<unsigned char>(text[end + 1]))) {
      ++end;
    } else {
      break;
    }
  }
  if (labels < 2) return {0, 0};
  if (end - last_label < 2) return {0, 0};
  for (size_t i = last_label; i < end; ++i) {
    if (!IsAsciiAlpha(static_cast<unsigned char>(text[i]))) return {0, 0};
  }
  if (start > 0 && static_cast<unsigned char>(text[start - 1]) >= 0x80) return {0, 0};
  if (end < text.size() && static_cast<unsigned char>(text[end]) >= 0x80) return {0, 0};
  return {start, end};
}

bool ValidIpv4(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    while (j < s.size() && IsDigit(static_cast<unsigned char>(s[j]))) ++j;
    size_t len = j - i;
    if (len == 0 || len > 3 || (len > 1 && s[i] == '0')) return false;
    int value = 0;
    for (size_t k = i; k < j; ++k) value = value * 10 + (s[k] - '0');
    if (value > 255) return false;
    ++octets;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return octets == 4;
}

// The phone number candidate around the digit at `pos`: digits, blanks, dashes, dots, slashes
// and parentheses, with a leading '+'.
Span PhoneAt(std::string_view text, size_t pos) {
  size_t start = pos;
  while (start > 0 && IsPhoneByte(static_cast<unsigned char>(text[start - 1]))) --start;
  if (start > 0 && text[start - 1] == '+') --start;
  size_t end = pos;
  while (end < text.size() && IsPhoneByte(static_cast<unsigned char>(text[end]))) ++end;
  while (start < end && !IsDigit(static_cast<unsigned char>(text[start])) && text[start] != '+' &&
         text[start] != '(') {
    ++start;
  }
  while (end > start && !IsDigit(static_cast<unsigned char>(text[end - 1]))) --end;
  return {start, end};
}

// State of one scan, kept with a scratch and reused.
struct ScanState {
  std::string_view text;
  const std::vector<PatternInfo>* patterns = nullptr;
  TypeSet types;
  // The runs of digit groups: run_groups[first..last] for each (first, last) of `runs`; one
  // vector for all, reused from scan to scan.
  std::vector<DigitGroup> run_groups;
  std::vector<std::pair<size_t, size_t>> runs;
  size_t digits_covered = 0;
  std::vector<std::pair<Kind, size_t>> triggers;  // other identifier triggers: kind, end
  std::vector<Span> emails;
  size_t email_covered = 0;
  std::vector<Span> ips;
  size_t ip_covered = 0;
  std::vector<Span> phones;
  size_t phone_covered = 0;
  std::vector<RuleMatch> rules;
  std::vector<Finding> findings;
  std::vector<WordMatch> words;       // results of a window scan
  std::vector<WordMatch> exclusions;  // around the rule matches
  std::vector<WordMatch> cues;
  size_t window_base = 0;                      // where the window of that scan starts
  const std::vector<Width>* widths = nullptr;  // of the main database's patterns
  std::vector<Span> token_contexts;
  const std::vector<Width>* word_widths = nullptr;  // of the database of the window scan
  std::string sanitized;
  size_t base = 0;  // offset in `text` of the bytes of the current scan of the main databases
  std::vector<internal::Window> windows;
  std::vector<internal::TriggerEnd> trigger_ends;

  void Reset(std::string_view t, const TypeSet& ts) {
    text = t;
    types = ts;
    run_groups.clear();
    runs.clear();
    digits_covered = 0;
    triggers.clear();
    emails.clear();
    email_covered = 0;
    ips.clear();
    ip_covered = 0;
    phones.clear();
    phone_covered = 0;
    rules.clear();
    token_contexts.clear();
    findings.clear();
  }
};

// The span of bytes from `pos` in both directions that `in` accepts.
template <class Pred>
Span Expand(std::string_view text, size_t pos, Pred in) {
  size_t from = pos;
  while (from > 0 && in(static_cast<unsigned char>(text[from - 1]))) --from;
  size_t to = pos;
  while (to < text.size() && in(static_cast<unsigned char>(text[to]))) ++to;
  return {from, to};
}

// Where a match of a word pattern ending at `end` starts: exact for a pattern of fixed width;
// otherwise the first word start that leaves room for the longest match without crossing the
// end of a sentence, so that the span covers the whole phrase.
size_t StartOf(std::string_view text, size_t end, Width width) {
  if (width.min > end) return 0;
  if (width.min == width.max) return end - width.min;
  size_t shortest = end - width.min;
  size_t longest = std::min<size_t>(width.max, kMaxPhrase);
  size_t lo = end > longest ? end - longest : 0;
  size_t start = shortest;
  // Each step back adds one byte to the stretch before `shortest`: only that byte is checked.
  while (start > lo && !internal::SentenceEndsAt(text, start - 1)) --start;
  while (start < shortest && start > 0 &&
         (IsWordByte(static_cast<unsigned char>(text[start - 1])) ||
          !IsWordByte(static_cast<unsigned char>(text[start])))) {
    ++start;
  }
  return start;
}

// Whether a number is written the way phone numbers are: international ("+41 ...", "0041 ..."),
// with an area code in parentheses, with a national trunk prefix ("030 ...", "07700 ..."), or in
// the North American 3-3-4 grouping. Dates, amounts and order numbers ("2024-11-0042") are not,
// and libphonenumber, which would accept many of them, is not asked.
bool LooksLikePhone(std::string_view candidate) {
  char first = candidate.front();
  if (first == '+' || first == '(' || first == '0') return true;
  // 3-3-4, one separator of "-. " throughout; checked in place, as most candidates fail it.
  if (candidate.size() != 12) return false;
  char separator = candidate[3];
  if ((separator != '-' && separator != '.' && separator != ' ') || candidate[7] != separator) {
    return false;
  }
  for (size_t i = 0; i < candidate.size(); ++i) {
    if (i != 3 && i != 7 && !IsDigit(static_cast<unsigned char>(candidate[i]))) return false;
  }
  return true;
}

// A match of an identifier trigger ending at `to`, from Vectorscan or internal::FindTriggers.
void OnTrigger(ScanState& state, Kind kind, size_t to) {
  std::string_view text = state.text;
  switch (kind) {
    case Kind::kDigits:
      // Reported at the sixth digit of a run and at each one after it: the run is taken whole
      // at the first report.
      if (to > state.digits_covered) {
        size_t first = state.run_groups.size();
        internal::DigitRunAt(text, to - 1, state.run_groups);
        state.runs.emplace_back(first, state.run_groups.size() - 1);
        state.digits_covered = state.run_groups.back().end;
      }
      if (state.types.Contains(FindingType::kPhone) && to > state.phone_covered) {
        Span phone = PhoneAt(text, to - 1);
        state.phones.push_back(phone);
        state.phone_covered = phone.to;
      }
      break;
    case Kind::kNino:
    case Kind::kPan:
    case Kind::kIban:
    case Kind::kCorsicanNir:
      state.triggers.emplace_back(kind, to);
      break;
    case Kind::kEmail:
      if (state.types.Contains(FindingType::kEmail) && to - 2 >= state.email_covered) {
        Span email = EmailAt(text, to - 2);
        if (email.to > email.from) {
          state.emails.push_back(email);
          state.email_covered = email.to;
        }
      }
      break;
    case Kind::kIpv4:
    case Kind::kIpv6:
      if (state.types.Contains(FindingType::kIpAddress) && to > state.ip_covered) {
        bool v6 = kind == Kind::kIpv6;
        Span ip = Expand(text, to - 1, [v6](unsigned char c) {
          return IsDigit(c) || c == '.' || (v6 && (IsHex(c) || c == ':'));
        });
        while (ip.to > ip.from && text[ip.to - 1] == '.') --ip.to;
        state.ips.push_back(ip);
        state.ip_covered = ip.to;
      }
      break;
    case Kind::kRule:
    case Kind::kTokenContext:
      break;
  }
}

int OnMatch(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
            void* context) {
  auto& state = *static_cast<ScanState*>(context);
  const PatternInfo& info = (*state.patterns)[id];
  std::string_view text = state.text;
  to += state.base;
  switch (info.kind) {
    case Kind::kRule: {
      size_t start = StartOf(text, to, (*state.widths)[id]);
      if (IsWholeWord(text, start, to)) state.rules.push_back({info.index, start, to});
      break;
    }
    case Kind::kTokenContext: {
      size_t start = StartOf(text, to, (*state.widths)[id]);
      if (IsWholeWord(text, start, to)) state.token_contexts.push_back({start, to});
      break;
    }
    default:
      OnTrigger(state, info.kind, to);
      break;
  }
  return 0;
}

int OnWord(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
           void* context) {
  auto& state = *static_cast<ScanState*>(context);
  size_t end = state.window_base + to;
  size_t start = StartOf(state.text, end, (*state.word_widths)[id]);
  if (IsWholeWord(state.text, start, end)) state.words.push_back({start, end, uint64_t{id}});
  return 0;
}

// A compiled pattern: expression, flags and what a match of it means.
struct PatternSpec {
  std::string expression;
  unsigned flags;
  PatternInfo info;
  std::string origin;  // for compile errors
};

constexpr unsigned kWords = HS_FLAG_CASELESS | HS_FLAG_UTF8;

// The identifier triggers as Vectorscan patterns (GuardOptions::trigger_pass off): each starts
// with a digit or a literal, so that the database skips ordinary text at the speed of its
// literal matcher.
std::vector<PatternSpec> IdentifierTriggers() {
  std::vector<PatternSpec> specs;
  for (Kind kind : {Kind::kDigits, Kind::kNino, Kind::kPan, Kind::kIban, Kind::kCorsicanNir}) {
    specs.push_back({std::string(internal::TriggerExpression(static_cast<internal::Trigger>(kind))),
                     0,
                     {kind},
                     "builtin"});
  }
  return specs;
}

// The email and address triggers as Vectorscan patterns (GuardOptions::trigger_pass off), in a
// database of their own that is scanned only when EMAIL or IP_ADDRESS is asked for (the IPv4
// trigger alone costs a third of the identifier scan).
std::vector<PatternSpec> OrdinaryTriggers() {
  std::vector<PatternSpec> specs;
  for (Kind kind : {Kind::kEmail, Kind::kIpv4, Kind::kIpv6}) {
    specs.push_back({std::string(internal::TriggerExpression(static_cast<internal::Trigger>(kind))),
                     0,
                     {kind},
                     "builtin"});
  }
  return specs;
}

// The widths of word patterns (kWords); a pattern that does not parse is reported like a compile
// error.
Result<std::vector<Width>> Widths(const std::vector<PatternSpec>& specs) {
  std::vector<Width> widths;
  for (const PatternSpec& spec : specs) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_expression_info(spec.expression.c_str(), spec.flags, &info, &error) != HS_SUCCESS) {
      std::string message = error->message;
      hs_free_compile_error(error);
      return Error(ErrorKind::kInvalidArgument, "lexicon_invalid",
                   "lexicon " + spec.origin + " does not compile: " + message +
                       ". Patterns use Hyperscan syntax (docs/guard.md).");
    }
    widths.push_back({info->min_width, info->max_width});
    free(info);  // allocated by Vectorscan's default allocator, malloc
  }
  return widths;
}

Result<bool> Compile(const std::vector<PatternSpec>& specs, hs_database_t** database) {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < specs.size(); ++i) {
    expressions.push_back(specs[i].expression.c_str());
    flags.push_back(specs[i].flags);
    ids.push_back(static_cast<unsigned>(i));
  }
  if (specs.empty()) return true;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr, database,
                       &error) != HS_SUCCESS) {
    std::string where = error->expression >= 0
                            ? specs[static_cast<size_t>(error->expression)].origin
                            : "the pattern set";
    std::string message = error->message;
    hs_free_compile_error(error);
    return Error(ErrorKind::kInvalidArgument, "lexicon_invalid",
                 "lexicon " + where + " does not compile: " + message +
                     ". Patterns use Hyperscan syntax (docs/guard.md).");
  }
  return true;
}

// Every byte offset in `spans` sorted by `from`.
template <class T>
void SortByFrom(std::vector<T>& spans) {
  std::sort(spans.begin(), spans.end(), [](const T& a, const T& b) { return a.from < b.from; });
}

// A rule is expanded into at most this many phrases for its anchors; one that matches more is
// anchored on one of its parts (internal::AnchorsOf).
constexpr size_t kMaxRulePhrases = 2000;
// A rule with a part of more phrases than that (a bounded repeat of digits, "[0-9]{4}") is tried
// again with this many, rather than scanned over the whole text; few rules need it, so the time
// it takes to anchor the rules hardly grows.
constexpr size_t kMaxRulePhrasesRetried = 20000;

// The anchors of a set of rules, merged: by folded word, whether it is whole, and for a pair the
// other word (after "<" when it comes before, ">" after; "~" when the text may go on past it)
// and the separator.
using AnchorMap =
    std::map<std::tuple<std::string, bool, std::string, std::string>, internal::Anchor>;

// Adds the anchors of `pattern` to `anchors` (with pairs of words where `pairs`); false, with
// nothing added, when it cannot be anchored (it is then scanned over the whole text).
bool AnchorRule(const std::string& pattern, bool pairs, AnchorMap& anchors) {
  auto found = internal::AnchorsOf(pattern, kMaxRulePhrases, pairs);
  if (!found) found = internal::AnchorsOf(pattern, kMaxRulePhrasesRetried, pairs);
  if (!found) return false;
  for (internal::Anchor& anchor : *found) {
    auto [it, added] =
        anchors.try_emplace({internal::FoldWord(anchor.word), anchor.exact,
                             (anchor.other_before ? "<" : ">") + internal::FoldWord(anchor.other) +
                                 (anchor.other_whole ? "" : "~"),
                             anchor.separator},
                            anchor);
    if (!added) {
      it->second.spaces_before = std::max(it->second.spaces_before, anchor.spaces_before);
      it->second.spaces_after = std::max(it->second.spaces_after, anchor.spaces_after);
    }
  }
  return true;
}

// The two-stage plan of a set of lexicons: whether each pattern offered for anchoring, in
// order, was anchored, and the anchors of them all, merged. Working it out is most of the time
// it takes to build the guard, so the precompiled blob carries it (VectorscanGuard::Serialize),
// under `key`: the SHA-256 of the phrase limits, whether pairs of words anchor, and the patterns
// in order.
struct AnchorPlan {
  std::string key;
  std::vector<uint8_t> anchored;
  std::vector<internal::Anchor> anchors;
};

// Hashes the patterns of a plan as they are offered.
class PlanHasher {
 public:
  explicit PlanHasher(bool pairs) {
    crypto_hash_sha256_init(&state_);
    Add(std::to_string(kMaxRulePhrases) + "/" + std::to_string(kMaxRulePhrasesRetried));
    Add(pairs ? "pairs" : "words");
  }
  void Add(std::string_view pattern) {
    uint64_t length = pattern.size();
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(&length),
                              sizeof length);
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(pattern.data()),
                              pattern.size());
  }
  std::string Final() {
    std::string out(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256_final(&state_, reinterpret_cast<unsigned char*>(out.data()));
    return out;
  }

 private:
  crypto_hash_sha256_state state_;
};

class VectorscanGuard final : public Guard {
 public:
  VectorscanGuard() = default;
  ~VectorscanGuard() override {
    for (Pooled* p : pool_) {
      hs_free_scratch(p->scratch);
      delete p;
    }
    if (scratch_) hs_free_scratch(scratch_);
    for (hs_database_t* database : {database_, window_, ordinary_, contexts_, cues_, excludes_}) {
      if (database) hs_free_database(database);
    }
  }

  // Before Init: work the anchor plan out even when the blob carries one.
  void IgnorePlan() { use_plan_ = false; }

  // Builds the guard. False, with the guard half-built, when the precompiled blob's anchor plan
  // turns out to be of other patterns: build a new guard with IgnorePlan().
  Result<bool> Init(const GuardOptions& options) {
    auto started = std::chrono::steady_clock::now();
    std::vector<LexiconSource> sources =
        options.lexicons.empty() ? BuiltinLexicons() : options.lexicons;
    for (const LexiconSource& source : sources) {
      auto lexicon = ParseLexicon(source);
      if (!lexicon.ok()) return lexicon.error();
      lexicons_.push_back(std::move(*lexicon));
    }
    // The identifier triggers are found by internal::FindTriggers, or compiled.
    trigger_pass_ = options.trigger_pass;
    std::vector<PatternSpec> specs, ordinary;
    if (!trigger_pass_) {
      specs = IdentifierTriggers();
      ordinary = OrdinaryTriggers();
    }
    for (const PatternSpec& spec : ordinary) ordinary_patterns_.push_back(spec.info);
    std::vector<PatternSpec> contexts, cues, excludes, windowed;
    two_stage_ = options.two_stage_lexicons;
    pair_anchors_ = options.pair_anchors;
    AnchorMap anchors;
    std::string_view precompiled = options.precompiled;
    if (precompiled.empty() && options.lexicons.empty() && &kGuardPrecompiled != nullptr) {
      precompiled = kGuardPrecompiled;
    }
    // A plan from the blob is followed as long as it fits; whether it was the plan of exactly
    // these patterns is known at the end (else the caller builds again without it).
    const std::optional<AnchorPlan> known =
        two_stage_ && use_plan_ ? ReadAnchorPlan(precompiled) : std::nullopt;
    PlanHasher hasher(pair_anchors_);
    bool followed = known.has_value();
    auto anchor_rule = [&](const std::string& pattern) {
      hasher.Add(pattern);
      const size_t next = plan_.anchored.size();
      followed = followed && next < known->anchored.size();
      bool anchored =
          followed ? known->anchored[next] != 0 : AnchorRule(pattern, pair_anchors_, anchors);
      plan_.anchored.push_back(anchored);
      return anchored;
    };
    for (const Lexicon& lexicon : lexicons_) {
      for (const LexiconRule& rule : lexicon.rules) {
        // In two stages, a rule whose every phrase has an anchor is scanned around them only.
        bool anchored = two_stage_ && anchor_rule(rule.pattern);
        (anchored ? windowed : specs)
            .push_back({rule.pattern,
                        kWords,
                        {Kind::kRule, static_cast<uint32_t>(rules_.size())},
                        lexicon.name + ": rules[" + std::to_string(rule.index) + "]"});
        rules_.push_back({&rule, lexicon.validator});
        stats_.anchored_rules += anchored;
      }
      for (size_t i = 0; i < lexicon.cues.size(); ++i) {
        cues.push_back(
            {lexicon.cues[i], kWords, {}, lexicon.name + ": cues[" + std::to_string(i) + "]"});
      }
      for (size_t i = 0; i < lexicon.excludes.size(); ++i) {
        excludes.push_back({lexicon.excludes[i],
                            kWords,
                            {},
                            lexicon.name + ": exclude[" + std::to_string(i) + "]"});
      }
      for (const IdContext& context : lexicon.id_context) {
        // Numbers without a fixed shape are looked for around their context words, which the
        // main database finds.
        bool shapeless = context.type == FindingType::kDeIdCard ||
                         context.type == FindingType::kUsPassport ||
                         context.type == FindingType::kUkPassport ||
                         context.type == FindingType::kUsDriverLicense;
        auto listed = [&](const std::vector<PatternSpec>& list) {
          return std::any_of(list.begin(), list.end(), [&](const PatternSpec& s) {
            return s.info.kind == Kind::kTokenContext && s.expression == context.pattern;
          });
        };
        if (shapeless && !listed(specs) && !listed(windowed)) {
          // In two stages, they are words like the rules' anchors, looked for in the windows.
          bool anchored = two_stage_ && anchor_rule(context.pattern);
          (anchored ? windowed : specs)
              .push_back(
                  {context.pattern,
                   kWords,
                   {Kind::kTokenContext},
                   lexicon.name + ": id_context." + std::string(FindingTypeName(context.type))});
        }
        // One pattern per distinct word, naming every type that lists it.
        auto same = std::find_if(contexts.begin(), contexts.end(), [&](const PatternSpec& c) {
          return c.expression == context.pattern;
        });
        if (same != contexts.end()) {
          context_masks_[static_cast<size_t>(same - contexts.begin())] |= Bit(context.type);
          continue;
        }
        contexts.push_back(
            {context.pattern,
             kWords,
             {},
             lexicon.name + ": id_context." + std::string(FindingTypeName(context.type))});
        context_masks_.push_back(Bit(context.type));
      }
    }
    for (const PatternSpec& spec : specs) patterns_.push_back(spec.info);
    stats_.whole_text_patterns = specs.size();
    for (const PatternSpec& spec : windowed) window_patterns_.push_back(spec.info);
    if (two_stage_) {
      plan_.key = hasher.Final();
      if (known) {
        if (!followed || plan_.anchored.size() != known->anchored.size() ||
            plan_.key != known->key) {
          return false;  // the plan of other patterns
        }
        plan_.anchors = known->anchors;
        stats_.anchors_precomputed = plan_.anchored.size();
      } else {
        for (auto& [word, anchor] : anchors) plan_.anchors.push_back(std::move(anchor));
      }
      anchors_ = internal::AnchorIndex(plan_.anchors);
      stats_.rules = rules_.size();
      stats_.anchor_words = anchors_.size();
      stats_.anchor_bytes = anchors_.bytes();
    }
    std::string key = DatabaseKey({&specs, &windowed, &ordinary, &contexts, &cues, &excludes});
    stats_.precompiled = !precompiled.empty() && Load(precompiled, key);
    if (!stats_.precompiled) {
      for (auto [list, widths] : {std::pair{&specs, &widths_},
                                  {&windowed, &window_widths_},
                                  {&contexts, &context_widths_},
                                  {&cues, &cue_widths_},
                                  {&excludes, &exclude_widths_}}) {
        auto computed = Widths(*list);
        if (!computed.ok()) return computed.error();
        *widths = std::move(*computed);
      }
      for (auto [list, database] : {std::pair{&specs, &database_},
                                    {&windowed, &window_},
                                    {&ordinary, &ordinary_},
                                    {&contexts, &contexts_},
                                    {&cues, &cues_},
                                    {&excludes, &excludes_}}) {
        auto compiled = Compile(*list, database);
        if (!compiled.ok()) return compiled.error();
      }
    }
    key_ = std::move(key);
    for (auto [list, database] : {std::pair{&specs, database_},
                                  {&windowed, window_},
                                  {&ordinary, ordinary_},
                                  {&contexts, contexts_},
                                  {&cues, cues_},
                                  {&excludes, excludes_}}) {
      if (database && hs_alloc_scratch(database, &scratch_) != HS_SUCCESS) {
        return Error(ErrorKind::kInternal, "guard_scratch_failed",
                     "could not allocate scanning memory for the guard");
      }
      size_t bytes = 0;
      if (database) hs_database_size(database, &bytes);
      stats_.database_bytes += bytes;
      stats_.patterns += list->size();
    }
    if (scratch_ != nullptr) hs_scratch_size(scratch_, &stats_.scratch_bytes);
    stats_.scan_entry = internal::CheckedVectorscan().name;
    stats_.compile_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    region_ = options.default_region;
    phone_util_ = i18n::phonenumbers::PhoneNumberUtil::GetInstance();
    fast_phone_check_ = options.fast_phone_check;
    return true;
  }

  // The compiled databases and pattern widths, serialized (format: Load).
  Result<std::string> Serialize() const {
    std::string blob(kBlobMagic);
    auto put = [&](uint64_t v) { blob.append(reinterpret_cast<const char*>(&v), sizeof v); };
    // The anchor plan, first, with its length and its hash (a damaged anchor would silently
    // narrow what the windows find): read before the database key is known (ReadAnchorPlan).
    std::string plan;
    auto put_plan = [&](uint64_t v) { plan.append(reinterpret_cast<const char*>(&v), sizeof v); };
    plan += plan_.key;
    put_plan(plan_.anchored.size());
    plan.append(plan_.anchored.begin(), plan_.anchored.end());
    put_plan(plan_.anchors.size());
    for (const internal::Anchor& anchor : plan_.anchors) {
      put_plan(anchor.word.size());
      plan += anchor.word;
      put_plan((uint64_t{anchor.other_before} << 18) | (uint64_t{anchor.other_whole} << 17) |
               (uint64_t{anchor.exact} << 16) | (uint64_t{anchor.spaces_before} << 8) |
               anchor.spaces_after);
      put_plan(anchor.other.size());
      plan += anchor.other;
      put_plan(anchor.separator.size());
      plan += anchor.separator;
    }
    std::string hash = Sha256(plan);
    put(hash.size() + plan.size());
    blob += hash;
    blob += plan;
    blob += key_;
    for (const hs_database_t* database :
         {database_, window_, ordinary_, contexts_, cues_, excludes_}) {
      if (database == nullptr) {
        put(0);
        continue;
      }
      char* bytes = nullptr;
      size_t length = 0;
      if (hs_serialize_database(database, &bytes, &length) != HS_SUCCESS) {
        return Error(ErrorKind::kInternal, "guard_serialize_failed",
                     "the guard's pattern database could not be serialized");
      }
      put(length);
      blob.append(bytes, length);
      free(bytes);  // allocated by Vectorscan's default allocator, malloc
    }
    for (const std::vector<Width>* widths :
         {&widths_, &window_widths_, &context_widths_, &cue_widths_, &exclude_widths_}) {
      put(widths->size());
      for (Width w : *widths) {
        put(w.min);
        put(w.max);
      }
    }
    return blob;
  }

  std::vector<Finding> Scan(std::string_view text, const TypeSet& types) const override {
    if (types.empty() || text.empty()) return {};
    Pooled* pooled = Acquire();
    if (pooled == nullptr) return {};
    ScanState& state = pooled->state;
    std::string_view scanned = text;
    if (internal::SanitizeUtf8(text, state.sanitized)) scanned = state.sanitized;
    state.Reset(scanned, types);
    state.patterns = &patterns_;
    state.widths = &widths_;
    std::vector<Finding> out;
    const bool ordinary =
        types.Contains(FindingType::kEmail) || types.Contains(FindingType::kIpAddress);
    if (trigger_pass_) {
      internal::FindTriggers(scanned, ordinary, state.trigger_ends);
      for (internal::TriggerEnd end : state.trigger_ends) {
        OnTrigger(state, static_cast<Kind>(end.trigger), end.to);
      }
    }
    // Vectorscan scans at most 4 GiB at a time; longer buffers go through ScanStream.
    unsigned length = static_cast<unsigned>(
        std::min<size_t>(scanned.size(), std::numeric_limits<unsigned>::max()));
    // The rules that have no anchor (and the identifier triggers, when compiled).
    bool ok = database_ == nullptr || scan_(database_, scanned.data(), length, 0, pooled->scratch,
                                            OnMatch, &state) == HS_SUCCESS;
    if (ok && window_ != nullptr && WantsWindows(types)) {
      // The anchored rules and context words, in the windows around their anchors only.
      anchors_.FindWindows(scanned, state.windows);
      state.patterns = &window_patterns_;
      state.widths = &window_widths_;
      for (internal::Window window : state.windows) {
        state.base = window.from;
        ok = scan_(window_, scanned.data() + window.from,
                   static_cast<unsigned>(window.to - window.from), 0, pooled->scratch, OnMatch,
                   &state) == HS_SUCCESS;
        if (!ok) break;
      }
      state.base = 0;
      state.widths = &widths_;
    }
    if (ok && ordinary && ordinary_ != nullptr) {
      state.patterns = &ordinary_patterns_;
      ok = scan_(ordinary_, scanned.data(), length, 0, pooled->scratch, OnMatch, &state) ==
           HS_SUCCESS;
    }
    if (ok) {
      Resolve(state, pooled->scratch);
      out = std::move(state.findings);
      state.findings = {};
    }
    Release(pooled);
    return out;
  }

  Result<size_t> ScanStream(std::istream& in, const TypeSet& types,
                            const std::function<void(const Finding&)>& on_finding) const override {
    // Each chunk is scanned with the last kKeep bytes of the previous one before it; a finding is
    // reported from the scan in which it has at least kMargin bytes of text on either side, which
    // is more than any identifier, context window or lexicon phrase spans.
    constexpr size_t kChunk = size_t{1} << 20;
    constexpr size_t kKeep = 4096;
    constexpr size_t kMargin = 2048;
    std::string buffer;
    size_t base = 0;           // stream offset of buffer[0]
    size_t reported_from = 0;  // findings starting before this were reported
    size_t total = 0;
    while (true) {
      size_t old = buffer.size();
      buffer.resize(old + kChunk);
      in.read(buffer.data() + old, static_cast<std::streamsize>(kChunk));
      size_t got = static_cast<size_t>(in.gcount());
      buffer.resize(old + got);
      total += got;
      if (in.bad()) {
        return Error(ErrorKind::kUnavailable, "read_failed",
                     "reading the input failed after " + std::to_string(total) + " bytes");
      }
      bool last = !in;
      size_t limit = last ? std::numeric_limits<size_t>::max() : base + buffer.size() - kMargin;
      for (Finding f : Scan(buffer, types)) {
        f.start += base;
        f.end += base;
        if (f.start >= reported_from && f.start < limit) on_finding(f);
      }
      if (last) break;
      reported_from = limit;
      size_t drop = buffer.size() - kKeep;
      buffer.erase(0, drop);
      base += drop;
    }
    return total;
  }

  GuardStats stats() const override { return stats_; }

 private:
  struct RuleRef {
    const LexiconRule* rule;
    std::string_view validator;
  };

  // Format: the magic, the anchor plan (its byte length, hash and content, ReadAnchorPlan), the
  // database key, each database (length, bytes), each list of widths (count, pairs).
  // Format 4: after each anchor, a pair's other word and separator (empty for a word alone).
  static constexpr std::string_view kBlobMagic = "privacyd-guard-4\n";

  // Whether `types` holds a type the windows can find: a special category (the lexicon rules)
  // or an identifier found from its context words alone.
  static bool WantsWindows(const TypeSet& types) {
    for (size_t t = static_cast<size_t>(FindingType::kHealth); t < kFindingTypeCount; ++t) {
      if (types.Contains(static_cast<FindingType>(t))) return true;
    }
    return types.Contains(FindingType::kDeIdCard) || types.Contains(FindingType::kUsPassport) ||
           types.Contains(FindingType::kUkPassport) ||
           types.Contains(FindingType::kUsDriverLicense);
  }

  // What the databases are compiled from: Vectorscan's version and every pattern with its
  // flags, hashed. A precompiled blob is used only for the same key.
  static std::string DatabaseKey(std::initializer_list<const std::vector<PatternSpec>*> lists) {
    std::string input = hs_version();
    for (const auto* list : lists) {
      input += '\x1e';
      for (const PatternSpec& spec : *list) {
        input += spec.expression;
        input += '\x1f';
        input += std::to_string(spec.flags);
        input += '\x1f';
      }
    }
    return Sha256(input);
  }

  // The anchor plan of a blob written by Serialize(), or nullopt when there is no blob, it is of
  // another format, or it is damaged (the plan is then worked out).
  static std::optional<AnchorPlan> ReadAnchorPlan(std::string_view blob) {
    if (blob.substr(0, kBlobMagic.size()) != kBlobMagic) return std::nullopt;
    blob.remove_prefix(kBlobMagic.size());
    auto get = [&](uint64_t& v) {
      if (blob.size() < sizeof v) return false;
      std::memcpy(&v, blob.data(), sizeof v);
      blob.remove_prefix(sizeof v);
      return true;
    };
    uint64_t bytes = 0;
    const size_t hash_size = crypto_hash_sha256_BYTES;
    if (!get(bytes) || bytes > blob.size() || bytes < 2 * hash_size) return std::nullopt;
    blob = blob.substr(0, bytes);
    if (Sha256(blob.substr(hash_size)) != blob.substr(0, hash_size)) return std::nullopt;
    blob.remove_prefix(hash_size);
    AnchorPlan plan;
    plan.key = std::string(blob.substr(0, hash_size));
    blob.remove_prefix(hash_size);
    uint64_t count = 0;
    if (!get(count) || count > blob.size()) return std::nullopt;
    plan.anchored.assign(blob.begin(), blob.begin() + static_cast<ptrdiff_t>(count));
    blob.remove_prefix(count);
    if (!get(count) || count > blob.size()) return std::nullopt;
    plan.anchors.resize(count);
    for (internal::Anchor& anchor : plan.anchors) {
      uint64_t length = 0, packed = 0;
      if (!get(length) || length > blob.size()) return std::nullopt;
      anchor.word = std::string(blob.substr(0, length));
      blob.remove_prefix(length);
      if (!get(packed)) return std::nullopt;
      anchor.exact = (packed >> 16) & 1;
      anchor.other_whole = (packed >> 17) & 1;
      anchor.other_before = (packed >> 18) & 1;
      anchor.spaces_before = static_cast<uint8_t>(packed >> 8);
      anchor.spaces_after = static_cast<uint8_t>(packed);
      for (std::string* part : {&anchor.other, &anchor.separator}) {
        if (!get(length) || length > blob.size()) return std::nullopt;
        *part = std::string(blob.substr(0, length));
        blob.remove_prefix(length);
      }
      if (anchor.separator.size() > internal::kMaxSeparator) return std::nullopt;
    }
    if (!blob.empty()) return std::nullopt;
    return plan;
  }

  // Loads databases and widths serialized by Serialize() for `key`. False, with nothing loaded,
  // when the blob is for other patterns, another Vectorscan or another CPU, or damaged: the
  // caller compiles instead.
  bool Load(std::string_view blob, const std::string& key) {
    if (blob.substr(0, kBlobMagic.size()) != kBlobMagic) return false;
    blob.remove_prefix(kBlobMagic.size());
    uint64_t memo_bytes = 0;
    if (blob.size() < sizeof memo_bytes) return false;
    std::memcpy(&memo_bytes, blob.data(), sizeof memo_bytes);
    if (memo_bytes > blob.size() - sizeof memo_bytes) return false;
    blob.remove_prefix(sizeof memo_bytes + memo_bytes);
    if (blob.substr(0, key.size()) != key) return false;
    blob.remove_prefix(key.size());
    auto get = [&](uint64_t& v) {
      if (blob.size() < sizeof v) return false;
      std::memcpy(&v, blob.data(), sizeof v);
      blob.remove_prefix(sizeof v);
      return true;
    };
    std::array<hs_database_t*, 6> databases{};
    auto fail = [&] {
      for (hs_database_t* d : databases) {
        if (d) hs_free_database(d);
      }
      return false;
    };
    for (hs_database_t*& database : databases) {
      uint64_t length = 0;
      if (!get(length) || length > blob.size()) return fail();
      if (length > 0 && hs_deserialize_database(blob.data(), length, &database) != HS_SUCCESS) {
        return fail();
      }
      blob.remove_prefix(length);
    }
    std::array<std::vector<Width>, 5> widths;
    for (std::vector<Width>& list : widths) {
      uint64_t count = 0;
      if (!get(count) || count > blob.size() / 16) return fail();
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t min = 0, max = 0;
        get(min);
        get(max);
        list.push_back({static_cast<uint32_t>(min), static_cast<uint32_t>(max)});
      }
    }
    if (!blob.empty() || widths[0].size() != patterns_.size() ||
        widths[1].size() != window_patterns_.size()) {
      return fail();
    }
    database_ = databases[0];
    window_ = databases[1];
    ordinary_ = databases[2];
    contexts_ = databases[3];
    cues_ = databases[4];
    excludes_ = databases[5];
    widths_ = std::move(widths[0]);
    window_widths_ = std::move(widths[1]);
    context_widths_ = std::move(widths[2]);
    cue_widths_ = std::move(widths[3]);
    exclude_widths_ = std::move(widths[4]);
    return true;
  }
  struct Pooled {
    hs_scratch_t* scratch = nullptr;
    ScanState state;
  };

  Pooled* Acquire() const {
    {
      std::lock_guard lock(pool_mutex_);
      if (!pool_.empty()) {
        Pooled* p = pool_.back();
        pool_.pop_back();
        return p;
      }
    }
    auto* p = new Pooled;
    if (scratch_ != nullptr && hs_clone_scratch(scratch_, &p->scratch) != HS_SUCCESS) {
      delete p;
      return nullptr;
    }
    return p;
  }
  void Release(Pooled* p) const {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(p);
  }

  // Scans text[from, to) with a word database; the whole-word matches are left in state.words
  // (their `types` holding the pattern id).
  void ScanWindow(ScanState& state, hs_scratch_t* scratch, const hs_database_t* database,
                  const std::vector<Width>& widths, size_t from, size_t to) const {
    state.words.clear();
    if (database == nullptr) return;
    state.word_widths = &widths;
    to = std::min(to, state.text.size());
    state.window_base = from;
    scan_(database, state.text.data() + from, static_cast<unsigned>(to - from), 0, scratch, OnWord,
          &state);
  }

  // The identifier types named by context words near [start, end), as masks from the most
  // specific context word (naming the fewest types) to the least.
  // levels[n - 1] holds the types of the context words naming n types; empty levels are 0.
  using ContextLevels = std::array<uint64_t, kFindingTypeCount>;
  ContextLevels ContextsNear(ScanState& state, hs_scratch_t* scratch, size_t start,
                             size_t end) const {
    ContextLevels levels{};
    ScanWindow(state, scratch, contexts_, context_widths_,
               start > kContextBefore ? start - kContextBefore : 0, end + kContextAfter);
    for (const WordMatch& word : state.words) {
      if (word.from < end && start < word.to) continue;  // inside the candidate
      uint64_t types = context_masks_[word.types];
      size_t n = static_cast<size_t>(__builtin_popcountll(types));
      if (n > 0) levels[n - 1] |= types;
    }
    return levels;
  }

  void AddFinding(ScanState& state, FindingType type, size_t start, size_t end, double score,
                  std::string_view validator) const {
    if (state.types.Contains(type)) state.findings.push_back({type, start, end, score, validator});
  }

  // Classifies the number groups[first..last]: a type named by a nearby context word for which
  // it is valid, else the first type that is certain without context in this shape.
  void ClassifyNumber(ScanState& state, hs_scratch_t* scratch,
                      const std::vector<DigitGroup>& groups, size_t first, size_t last) const {
    Shape shape = internal::ShapeOf(groups, first, last);
    if (shape.digits < 6 || shape.digits > 19) return;
    size_t start = groups[first].start;
    size_t end = groups[last].end;
    std::string_view candidate = state.text.substr(start, end - start);
    // The types it is valid for; passport, licence and identity card numbers are looked for
    // around their context words instead (ResolveTokenContexts).
    uint64_t valid = 0;
    for (const NumericType& n : kNumericTypes) {
      // shape.digits is at most 19 here.
      if (state.types.Contains(n.type) && ((n.digit_counts >> shape.digits) & 1) != 0 &&
          (n.written == nullptr || n.written(shape)) && ValidAs(n.type, candidate)) {
        valid |= Bit(n.type);
      }
    }
    if (valid == 0) return;
    for (uint64_t level : ContextsNear(state, scratch, start, end)) {
      for (const NumericType& n : kNumericTypes) {
        if (level & valid & Bit(n.type)) {
          AddFinding(state, n.type, start, end, kScoreCheckAndContext, n.validator);
          return;
        }
      }
    }
    for (const NumericType& n : kNumericTypes) {
      if ((valid & Bit(n.type)) && n.without_context(shape, candidate)) {
        bool check_digit = n.type != FindingType::kUsSsn && n.type != FindingType::kUsItin;
        AddFinding(state, n.type, start, end, check_digit ? kScoreCheckDigit : kScoreFormat,
                   n.validator);
        return;
      }
    }
  }

  // Letters and digits around a run glued to letters ("S1234567D", "A12345678"): an NRIC/FIN,
  // or with a context word a passport, licence or identity card number.
  void ClassifyToken(ScanState& state, hs_scratch_t* scratch, Span token) const {
    std::string_view candidate = state.text.substr(token.from, token.to - token.from);
    if (candidate.size() > 24) return;
    if (ValidSgNricFin(candidate)) {
      AddFinding(state, FindingType::kSgNricFin, token.from, token.to, kScoreCheckDigit,
                 "check_letter");
      return;
    }
    for (uint64_t level : ContextsNear(state, scratch, token.from, token.to)) {
      for (FindingType type : {FindingType::kDeIdCard, FindingType::kUsPassport,
                               FindingType::kUkPassport, FindingType::kUsDriverLicense}) {
        if ((level & Bit(type)) && ValidAs(type, candidate)) {
          bool check_digit = type == FindingType::kDeIdCard;
          AddFinding(state, type, token.from, token.to,
                     check_digit ? kScoreCheckAndContext : kScoreContextFormat,
                     ValidatorName(type));
          return;
        }
      }
    }
  }

  // Tokens of letters and digits, perhaps in groups joined by dashes, with at least one digit,
  // within reach of a context word of a passport, licence or identity card number.
  void ResolveTokenContexts(ScanState& state, hs_scratch_t* scratch) const {
    constexpr size_t kReach = 40;
    std::string_view text = state.text;
    auto alnum = [&](size_t i) {
      return IsDigit(static_cast<unsigned char>(text[i])) ||
             IsAsciiAlpha(static_cast<unsigned char>(text[i]));
    };
    for (Span context : state.token_contexts) {
      size_t lo = context.from > kReach ? context.from - kReach : 0;
      size_t hi = std::min(text.size(), context.to + kReach);
      for (size_t i = lo; i < hi; ++i) {
        if (!alnum(i) || (i > 0 && IsWordByte(static_cast<unsigned char>(text[i - 1])))) continue;
        size_t end = i;
        size_t digits = 0;
        while (end < text.size() && end - i <= 24) {
          if (alnum(end)) {
            digits += IsDigit(static_cast<unsigned char>(text[end]));
            ++end;
          } else if (text[end] == '-' && end + 1 < text.size() && alnum(end + 1)) {
            ++end;
          } else {
            break;
          }
        }
        if (digits > 0 && end - i >= 5 && end - i <= 24 &&
            (end == text.size() || !IsWordByte(static_cast<unsigned char>(text[end])))) {
          ClassifyToken(state, scratch, {i, end});
        }
        i = end;
      }
    }
  }

  void ResolveRuns(ScanState& state, hs_scratch_t* scratch) const {
    std::string_view text = state.text;
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const std::vector<DigitGroup>& groups = state.run_groups;
    for (auto [first, last] : state.runs) {
      size_t start = groups[first].start;
      size_t end = groups[last].end;
      bool glued_before = start > 0 && IsWordByte(byte(start - 1));
      bool glued_after = end < text.size() && IsWordByte(byte(end));
      if (glued_before || glued_after) {
        if (first == last) {
          ClassifyToken(state, scratch, Expand(text, start, [](unsigned char c) {
                          return IsDigit(c) || IsAsciiAlpha(c);
                        }));
        }
        continue;
      }
      if (start > 0 && text[start - 1] == '+') continue;  // an international phone number
      ClassifyNumber(state, scratch, groups, first, last);
      // Numbers written one after another ("order 12345 078-05-1120"): each space-separated
      // part on its own.
      size_t part = first;
      for (size_t g = first + 1; g <= last + 1; ++g) {
        if (g == last + 1 || groups[g].separator == ' ') {
          if (part != first || g != last + 1) ClassifyNumber(state, scratch, groups, part, g - 1);
          part = g;
        }
      }
    }
  }

  // The candidate of `type` ending at `end` and starting `min_length` to `max_length` bytes
  // before it, if one is valid and a whole word.
  void TryEndingAt(ScanState& state, hs_scratch_t* scratch, FindingType type, size_t end,
                   size_t min_length, size_t max_length) const {
    for (size_t length = min_length; length <= max_length && length <= end; ++length) {
      size_t start = end - length;
      if (!IsWholeWord(state.text, start, end)) continue;
      if (ValidAs(type, state.text.substr(start, length))) {
        bool context = false;
        for (uint64_t level : ContextsNear(state, scratch, start, end)) {
          context |= (level & Bit(type)) != 0;
        }
        AddFinding(state, type, start, end, context ? kScoreCheckAndContext : kScoreCheckDigit,
                   ValidatorName(type));
        return;
      }
    }
  }

  void ResolveTriggers(ScanState& state, hs_scratch_t* scratch) const {
    std::string_view text = state.text;
    for (auto [kind, end] : state.triggers) {
      switch (kind) {
        case Kind::kNino:  // 2 letters, 6 digits, a letter; up to 4 separators
          TryEndingAt(state, scratch, FindingType::kUkNino, end, 9, 13);
          break;
        case Kind::kPan:
          TryEndingAt(state, scratch, FindingType::kInPan, end, 10, 10);
          break;
        case Kind::kCorsicanNir:  // 15 characters, up to 6 separators
          TryEndingAt(state, scratch, FindingType::kFrNir, end, 15, 21);
          break;
        case Kind::kIban: {
          // From the country code, the longest run of letters and digits in groups that is a
          // valid IBAN.
          size_t start = end - 4;
          if (start > 0 && IsWordByte(static_cast<unsigned char>(text[start - 1]))) break;
          std::vector<size_t> ends;
          size_t i = end;
          size_t compact = 4;
          while (compact <= 34) {
            if (i < text.size() && (IsDigit(static_cast<unsigned char>(text[i])) ||
                                    IsAsciiAlpha(static_cast<unsigned char>(text[i])))) {
              ++compact;
              ++i;
              continue;
            }
            ends.push_back(i);
            if (i + 1 < text.size() && (text[i] == ' ' || text[i] == '-') &&
                IsWordByte(static_cast<unsigned char>(text[i + 1]))) {
              ++i;
              continue;
            }
            break;
          }
          for (auto it = ends.rbegin(); it != ends.rend(); ++it) {
            if ((*it == text.size() || !IsWordByte(static_cast<unsigned char>(text[*it]))) &&
                ValidAs(FindingType::kIban, text.substr(start, *it - start))) {
              AddFinding(state, FindingType::kIban, start, *it, kScoreCheckDigit, "mod97");
              break;
            }
          }
          break;
        }
        default:
          break;
      }
    }
  }

  void ResolveOrdinary(ScanState& state) const {
    std::string_view text = state.text;
    for (Span span : state.emails) {
      AddFinding(state, FindingType::kEmail, span.from, span.to, kScoreOrdinary, "format");
    }
    for (Span span : state.ips) {
      if (!IsWholeWord(text, span.from, span.to) || span.to - span.from > 45) continue;
      std::string address(text.substr(span.from, span.to - span.from));
      bool v6 = address.find(':') != std::string::npos;
      unsigned char parsed[16];
      bool valid = v6 ? address != "::" && inet_pton(AF_INET6, address.c_str(), parsed) == 1
                      : ValidIpv4(address);
      if (valid) {
        AddFinding(state, FindingType::kIpAddress, span.from, span.to, kScoreOrdinary, "format");
      }
    }
    for (Span span : state.phones) {
      std::string_view candidate = text.substr(span.from, span.to - span.from);
      size_t digits = std::count_if(candidate.begin(), candidate.end(),
                                    [](char c) { return IsDigit(static_cast<unsigned char>(c)); });
      if (digits < 7 || digits > 15) continue;
      if (!LooksLikePhone(candidate)) continue;
      if (ValidPhone(candidate)) {
        AddFinding(state, FindingType::kPhone, span.from, span.to, kScoreOrdinary,
                   "libphonenumber");
      }
    }
  }

  // What libphonenumber's Parse and IsValidNumber say of `candidate`, from the guard's own
  // check when it can tell.
  bool ValidPhone(std::string_view candidate) const {
    using Verdict = internal::PhoneCheck::Verdict;
    Verdict verdict = Verdict::kUnknown;
    if (fast_phone_check_) {
      // Built at the first phone number (some 15 ms), not at start: `privacyd scan` and the
      // collection points look for sensitive types only, unless told otherwise.
      std::call_once(phone_check_once_,
                     [this] { phone_check_ = internal::PhoneCheck::Create(region_); });
      verdict = phone_check_->Check(candidate);
    }
    if (verdict != Verdict::kUnknown) return verdict == Verdict::kValid;
    i18n::phonenumbers::PhoneNumber number;
    return phone_util_->Parse(std::string(candidate), region_, &number) ==
               i18n::phonenumbers::PhoneNumberUtil::NO_PARSING_ERROR &&
           phone_util_->IsValidNumber(number);
  }

  void ResolveRules(ScanState& state, hs_scratch_t* scratch) const {
    if (state.rules.empty()) return;
    std::string_view text = state.text;
    // Exclusions and cues are looked for once over the surroundings of all matches, windows
    // that overlap merged, so that a text full of matches is still scanned about once.
    constexpr size_t kBefore = std::max(kCueBefore, kExcludeReach);
    constexpr size_t kAfter = std::max(kCueAfter, kExcludeReach);
    auto& rules = state.rules;
    std::sort(rules.begin(), rules.end(),
              [](const RuleMatch& a, const RuleMatch& b) { return a.from < b.from; });
    state.exclusions.clear();
    state.cues.clear();
    for (size_t i = 0; i < rules.size();) {
      size_t from = rules[i].from > kBefore ? rules[i].from - kBefore : 0;
      size_t to = rules[i].to + kAfter;
      size_t j = i + 1;
      while (j < rules.size() && rules[j].from <= to + kBefore)
        to = std::max(to, rules[j++].to + kAfter);
      ScanWindow(state, scratch, excludes_, exclude_widths_, from, to);
      state.exclusions.insert(state.exclusions.end(), state.words.begin(), state.words.end());
      ScanWindow(state, scratch, cues_, cue_widths_, from, to);
      state.cues.insert(state.cues.end(), state.words.begin(), state.words.end());
      i = j;
    }
    auto by_from = [](const WordMatch& a, const WordMatch& b) { return a.from < b.from; };
    std::sort(state.exclusions.begin(), state.exclusions.end(), by_from);
    std::sort(state.cues.begin(), state.cues.end(), by_from);
    // The words of `words` that start in [lo, hi).
    auto starting = [&](const std::vector<WordMatch>& words, size_t lo, size_t hi) {
      auto first = std::lower_bound(words.begin(), words.end(), WordMatch{lo, 0, 0}, by_from);
      auto last = std::lower_bound(first, words.end(), WordMatch{hi, 0, 0}, by_from);
      return std::pair{first, last};
    };
    for (const RuleMatch& match : rules) {
      const RuleRef& ref = rules_[match.rule];
      if (!state.types.Contains(ref.rule->category)) continue;
      auto [e_first, e_last] = starting(
          state.exclusions, match.from > kMaxPhrase ? match.from - kMaxPhrase : 0, match.to);
      if (std::any_of(e_first, e_last, [&](const WordMatch& e) { return e.to > match.from; })) {
        continue;
      }
      if (ref.rule->needs_cue) {
        auto [c_first, c_last] =
            starting(state.cues, match.from > kCueBefore ? match.from - kCueBefore : 0,
                     match.to + kCueAfter);
        // A cue may also lie inside the span: a phrase of variable length is reported from the
        // earliest word it could start at, which can be the cue itself ("I have diabetes").
        bool cued = std::any_of(c_first, c_last, [&](const WordMatch& c) {
          if (c.from >= match.to) {
            return c.to <= match.to + kCueAfter &&
                   !internal::SentenceEndsBetween(text, match.to, c.from);
          }
          return c.to <= match.to && !internal::SentenceEndsBetween(text, c.to, match.to);
        });
        if (!cued) continue;
      }
      state.findings.push_back(
          {ref.rule->category, match.from, match.to, ref.rule->score, ref.validator});
    }
  }

  // Same-type overlaps merge into one finding; of overlapping identifiers of different types the
  // one with the higher score (then the longer) stays.
  static void Merge(std::vector<Finding>& findings) {
    // A total order, so that the same text always gives the same findings (two lexicons may
    // find the same term).
    std::sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.start, a.type, a.end, a.score, a.validator) <
             std::tie(b.start, b.type, b.end, b.score, b.validator);
    });
    // Findings of one type that were merged are disjoint and in order: a new one can only
    // overlap the last of its type.
    std::vector<Finding> merged;
    std::array<size_t, kFindingTypeCount> last;
    last.fill(SIZE_MAX);
    for (const Finding& f : findings) {
      size_t& previous = last[static_cast<size_t>(f.type)];
      if (previous != SIZE_MAX && merged[previous].end > f.start) {
        Finding& into = merged[previous];
        into.end = std::max(into.end, f.end);
        if (f.score > into.score) {
          into.score = f.score;
          into.validator = f.validator;
        }
        continue;
      }
      previous = merged.size();
      merged.push_back(f);
    }
    auto identifier = [](FindingType t) { return t <= FindingType::kIban; };
    std::vector<bool> dropped(merged.size(), false);
    for (size_t i = 0; i < merged.size(); ++i) {
      if (!identifier(merged[i].type)) continue;
      for (size_t j = i + 1; j < merged.size() && merged[j].start < merged[i].end; ++j) {
        if (!identifier(merged[j].type) || dropped[j] || dropped[i]) continue;
        const Finding& a = merged[i];
        const Finding& b = merged[j];
        bool keep_a =
            a.score > b.score || (a.score == b.score && a.end - a.start >= b.end - b.start);
        dropped[keep_a ? j : i] = true;
      }
    }
    findings.clear();
    for (size_t i = 0; i < merged.size(); ++i) {
      if (!dropped[i]) findings.push_back(merged[i]);
    }
  }

  void Resolve(ScanState& state, hs_scratch_t* scratch) const {
    ResolveRuns(state, scratch);
    ResolveTokenContexts(state, scratch);
    ResolveTriggers(state, scratch);
    ResolveOrdinary(state);
    ResolveRules(state, scratch);
    Merge(state.findings);
  }

  std::deque<Lexicon> lexicons_;  // stable addresses: rules_ points into them
  std::vector<RuleRef> rules_;
  std::vector<PatternInfo> patterns_;
  std::vector<uint64_t> context_masks_;
  std::string key_;
  AnchorPlan plan_;            // of the two-stage scan, for Serialize()
  bool use_plan_ = true;       // false: the blob's plan was for other patterns; work it out
  std::vector<Width> widths_;  // of the main database's patterns
  // Two stages: the anchored rules' database, scanned in windows, and its anchors.
  bool two_stage_ = true;
  bool pair_anchors_ = true;  // GuardOptions::pair_anchors
  hs_database_t* window_ = nullptr;
  std::vector<PatternInfo> window_patterns_;
  std::vector<Width> window_widths_;
  internal::AnchorIndex anchors_;
  bool trigger_pass_ = true;  // the identifier triggers by internal::FindTriggers
  std::vector<Width> context_widths_;
  std::vector<Width> cue_widths_;
  std::vector<Width> exclude_widths_;
  hs_database_t* database_ = nullptr;
  hs_database_t* ordinary_ = nullptr;
  std::vector<PatternInfo> ordinary_patterns_;
  hs_database_t* contexts_ = nullptr;
  hs_database_t* cues_ = nullptr;
  hs_database_t* excludes_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;  // large enough for every database
  // hs_scan, or the copy of it that finds every match on this machine (vectorscan_entry.h).
  internal::ScanFunction scan_ = internal::CheckedVectorscan().scan;
  mutable std::mutex pool_mutex_;
  mutable std::vector<Pooled*> pool_;
  GuardStats stats_;
  std::string region_;
  const i18n::phonenumbers::PhoneNumberUtil* phone_util_ = nullptr;
  bool fast_phone_check_ = true;
  mutable std::once_flag phone_check_once_;
  mutable std::unique_ptr<internal::PhoneCheck> phone_check_;
};

}  // namespace

Result<std::string> Guard::Precompile(const GuardOptions& options) {
  VectorscanGuard guard;
  GuardOptions compile = options;
  compile.precompiled = {};
  auto ok = guard.Init(compile);
  if (!ok.ok()) return ok.error();
  return guard.Serialize();
}

Result<std::unique_ptr<Guard>> Guard::Create(const GuardOptions& options) {
  // libphonenumber logs parse failures, which would put the scanned text in the logs.
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    i18n::phonenumbers::PhoneNumberUtil::GetInstance()->SetLogger(
        new i18n::phonenumbers::NullLogger());
  });
  auto guard = std::make_unique<VectorscanGuard>();
  auto ok = guard->Init(options);
  if (ok.ok() && !*ok) {
    // The blob's anchor plan was for other patterns: without it.
    guard = std::make_unique<VectorscanGuard>();
    guard->IgnorePlan();
    ok = guard->Init(options);
  }
  if (!ok.ok()) return ok.error();
  return std::unique_ptr<Guard>(std::move(guard));
}

}  // namespace privacyd::guard
