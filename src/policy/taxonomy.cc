#include "policy/taxonomy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <utility>

namespace privacyd {

// Compiled in from data/taxonomy/fideslang by cmake/embed.cmake.
extern const std::string_view kFideslangDataCategories;
extern const std::string_view kFideslangDataUses;
extern const std::string_view kFideslangDataSubjects;

namespace {

// Must match data/taxonomy/fideslang/README.md.
constexpr char kFideslangVersion[] = "fideslang 3.2.0";

// The top-level key of each kind's file in fideslang's data_files.
const char* FileKey(TaxonomyKind kind) {
  switch (kind) {
    case TaxonomyKind::kDataCategory:
      return "data_category";
    case TaxonomyKind::kDataUse:
      return "data_use";
    case TaxonomyKind::kDataSubject:
      return "data_subject";
  }
  return "";
}

const char* Plural(TaxonomyKind kind) {
  switch (kind) {
    case TaxonomyKind::kDataCategory:
      return "data categories";
    case TaxonomyKind::kDataUse:
      return "data uses";
    case TaxonomyKind::kDataSubject:
      return "data subjects";
  }
  return "";
}

Error Invalid(TaxonomyKind kind, const std::string& what) {
  return Error(ErrorKind::kInvalidArgument, "taxonomy_invalid",
               std::string("invalid taxonomy of ") + Plural(kind) + ": " + what);
}

// The key without its last segment ("" for a root).
std::string_view ParentOf(std::string_view key) {
  size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string_view LastSegment(std::string_view key) {
  size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

bool HasEmptySegment(std::string_view key) {
  return key.empty() || key.front() == '.' || key.back() == '.' ||
         key.find("..") != std::string_view::npos;
}

// A scalar field as a string; null, missing and non-scalar fields read as empty.
std::string Field(const YAML::Node& entry, const char* name) {
  const YAML::Node node = entry[name];
  if (!node || !node.IsScalar()) return "";
  return node.as<std::string>();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters
// as one edit, the commonest typing slip ("emial").
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// How many edits a string of this length may be away from a suggestion: short strings allow
// few, so "did you mean" does not turn every short word into some key.
size_t EditBudget(size_t length) {
  if (length < 3) return 0;
  if (length <= 4) return 1;
  if (length <= 8) return 2;
  return 3;
}

}  // namespace

const char* TaxonomyKindName(TaxonomyKind kind) {
  switch (kind) {
    case TaxonomyKind::kDataCategory:
      return "data category";
    case TaxonomyKind::kDataUse:
      return "data use";
    case TaxonomyKind::kDataSubject:
      return "data subject";
  }
  return "unknown";
}

const Taxonomy& Taxonomy::Default() {
  // Never destroyed, so threads still running at exit cannot see it torn down.
  static const Taxonomy* const taxonomy = [] {
    auto built = FromYaml(kFideslangDataCategories, kFideslangDataUses, kFideslangDataSubjects,
                          kFideslangVersion);
    if (!built.ok()) {
      std::fprintf(stderr, "the embedded fideslang taxonomy is invalid: %s\n",
                   built.error().message().c_str());
      std::abort();
    }
    return new Taxonomy(std::move(built).value());
  }();
  return *taxonomy;
}

Result<Taxonomy> Taxonomy::FromYaml(std::string_view categories, std::string_view uses,
                                    std::string_view subjects, std::string version) {
  Taxonomy taxonomy;
  taxonomy.version_ = std::move(version);
  const std::pair<TaxonomyKind, std::string_view> texts[] = {
      {TaxonomyKind::kDataCategory, categories},
      {TaxonomyKind::kDataUse, uses},
      {TaxonomyKind::kDataSubject, subjects},
  };
  for (const auto& [kind, text] : texts) {
    auto tree = BuildTree(kind, text);
    if (!tree.ok()) return tree.error();
    taxonomy.trees_[static_cast<size_t>(kind)] = std::move(tree).value();
  }
  return taxonomy;
}

Result<Taxonomy::Tree> Taxonomy::BuildTree(TaxonomyKind kind, std::string_view text) {
  Tree tree;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsMap() && !root[FileKey(kind)]) {
      return Invalid(kind, std::string("expected a list under '") + FileKey(kind) + "'");
    }
    // fideslang's files wrap the list in a one-key map; a bare list (or nothing) is fine too.
    const YAML::Node list = root.IsMap() ? root[FileKey(kind)] : root;
    if (!list.IsNull() && !list.IsSequence()) {
      return Invalid(kind, std::string("expected a list of entries under '") + FileKey(kind) + "'");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      if (!item.IsMap()) return Invalid(kind, "entry " + std::to_string(i + 1) + " is not a map");
      TaxonomyEntry entry{Field(item, "fides_key"), Field(item, "name"), Field(item, "description"),
                          Field(item, "parent_key")};
      if (entry.key.empty()) {
        return Invalid(kind, "entry " + std::to_string(i + 1) + " has no fides_key");
      }
      if (HasEmptySegment(entry.key)) {
        return Invalid(kind, "'" + entry.key + "' has an empty segment");
      }
      if (entry.parent != ParentOf(entry.key)) {
        std::string expected(ParentOf(entry.key));
        return Invalid(
            kind,
            "'" + entry.key + "' has parent_key '" + entry.parent + "', but its parent must be " +
                (expected.empty() ? std::string("empty (it is a root)") : "'" + expected + "'") +
                ", the key without its last segment");
      }
      if (!tree.index.emplace(entry.key, tree.entries.size()).second) {
        return Invalid(kind, "'" + entry.key + "' is defined twice");
      }
      tree.entries.push_back(std::move(entry));
    }
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : " at line " + std::to_string(e.mark.line + 1);
    return Invalid(kind, "not valid YAML" + where + ": " + e.msg);
  }

  const size_t count = tree.entries.size();
  tree.children.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const TaxonomyEntry& entry = tree.entries[i];
    if (entry.parent.empty()) {
      tree.roots.push_back(i);
      continue;
    }
    auto parent = tree.index.find(entry.parent);
    if (parent == tree.index.end()) {
      return Invalid(
          kind, "'" + entry.key + "' has parent_key '" + entry.parent + "', which is not defined");
    }
    tree.children[parent->second].push_back(i);
  }

  // Number the entries in pre-order so that a subtree is one interval. Every parent is a strict
  // prefix of its child, so the parent links cannot form a cycle and the walk reaches every entry.
  tree.enter.assign(count, 0);
  tree.exit.assign(count, 0);
  size_t next = 0;
  std::vector<std::pair<size_t, size_t>> stack;  // (entry, index of the next child to visit)
  for (size_t root : tree.roots) {
    tree.enter[root] = next++;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [node, child] = stack.back();
      if (child < tree.children[node].size()) {
        size_t next_node = tree.children[node][child++];
        tree.enter[next_node] = next++;
        stack.emplace_back(next_node, 0);
      } else {
        tree.exit[node] = next - 1;
        stack.pop_back();
      }
    }
  }
  return tree;
}

std::optional<size_t> Taxonomy::IndexOf(TaxonomyKind kind, std::string_view key) const {
  const Tree& t = tree(kind);
  auto it = t.index.find(key);
  if (it == t.index.end()) return std::nullopt;
  return it->second;
}

const TaxonomyEntry* Taxonomy::Find(TaxonomyKind kind, std::string_view key) const {
  auto i = IndexOf(kind, key);
  return i ? &tree(kind).entries[*i] : nullptr;
}

bool Taxonomy::Covers(TaxonomyKind kind, std::string_view ancestor, std::string_view key) const {
  auto a = IndexOf(kind, ancestor);
  auto k = IndexOf(kind, key);
  if (!a || !k) return false;
  const Tree& t = tree(kind);
  return t.enter[*a] <= t.enter[*k] && t.enter[*k] <= t.exit[*a];
}

std::optional<std::string> Taxonomy::Suggest(TaxonomyKind kind, std::string_view unknown) const {
  const std::string wanted = Lower(unknown);
  const std::string_view wanted_parent = ParentOf(wanted);
  const std::string_view wanted_last = LastSegment(wanted);
  const size_t whole_budget = EditBudget(wanted.size());
  const size_t last_budget = EditBudget(wanted_last.size());
  // The last segment alone is compared only where a level may have been skipped: under no parent
  // at all, or under a known parent of the candidate ("user.email" for "user.contact.email").
  const std::optional<size_t> wanted_parent_index = IndexOf(kind, wanted_parent);
  const bool wanted_parent_known = wanted_parent.empty() || wanted_parent_index.has_value();

  // Ranked by (distance, other parent, whole-key distance, file order); smaller is better.
  using Rank = std::tuple<size_t, bool, size_t, size_t>;
  std::optional<Rank> best;
  const Tree& t = tree(kind);
  for (size_t i = 0; i < t.entries.size(); ++i) {
    const std::string& key = t.entries[i].key;
    const bool same_parent = ParentOf(key) == wanted_parent;
    const size_t whole = EditDistance(wanted, key);
    std::optional<size_t> distance;
    if (whole <= whole_budget) distance = whole;
    const bool skipped_level =
        !same_parent && wanted_parent_known &&
        (wanted_parent.empty() || (t.enter[*wanted_parent_index] <= t.enter[i] &&
                                   t.enter[i] <= t.exit[*wanted_parent_index]));
    // Such a match costs one edit more than its segment, so that a near miss of the whole key
    // wins over it.
    if (skipped_level) {
      size_t last = EditDistance(wanted_last, LastSegment(key));
      if (last <= last_budget && (!distance || last + 1 < *distance)) distance = last + 1;
    }
    if (!distance) continue;
    Rank rank{*distance, !same_parent, whole, i};
    if (!best || rank < *best) best = rank;
  }
  if (!best) return std::nullopt;
  return t.entries[std::get<3>(*best)].key;
}

std::vector<const TaxonomyEntry*> Taxonomy::Children(TaxonomyKind kind,
                                                     std::string_view key) const {
  const Tree& t = tree(kind);
  const std::vector<size_t>* indexes = &t.roots;
  if (!key.empty()) {
    auto i = IndexOf(kind, key);
    if (!i) return {};
    indexes = &t.children[*i];
  }
  std::vector<const TaxonomyEntry*> out;
  out.reserve(indexes->size());
  for (size_t i : *indexes) out.push_back(&t.entries[i]);
  return out;
}

std::vector<const TaxonomyEntry*> Taxonomy::All(TaxonomyKind kind) const {
  const Tree& t = tree(kind);
  std::vector<const TaxonomyEntry*> out;
  out.reserve(t.entries.size());
  for (const TaxonomyEntry& entry : t.entries) out.push_back(&entry);
  return out;
}

}  // namespace privacyd
