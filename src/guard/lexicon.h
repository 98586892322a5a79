// Lexicons of the sensitive-data guard: the special-category rules, personal cues, business
// exclusions and identifier context words of one language, parsed from a YAML file (format in
// docs/guard.md). Patterns come out expanded ({name} replaced by its list) and ready to compile.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "guard/guard.h"

namespace privacyd::guard {

struct LexiconRule {
  FindingType category;  // one of the special categories
  std::string pattern;   // expanded
  bool needs_cue = false;
  double score = 0.9;
  size_t index = 0;  // position in the file's `rules`, for messages
};

struct IdContext {
  FindingType type;  // an identifier type
  std::string pattern;
};

struct Lexicon {
  std::string name;       // the source's name
  std::string language;   // "en"
  std::string validator;  // "lexicon:en"
  std::vector<LexiconRule> rules;
  std::vector<std::string> cues;
  std::vector<std::string> excludes;
  std::vector<IdContext> id_context;
};

// Parses one lexicon. Errors: invalid_argument `lexicon_invalid`, naming the source, the key
// path and what is wrong (not YAML, unknown key, unknown category or list, empty pattern).
Result<Lexicon> ParseLexicon(const LexiconSource& source);

// The built-in English, German and French lexicons (data/guard/lexicons/*.yml).
std::vector<LexiconSource> BuiltinLexicons();

}  // namespace privacyd::guard
