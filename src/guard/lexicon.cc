#include "guard/lexicon.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

namespace privacyd {
// data/guard/lexicons/*.yml, compiled in.
extern const std::string_view kGuardLexiconEn;
extern const std::string_view kGuardLexiconDe;
extern const std::string_view kGuardLexiconFr;
}  // namespace privacyd

namespace privacyd::guard {
namespace {

bool IsSpecialCategory(FindingType type) { return type >= FindingType::kHealth; }
bool IsIdentifier(FindingType type) { return type <= FindingType::kIban; }

class Parser {
 public:
  explicit Parser(const LexiconSource& source) : source_(source) {}

  Result<Lexicon> Parse() {
    YAML::Node root;
    try {
      root = YAML::Load(source_.text);
    } catch (const YAML::Exception& e) {
      return Fail(
          "", "is not valid YAML (line " + std::to_string(e.mark.line + 1) + ": " + e.msg + ")");
    }
    if (!root.IsMap()) return Fail("", "must be a mapping with language, rules, ...");
    static const std::set<std::string> kKeys = {"language", "lists", "cues",
                                                "exclude",  "rules", "id_context"};
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      if (!kKeys.count(key)) {
        return Fail(key,
                    "is not a lexicon key (language, lists, cues, exclude, rules, id_context)");
      }
    }
    Lexicon lexicon;
    lexicon.name = source_.name;
    if (!root["language"] || !root["language"].IsScalar() ||
        root["language"].as<std::string>().empty()) {
      return Fail("language", "is required: the language code of the lexicon, such as en");
    }
    lexicon.language = root["language"].as<std::string>();
    lexicon.validator = "lexicon:" + lexicon.language;

    if (YAML::Node lists = root["lists"]) {
      if (!lists.IsMap()) return Fail("lists", "must map list names to lists of patterns");
      for (const auto& entry : lists) {
        std::string name = entry.first.as<std::string>();
        auto items = Strings(entry.second, "lists." + name);
        if (!items.ok()) return items.error();
        if (items->empty()) return Fail("lists." + name, "is empty");
        std::string alternation = "(?:";
        for (size_t i = 0; i < items->size(); ++i) {
          if (i) alternation += '|';
          alternation += (*items)[i];
        }
        lists_[name] = alternation + ")";
      }
    }
    auto cues = ExpandedStrings(root["cues"], "cues");
    if (!cues.ok()) return cues.error();
    lexicon.cues = std::move(*cues);
    auto excludes = ExpandedStrings(root["exclude"], "exclude");
    if (!excludes.ok()) return excludes.error();
    lexicon.excludes = std::move(*excludes);

    if (YAML::Node rules = root["rules"]) {
      if (!rules.IsSequence()) return Fail("rules", "must be a list of rules");
      for (size_t i = 0; i < rules.size(); ++i) {
        auto rule = Rule(rules[i], i);
        if (!rule.ok()) return rule.error();
        lexicon.rules.push_back(std::move(*rule));
      }
    }
    if (YAML::Node contexts = root["id_context"]) {
      if (!contexts.IsMap()) return Fail("id_context", "must map identifier types to words");
      for (const auto& entry : contexts) {
        std::string name = entry.first.as<std::string>();
        std::optional<FindingType> type = FindingTypeFromName(name);
        if (!type || !IsIdentifier(*type)) {
          return Fail("id_context." + name, "is not an identifier type (US_SSN, IBAN, ...)");
        }
        auto words = ExpandedStrings(entry.second, "id_context." + name);
        if (!words.ok()) return words.error();
        for (std::string& word : *words) lexicon.id_context.push_back({*type, std::move(word)});
      }
    }
    return lexicon;
  }

 private:
  Error Fail(const std::string& path, const std::string& what) const {
    return Error(ErrorKind::kInvalidArgument, "lexicon_invalid",
                 "lexicon " + source_.name + (path.empty() ? "" : ": " + path) + " " + what);
  }

  Result<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& path) {
    std::vector<std::string> out;
    if (!node) return out;
    if (!node.IsSequence()) return Fail(path, "must be a list of strings");
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar() || node[i].as<std::string>().empty()) {
        return Fail(path + "[" + std::to_string(i) + "]", "must be a non-empty string");
      }
      out.push_back(node[i].as<std::string>());
    }
    return out;
  }

  Result<std::vector<std::string>> ExpandedStrings(const YAML::Node& node,
                                                   const std::string& path) {
    auto items = Strings(node, path);
    if (!items.ok()) return items.error();
    for (size_t i = 0; i < items->size(); ++i) {
      auto expanded = Expand((*items)[i], path + "[" + std::to_string(i) + "]");
      if (!expanded.ok()) return expanded.error();
      (*items)[i] = std::move(*expanded);
    }
    return items;
  }

  // Replaces each {name} (a list name: a letter or underscore, then letters, digits,
  // underscores) by the list's alternation; other braces ({2,3}) are quantifiers and stay.
  Result<std::string> Expand(const std::string& pattern, const std::string& path) {
    std::string out;
    for (size_t i = 0; i < pattern.size();) {
      if (pattern[i] == '{' && i + 1 < pattern.size() &&
          (std::isalpha(static_cast<unsigned char>(pattern[i + 1])) || pattern[i + 1] == '_')) {
        size_t close = pattern.find('}', i);
        if (close != std::string::npos) {
          std::string name = pattern.substr(i + 1, close - i - 1);
          auto it = lists_.find(name);
          if (it == lists_.end()) return Fail(path, "uses the unknown list {" + name + "}");
          out += it->second;
          i = close + 1;
          continue;
        }
      }
      out += pattern[i++];
    }
    return out;
  }

  Result<LexiconRule> Rule(const YAML::Node& node, size_t index) {
    std::string path = "rules[" + std::to_string(index) + "]";
    if (!node.IsMap()) return Fail(path, "must be a mapping with category and pattern");
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      if (key != "category" && key != "pattern" && key != "needs_cue" && key != "score") {
        return Fail(path + "." + key, "is not a rule key (category, pattern, needs_cue, score)");
      }
    }
    LexiconRule rule;
    rule.index = index;
    std::optional<FindingType> category;
    if (node["category"] && node["category"].IsScalar()) {
      category = FindingTypeFromName(node["category"].as<std::string>());
    }
    if (!category || !IsSpecialCategory(*category)) {
      return Fail(path + ".category",
                  "must be one of HEALTH, ETHNIC, POLITICAL, RELIGION, TRADE_UNION, "
                  "SEXUAL_ORIENTATION, GENETIC, BIOMETRIC");
    }
    rule.category = *category;
    if (!node["pattern"] || !node["pattern"].IsScalar() ||
        node["pattern"].as<std::string>().empty()) {
      return Fail(path + ".pattern", "is required and must be a non-empty string");
    }
    auto expanded = Expand(node["pattern"].as<std::string>(), path + ".pattern");
    if (!expanded.ok()) return expanded.error();
    rule.pattern = std::move(*expanded);
    try {
      if (node["needs_cue"]) rule.needs_cue = node["needs_cue"].as<bool>();
      rule.score = rule.needs_cue ? 0.75 : 0.9;
      if (node["score"]) rule.score = node["score"].as<double>();
    } catch (const YAML::Exception&) {
      return Fail(path, "needs_cue must be true or false and score a number");
    }
    if (!(rule.score > 0 && rule.score <= 1)) return Fail(path + ".score", "must be in (0, 1]");
    return rule;
  }

  const LexiconSource& source_;
  std::map<std::string, std::string> lists_;
};

}  // namespace

Result<Lexicon> ParseLexicon(const LexiconSource& source) { return Parser(source).Parse(); }

std::vector<LexiconSource> BuiltinLexicons() {
  return {{"builtin:en", std::string(kGuardLexiconEn)},
          {"builtin:de", std::string(kGuardLexiconDe)},
          {"builtin:fr", std::string(kGuardLexiconFr)}};
}

}  // namespace privacyd::guard
