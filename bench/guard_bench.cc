// Scanning throughput of the sensitive-data guard, with every detector on (TypeSet::All()), and
// for the forms also with the sensitive types only (TypeSet::Sensitive(), the default of the
// collection points and of `privacyd scan`: no EMAIL, PHONE, IP_ADDRESS), and with every type on
// and each phone number candidate judged by libphonenumber alone, as before the guard's own
// phone check; beside them, the guard as it was before three of its changes: the lexicon rules
// in one pass, the identifier triggers compiled into Vectorscan, and the rules anchored on
// single words only (no pairs of words). BM_GuardAnchorWindows times the pass over the words for
// the anchors alone and counts the windows it opens, with pairs and without.
//
// The texts are generated deterministically from the sentence lists of bench/data/forms.txt:
//   - mixed forms: 1,024 form submissions of exactly 2,048 bytes in English, German and French,
//     mostly business text (order numbers, amounts, dates, e-mail addresses, phone numbers), a
//     third of them with one identifier sentence and a fifth with one special-category sentence;
//   - clean forms: the same, business sentences only;
//   - large buffer: 2,048 other mixed forms joined by line breaks (4 MiB), scanned as one buffer.
// One iteration of a *Forms benchmark scans one form, so its time is the time per 2 KB form;
// bytes_per_second is the throughput and items_per_second the forms per second. Each runs on one
// thread (CPU time: the rate per core) and on two threads sharing the one Guard (wall time: the
// rate of both cores together).
//
// Baselines in the same run, over the same buffers: BM_Baseline_Count (std::count of one byte,
// about the least any scan can cost) and BM_Baseline_StdRegex (std::regex searching five
// identifier patterns one after the other, the straightforward way to write a scanner).
// BM_GuardCompile builds the Guard and reports the pattern database's compile time and memory
// from Guard::stats(); BM_GuardPlantedCheck reports the share of planted identifiers and
// special-category sentences found in the mixed forms, so that a fast run is known to have
// looked at what it scanned.
//
// BM_GuardTexts scans other texts one line at a time, as bench/guard_compare.sh times the npm
// libraries: the lines of --texts=FILE, or else the "text" of every line of
// tests/guard/corpus/*.jsonl when that corpus exists. --forms=FILE replaces bench/data/forms.txt.
// --dump_forms=FILE writes the mixed forms to FILE, one per line, and exits: the texts
// bench/guard_compare.sh gives the npm libraries. --lexicons=DIR builds the guard from every
// *.yml of DIR instead of the built-in lexicons (compiled at start), to measure a lexicon before
// it is built in.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "guard/anchors.h"
#include "guard/guard.h"
#include "guard/lexicon.h"
#include "guard/text_scan.h"

namespace privacyd::guard {
namespace {

constexpr size_t kFormBytes = 2048;
constexpr size_t kFormCount = 1024;
constexpr size_t kLargeBufferForms = 2048;
constexpr double kIdShare = 0.33;
constexpr double kSpecialShare = 0.20;

std::string g_forms_path = PRIVACYD_SOURCE_DIR "/bench/data/forms.txt";
std::string g_texts_path;       // --texts=FILE
std::string g_dump_forms_path;  // --dump_forms=FILE
std::string g_lexicons_dir;     // --lexicons=DIR

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "guard_bench: %s\n", message.c_str());
  std::exit(1);
}

// --- The sentence lists ---------------------------------------------------------------------

struct Planted {
  std::string sentence;
  FindingType type;
  bool special;  // a special category, not an identifier
};

struct Language {
  std::vector<std::string> business;
  std::vector<Planted> special;
  std::vector<Planted> ids;
};

struct Sentences {
  std::map<std::string, Language> languages;  // by language code
};

Sentences LoadSentences(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  Sentences out;
  std::string line, kind, lang;
  FindingType type = FindingType::kUsSsn;  // of the current special or id section
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::istringstream header(line.substr(1, line.size() - 2));
      std::string type_name;
      header >> kind >> lang >> type_name;
      if (kind != "business" && kind != "special" && kind != "id") {
        Die(path + ":" + std::to_string(line_no) + ": unknown section kind '" + kind + "'");
      }
      if (kind != "business") {
        std::optional<FindingType> named = FindingTypeFromName(type_name);
        if (!named)
          Die(path + ":" + std::to_string(line_no) + ": unknown type '" + type_name + "'");
        type = *named;
      }
      continue;
    }
    if (lang.empty()) Die(path + ":" + std::to_string(line_no) + ": sentence before any section");
    Language& l = out.languages[lang];
    if (kind == "business") {
      l.business.push_back(line);
    } else if (kind == "special") {
      l.special.push_back({line, type, true});
    } else {
      l.ids.push_back({line, type, false});
    }
  }
  for (const auto& [code, l] : out.languages) {
    if (l.business.empty()) Die(path + ": no business sentences for '" + code + "'");
  }
  return out;
}

const Sentences& TheSentences() {
  static const Sentences sentences = LoadSentences(g_forms_path);
  return sentences;
}

// --- Generated forms ------------------------------------------------------------------------

// A deterministic generator, the same on every platform (the standard distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : x_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t Next() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Chance(double p) { return static_cast<double>(Next() % 1000000) < p * 1000000; }

 private:
  uint64_t x_;
};

struct Form {
  std::string text;
  std::vector<const Planted*> planted;  // what was put in on purpose
};

// One form of exactly kFormBytes bytes: business sentences of one language, with the planted
// sentences placed in the first half so that the final cut never touches them.
Form MakeForm(const Sentences& s, Rng& rng, bool mixed) {
  std::vector<std::string> codes;
  for (const auto& [code, l] : s.languages) codes.push_back(code);
  const Language& l = s.languages.at(codes[rng.Below(codes.size())]);
  std::vector<const Planted*> planted;
  if (mixed && !l.ids.empty() && rng.Chance(kIdShare)) {
    planted.push_back(&l.ids[rng.Below(l.ids.size())]);
  }
  if (mixed && !l.special.empty() && rng.Chance(kSpecialShare)) {
    planted.push_back(&l.special[rng.Below(l.special.size())]);
  }
  Form form;
  std::vector<std::string> sentences;
  size_t bytes = 0;
  while (bytes < kFormBytes) {
    sentences.push_back(l.business[rng.Below(l.business.size())]);
    bytes += sentences.back().size() + 1;
  }
  for (const Planted* p : planted) {
    size_t at = rng.Below(sentences.size() / 2 + 1);
    sentences.insert(sentences.begin() + static_cast<std::ptrdiff_t>(at), p->sentence);
    form.planted.push_back(p);
  }
  for (const std::string& sentence : sentences) {
    if (!form.text.empty()) form.text += ' ';
    form.text += sentence;
  }
  // Cut to the size at a character boundary (never inside a UTF-8 sequence), then pad.
  size_t cut = std::min(form.text.size(), kFormBytes);
  while (cut > 0 && (static_cast<unsigned char>(form.text[cut]) & 0xC0) == 0x80) --cut;
  form.text.resize(cut);
  form.text.append(kFormBytes - cut, ' ');
  return form;
}

std::vector<Form> MakeForms(size_t count, bool mixed, uint64_t seed) {
  Rng rng(seed);
  std::vector<Form> forms;
  forms.reserve(count);
  for (size_t i = 0; i < count; ++i) forms.push_back(MakeForm(TheSentences(), rng, mixed));
  return forms;
}

const std::vector<Form>& MixedForms() {
  static const std::vector<Form> forms = MakeForms(kFormCount, true, 1);
  return forms;
}

const std::vector<Form>& CleanForms() {
  static const std::vector<Form> forms = MakeForms(kFormCount, false, 2);
  return forms;
}

const std::string& LargeBuffer() {
  static const std::string buffer = [] {
    std::string out;
    for (const Form& f : MakeForms(kLargeBufferForms, true, 3)) {
      out += f.text;
      out += '\n';
    }
    return out;
  }();
  return buffer;
}

const std::vector<Form>& FormsOf(int64_t corpus) {
  return corpus == 0 ? MixedForms() : CleanForms();
}
const char* CorpusName(int64_t corpus) { return corpus == 0 ? "mixed" : "clean"; }

// --- The guard ------------------------------------------------------------------------------

// The options of every Guard built here: the built-in lexicons, or those of --lexicons=DIR.
GuardOptions Options() {
  GuardOptions options;
  if (g_lexicons_dir.empty()) return options;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(g_lexicons_dir, ec)) {
    if (entry.path().extension() == ".yml") files.push_back(entry.path());
  }
  if (ec || files.empty()) Die("no *.yml lexicon in " + g_lexicons_dir);
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    options.lexicons.push_back({file.string(), text.str()});
  }
  return options;
}

const Guard& TheGuard() {
  static const std::unique_ptr<Guard> guard = [] {
    auto created = Guard::Create(Options());
    if (!created.ok()) Die("Guard::Create: " + created.error().message());
    return std::move(created).value();
  }();
  return *guard;
}

// The same guard with every phone number candidate handed to libphonenumber's Parse and
// IsValidNumber (GuardOptions::fast_phone_check off): what PHONE cost before the guard judged
// numbers from libphonenumber's metadata itself. Same findings.
const Guard& TheLibphonenumberGuard() {
  static const std::unique_ptr<Guard> guard = [] {
    GuardOptions options;
    options.fast_phone_check = false;
    auto created = Guard::Create(options);
    if (!created.ok()) Die("Guard::Create: " + created.error().message());
    return std::move(created).value();
  }();
  return *guard;
}

// The same guard with every lexicon rule scanned over the whole text in one pass
// (GuardOptions::two_stage_lexicons off): the engine before the two-stage scan. Same findings.
const Guard& TheSinglePassGuard() {
  static const std::unique_ptr<Guard> guard = [] {
    GuardOptions options = Options();
    options.two_stage_lexicons = false;
    auto created = Guard::Create(options);
    if (!created.ok()) Die("Guard::Create: " + created.error().message());
    return std::move(created).value();
  }();
  return *guard;
}

// The same guard with every phrase anchored on one word, never on a pair of words
// (GuardOptions::pair_anchors off): how the windows were found before pairs. Same findings.
const Guard& TheSingleWordAnchorGuard() {
  static const std::unique_ptr<Guard> guard = [] {
    GuardOptions options = Options();
    options.pair_anchors = false;
    auto created = Guard::Create(options);
    if (!created.ok()) Die("Guard::Create: " + created.error().message());
    return std::move(created).value();
  }();
  return *guard;
}

// The same guard with the identifier triggers compiled into Vectorscan databases
// (GuardOptions::trigger_pass off): how they were found before the pass over the digits, '@'
// and ':' of the text. Same findings.
const Guard& TheVectorscanTriggerGuard() {
  static const std::unique_ptr<Guard> guard = [] {
    GuardOptions options = Options();
    options.trigger_pass = false;
    auto created = Guard::Create(options);
    if (!created.ok()) Die("Guard::Create: " + created.error().message());
    return std::move(created).value();
  }();
  return *guard;
}

const TypeSet kAll = TypeSet::All();
// What the collection points and `privacyd scan` look for by default: without EMAIL, PHONE and
// IP_ADDRESS.
const TypeSet kSensitive = TypeSet::Sensitive();

// types: 0 every type, 1 the sensitive ones, 2 every type with PHONE through libphonenumber,
// 3 every type and 4 the sensitive ones with the lexicon rules in one pass, 5 every type and 6
// the sensitive ones with the identifier triggers compiled into Vectorscan, 7 every type and 8
// the sensitive ones with the rules anchored on single words only.
const TypeSet& TypesOf(int64_t types) {
  return types == 1 || types == 4 || types == 6 || types == 8 ? kSensitive : kAll;
}
const char* TypesName(int64_t types) {
  switch (types) {
    case 0:
      return "all types";
    case 1:
      return "sensitive types";
    case 2:
      return "all types, libphonenumber";
    case 3:
      return "all types, single pass";
    case 4:
      return "sensitive types, single pass";
    case 5:
      return "all types, Vectorscan triggers";
    case 6:
      return "sensitive types, Vectorscan triggers";
    case 7:
      return "all types, single-word anchors";
    default:
      return "sensitive types, single-word anchors";
  }
}
const Guard& GuardOf(int64_t types) {
  if (types == 2) return TheLibphonenumberGuard();
  if (types >= 7) return TheSingleWordAnchorGuard();
  if (types >= 5) return TheVectorscanTriggerGuard();
  if (types >= 3) return TheSinglePassGuard();
  return TheGuard();
}

// --- Scanning -------------------------------------------------------------------------------

// Args: corpus (0: mixed forms, 1: clean forms), types (0: every type, 1: the sensitive ones,
// 2: every type, phone numbers through libphonenumber alone, 3 and 4: as 0 and 1 with the
// lexicon rules in one pass, 5 and 6: as 0 and 1 with the identifier triggers compiled into
// Vectorscan, 7 and 8: as 0 and 1 with the rules anchored on single words only). One iteration
// scans one form; the threads start at different forms.
void BM_GuardForms(benchmark::State& state) {
  const Guard& guard = GuardOf(state.range(1));
  const std::vector<Form>& forms = FormsOf(state.range(0));
  const TypeSet& types = TypesOf(state.range(1));
  size_t i = static_cast<size_t>(state.thread_index()) * forms.size() / 2;
  int64_t findings = 0;
  for (auto _ : state) {
    std::vector<Finding> found = guard.Scan(forms[i].text, types);
    findings += static_cast<int64_t>(found.size());
    benchmark::DoNotOptimize(found.data());
    if (++i == forms.size()) i = 0;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kFormBytes));
  state.SetItemsProcessed(state.iterations());
  state.counters["findings_per_form"] =
      benchmark::Counter(static_cast<double>(findings), benchmark::Counter::kAvgIterations);
  state.SetLabel(std::string(CorpusName(state.range(0))) + ", " + TypesName(state.range(1)));
}
BENCHMARK(BM_GuardForms)
    ->ArgNames({"corpus", "types"})
    ->ArgsProduct({{0, 1}, {0, 1, 2, 3, 4, 5, 6, 7, 8}});
BENCHMARK(BM_GuardForms)
    ->ArgNames({"corpus", "types"})
    ->ArgsProduct({{0, 1}, {0, 1, 3, 4}})
    ->Threads(2)
    ->UseRealTime();

// The 4 MiB buffer in one Scan call.
void BM_GuardLargeBuffer(benchmark::State& state) {
  const Guard& guard = TheGuard();
  const std::string& buffer = LargeBuffer();
  int64_t findings = 0;
  for (auto _ : state) {
    std::vector<Finding> found = guard.Scan(buffer, kAll);
    findings = static_cast<int64_t>(found.size());
    benchmark::DoNotOptimize(found.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_GuardLargeBuffer)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GuardLargeBuffer)->Unit(benchmark::kMillisecond)->Threads(2)->UseRealTime();

// An input stream reading a buffer in place (std::istringstream would copy it each time).
class BufferStream : private std::streambuf, public std::istream {
 public:
  explicit BufferStream(const std::string& buffer) : std::istream(this) {
    char* begin = const_cast<char*>(buffer.data());
    setg(begin, begin, begin + buffer.size());
  }
};

// The same buffer through ScanStream, as `privacyd scan` reads a file: bounded memory, findings
// delivered by callback.
void BM_GuardLargeStream(benchmark::State& state) {
  const Guard& guard = TheGuard();
  const std::string& buffer = LargeBuffer();
  int64_t findings = 0;
  for (auto _ : state) {
    BufferStream in(buffer);
    findings = 0;
    auto read = guard.ScanStream(in, kAll, [&findings](const Finding&) { ++findings; });
    if (!read.ok()) {
      state.SkipWithError(read.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(*read);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_GuardLargeStream)->Unit(benchmark::kMillisecond);

// --- Baselines ------------------------------------------------------------------------------

// Touching every byte once: std::count compiles to a vectorised loop.
void BM_Baseline_CountForms(benchmark::State& state) {
  const std::vector<Form>& forms = FormsOf(state.range(0));
  size_t i = static_cast<size_t>(state.thread_index()) * forms.size() / 2;
  int64_t total = 0;
  for (auto _ : state) {
    const std::string& text = forms[i].text;
    total += std::count(text.begin(), text.end(), '@');
    benchmark::DoNotOptimize(total);
    if (++i == forms.size()) i = 0;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kFormBytes));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(CorpusName(state.range(0)));
}
BENCHMARK(BM_Baseline_CountForms)->ArgName("corpus")->Arg(0)->Arg(1);

void BM_Baseline_CountLargeBuffer(benchmark::State& state) {
  const std::string& buffer = LargeBuffer();
  for (auto _ : state) {
    auto n = std::count(buffer.begin(), buffer.end(), '@');
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
}
BENCHMARK(BM_Baseline_CountLargeBuffer)->Unit(benchmark::kMillisecond);

// Five identifier shapes with std::regex, searched one after the other, no validation: a small
// fraction of what the guard looks for.
const std::vector<std::regex>& BaselineRegexes() {
  static const std::vector<std::regex> regexes = [] {
    const char* const patterns[] = {
        R"(\b\d{3}-\d{2}-\d{4}\b)",                                        // US SSN, written 3-2-4
        R"(\b(?:\d{4}[ -]?){3}\d{4}\b)",                                   // 16-digit card
        R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b)",  // IBAN
        R"(\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)",                     // UK NINO
        R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",               // e-mail
    };
    std::vector<std::regex> out;
    for (const char* p : patterns)
      out.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
    return out;
  }();
  return regexes;
}

void BM_Baseline_StdRegexForms(benchmark::State& state) {
  const std::vector<std::regex>& regexes = BaselineRegexes();
  const std::vector<Form>& forms = FormsOf(state.range(0));
  size_t i = 0;
  int64_t matches = 0;
  for (auto _ : state) {
    const std::string& text = forms[i].text;
    for (const std::regex& re : regexes) {
      for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) ++matches;
    }
    if (++i == forms.size()) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kFormBytes));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(CorpusName(state.range(0)));
}
BENCHMARK(BM_Baseline_StdRegexForms)->ArgName("corpus")->Arg(0)->Arg(1);

// --- Checking UTF-8 -------------------------------------------------------------------------

// internal::SanitizeUtf8's check as it was before it skipped to the first non-ASCII byte of eight
// at once, kept here to be measured beside it: the same result, one byte at a time up to it.
bool ValidUtf8Before(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t n = internal::Utf8SequenceLength(text, i);
    if (n == 0) break;
    i += n;
  }
  return i == text.size();
}

// The UTF-8 check every Scan starts with, over the mixed forms (valid UTF-8, so nothing is
// copied). Arg: 0 internal::SanitizeUtf8, 1 the check before it (ValidUtf8Before).
void BM_GuardSanitize(benchmark::State& state) {
  const std::vector<Form>& forms = MixedForms();
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& text = forms[i].text;
    bool valid = state.range(0) == 0 ? !internal::SanitizeUtf8(text, out) : ValidUtf8Before(text);
    if (!valid) state.SkipWithError("a form is not valid UTF-8");
    benchmark::DoNotOptimize(valid);
    if (++i == forms.size()) i = 0;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kFormBytes));
  state.SetLabel(state.range(0) == 0 ? "now" : "before");
}
BENCHMARK(BM_GuardSanitize)->ArgName("before")->Arg(0)->Arg(1);

// --- The anchor windows ---------------------------------------------------------------------

// The anchors of the built-in lexicons' rules and of the context words looked for in the
// windows, as the guard works them out (a rule of up to 2,000 phrases is anchored whole, and one
// that cannot be anchored so is tried with 20,000, as vectorscan_guard.cc's kMaxRulePhrases and
// kMaxRulePhrasesRetried), with pairs of words or without.
const internal::AnchorIndex& AnchorsOfBuiltins(bool pairs) {
  auto build = [](bool with_pairs) {
    std::vector<internal::Anchor> anchors;
    auto add = [&](const std::string& pattern) {
      auto found = internal::AnchorsOf(pattern, 2000, with_pairs);
      if (!found) found = internal::AnchorsOf(pattern, 20000, with_pairs);
      if (found) anchors.insert(anchors.end(), found->begin(), found->end());
    };
    for (const LexiconSource& source : BuiltinLexicons()) {
      auto lexicon = ParseLexicon(source);
      if (!lexicon.ok()) Die("ParseLexicon: " + lexicon.error().message());
      for (const LexiconRule& rule : lexicon->rules) add(rule.pattern);
      for (const IdContext& context : lexicon->id_context) {
        if (context.type == FindingType::kDeIdCard || context.type == FindingType::kUsPassport ||
            context.type == FindingType::kUkPassport ||
            context.type == FindingType::kUsDriverLicense) {
          add(context.pattern);
        }
      }
    }
    return internal::AnchorIndex(anchors);
  };
  static const internal::AnchorIndex with_pairs = build(true);
  static const internal::AnchorIndex without = build(false);
  return pairs ? with_pairs : without;
}

// The pass over the words for the anchors alone (AnchorIndex::FindWindows), over the mixed or
// clean forms, and the windows it opens: per form, and their bytes. Args: corpus (0: mixed, 1:
// clean), pairs (0: single-word anchors, 1: pairs of words where a word is common).
void BM_GuardAnchorWindows(benchmark::State& state) {
  const internal::AnchorIndex& index = AnchorsOfBuiltins(state.range(1) == 1);
  const std::vector<Form>& forms = FormsOf(state.range(0));
  std::vector<internal::Window> windows;
  double count = 0, bytes = 0;
  for (const Form& form : forms) {
    index.FindWindows(form.text, windows);
    count += static_cast<double>(windows.size());
    for (internal::Window w : windows) bytes += static_cast<double>(w.to - w.from);
  }
  size_t i = 0;
  for (auto _ : state) {
    index.FindWindows(forms[i].text, windows);
    benchmark::DoNotOptimize(windows.data());
    if (++i == forms.size()) i = 0;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kFormBytes));
  state.counters["windows_per_form"] = count / static_cast<double>(forms.size());
  state.counters["window_bytes_per_form"] = bytes / static_cast<double>(forms.size());
  state.counters["anchor_keys"] = static_cast<double>(index.size());
  state.SetLabel(std::string(CorpusName(state.range(0))) +
                 (state.range(1) == 1 ? ", pairs" : ", single words"));
}
BENCHMARK(BM_GuardAnchorWindows)->ArgNames({"corpus", "pairs"})->ArgsProduct({{0, 1}, {0, 1}});

// --- Compiling ------------------------------------------------------------------------------

// Arg: 0 the two-stage lexicon scan, 1 one pass.
void BM_GuardCompile(benchmark::State& state) {
  GuardStats stats;
  double compile_ms = 0;
  GuardOptions options = Options();
  options.two_stage_lexicons = state.range(0) == 0;
  for (auto _ : state) {
    auto created = Guard::Create(options);
    if (!created.ok()) {
      state.SkipWithError(created.error().message().c_str());
      break;
    }
    stats = (*created)->stats();
    compile_ms += stats.compile_ms;
  }
  state.counters["compile_ms"] = benchmark::Counter(compile_ms, benchmark::Counter::kAvgIterations);
  state.counters["patterns"] = static_cast<double>(stats.patterns);
  state.counters["database_bytes"] =
      benchmark::Counter(static_cast<double>(stats.database_bytes), benchmark::Counter::kDefaults,
                         benchmark::Counter::kIs1024);
  state.counters["scratch_bytes"] =
      benchmark::Counter(static_cast<double>(stats.scratch_bytes), benchmark::Counter::kDefaults,
                         benchmark::Counter::kIs1024);
  state.counters["rules"] = static_cast<double>(stats.rules);
  state.counters["anchored_rules"] = static_cast<double>(stats.anchored_rules);
  state.counters["whole_text_patterns"] = static_cast<double>(stats.whole_text_patterns);
  state.counters["anchor_words"] = static_cast<double>(stats.anchor_words);
  state.counters["anchor_bytes"] =
      benchmark::Counter(static_cast<double>(stats.anchor_bytes), benchmark::Counter::kDefaults,
                         benchmark::Counter::kIs1024);
  state.SetLabel(state.range(0) == 0 ? "two stages" : "single pass");
}
BENCHMARK(BM_GuardCompile)->ArgName("single_pass")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// --- What the scans found -------------------------------------------------------------------

// The share of planted items found (a finding of the planted type anywhere in the form), and the
// number of clean forms with a sensitive finding (business text holds e-mail addresses, phone
// numbers and an IP address on purpose; those are not sensitive).
// Arg: 0 the two-stage lexicon scan, 1 one pass.
void BM_GuardPlantedCheck(benchmark::State& state) {
  const Guard& guard = state.range(0) == 0 ? TheGuard() : TheSinglePassGuard();
  double id_planted = 0, id_found = 0, special_planted = 0, special_found = 0, clean_flagged = 0;
  for (auto _ : state) {
    id_planted = id_found = special_planted = special_found = clean_flagged = 0;
    for (const Form& form : MixedForms()) {
      std::vector<Finding> found = guard.Scan(form.text, kAll);
      for (const Planted* p : form.planted) {
        bool hit = std::any_of(found.begin(), found.end(),
                               [p](const Finding& f) { return f.type == p->type; });
        (p->special ? special_planted : id_planted) += 1;
        (p->special ? special_found : id_found) += hit;
      }
    }
    for (const Form& form : CleanForms()) {
      std::vector<Finding> found = guard.Scan(form.text, kAll);
      clean_flagged += std::any_of(found.begin(), found.end(),
                                   [](const Finding& f) { return IsSensitive(f.type); });
    }
  }
  state.counters["id_planted"] = id_planted;
  state.counters["id_found"] = id_found;
  state.counters["special_planted"] = special_planted;
  state.counters["special_found"] = special_found;
  state.counters["clean_forms_flagged"] = clean_flagged;
  if (id_found == 0) state.SkipWithError("no planted identifier found: the forms test nothing");
  state.SetLabel(state.range(0) == 0 ? "two stages" : "single pass");
}
BENCHMARK(BM_GuardPlantedCheck)
    ->ArgName("single_pass")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// --- Other texts, one line at a time --------------------------------------------------------

std::vector<std::string> ReadTextLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The "text" of every line of the labelled corpus, files in name order; empty when there is none.
std::vector<std::string> ReadCorpusTexts() {
  namespace fs = std::filesystem;
  const fs::path dir = PRIVACYD_SOURCE_DIR "/tests/guard/corpus";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const fs::path& file : files) {
    int line_no = 0;
    for (const std::string& line : ReadTextLines(file.string())) {
      ++line_no;
      if (line.empty()) continue;
      try {
        out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
      } catch (const nlohmann::json::exception& e) {
        Die(file.string() + ":" + std::to_string(line_no) + ": " + e.what());
      }
    }
  }
  return out;
}

std::vector<std::string>& Texts() {
  static std::vector<std::string> texts =
      g_texts_path.empty() ? ReadCorpusTexts() : ReadTextLines(g_texts_path);
  return texts;
}

// One iteration scans every text once, each in its own Scan call. Arg: 0 the two-stage lexicon
// scan, 1 one pass.
void BM_GuardTexts(benchmark::State& state) {
  const Guard& guard = state.range(0) == 0 ? TheGuard() : TheSinglePassGuard();
  const std::vector<std::string>& texts = Texts();
  int64_t bytes = 0;
  for (const std::string& t : texts) bytes += static_cast<int64_t>(t.size());
  int64_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    for (const std::string& text : texts) {
      std::vector<Finding> found = guard.Scan(text, kAll);
      findings += static_cast<int64_t>(found.size());
      benchmark::DoNotOptimize(found.data());
    }
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(texts.size()));
  state.counters["texts"] = static_cast<double>(texts.size());
  state.counters["findings"] = static_cast<double>(findings);
  state.SetLabel(state.range(0) == 0 ? "two stages" : "single pass");
}

}  // namespace
}  // namespace privacyd::guard

int main(int argc, char** argv) {
  using namespace privacyd::guard;
  // Our own flags are taken out before Google Benchmark parses the rest.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (i > 0 && arg.rfind("--texts=", 0) == 0) {
      g_texts_path = std::string(arg.substr(8));
    } else if (i > 0 && arg.rfind("--forms=", 0) == 0) {
      g_forms_path = std::string(arg.substr(8));
    } else if (i > 0 && arg.rfind("--lexicons=", 0) == 0) {
      g_lexicons_dir = std::string(arg.substr(11));
    } else if (i > 0 && arg.rfind("--dump_forms=", 0) == 0) {
      g_dump_forms_path = std::string(arg.substr(13));
    } else {
      args.push_back(argv[i]);
    }
  }
  if (!g_dump_forms_path.empty()) {
    std::ofstream out(g_dump_forms_path, std::ios::binary);
    for (const Form& form : MixedForms()) out << form.text << '\n';
    out.close();
    if (!out) Die("cannot write " + g_dump_forms_path);
    return 0;
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  if (!Texts().empty()) {
    benchmark::RegisterBenchmark("BM_GuardTexts", BM_GuardTexts)
        ->ArgName("single_pass")
        ->Arg(0)
        ->Arg(1)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_GuardTexts", BM_GuardTexts)
        ->ArgName("single_pass")
        ->Arg(0)
        ->Unit(benchmark::kMillisecond)
        ->Threads(2)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
