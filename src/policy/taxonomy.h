// The privacy taxonomy: the vocabulary a policy uses to name data categories
// ("user.contact.email"), data uses ("marketing.communications.email") and data subjects
// ("customer"). Categories and uses are trees of dotted keys whose parent is the key without its
// last segment; data subjects are a flat list. The default is fideslang's, compiled into the
// binary from data/taxonomy/fideslang (see the README there for its version and licence).
//
// A Taxonomy is immutable once built, so a const one may be shared between threads. Pointers it
// returns stay valid for the life of the Taxonomy they came from (moving it keeps them valid;
// a copy hands out its own).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace privacyd {

enum class TaxonomyKind { kDataCategory, kDataUse, kDataSubject };

// "data category", "data use", "data subject": for messages.
const char* TaxonomyKindName(TaxonomyKind kind);

struct TaxonomyEntry {
  std::string key;          // fides_key: "user.contact.email"
  std::string name;         // "User Contact Email"
  std::string description;  // a sentence from the taxonomy
  std::string parent;       // parent_key: "user.contact"; empty for a root and for data subjects
};

class Taxonomy {
 public:
  // The compiled-in fideslang taxonomy, parsed on first use (thread-safe). The embedded data is
  // checked by the unit tests; if it ever failed to parse, that is a build defect and the process
  // aborts with the reason on stderr.
  static const Taxonomy& Default();

  // Builds a taxonomy from the three YAML texts, each in fideslang's data file shape: a map with
  // one key (`data_category`, `data_use`, `data_subject`) holding a list of entries with
  // `fides_key`, `name`, `description` and `parent_key` (other fields are ignored); a bare list
  // of entries is accepted too. `version` is returned by version() as given.
  //
  // Errors: kInvalidArgument "taxonomy_invalid", the message naming the kind and the entry, when
  // a text is not YAML of that shape, an entry has no fides_key, a key has an empty segment, a
  // key is defined twice, a parent_key is not defined, or a parent_key is not the key without
  // its last segment ("user.contact" for "user.contact.email"; none for "user").
  static Result<Taxonomy> FromYaml(std::string_view categories, std::string_view uses,
                                   std::string_view subjects, std::string version);

  const std::string& version() const { return version_; }

  // The entry with exactly this key, or nullptr if there is none.
  const TaxonomyEntry* Find(TaxonomyKind kind, std::string_view key) const;

  // True when `ancestor` is `key` itself or one of its ancestors: a purpose allowed
  // `user.contact` covers `user.contact.email`; `user.contact` does not cover `user`, and
  // `user.cont` covers nothing. False when either key is unknown. O(1) after the two lookups.
  bool Covers(TaxonomyKind kind, std::string_view ancestor, std::string_view key) const;

  // For a "did you mean" message about an unknown key: the closest known key of that kind, or
  // nullopt when nothing is close. Closeness is the edit distance (case ignored; a swap of two
  // neighbouring letters is one edit) over the whole key, within a budget that grows with its
  // length (up to 3 edits). Where a level looks skipped, the last segment is compared alone, at
  // one edit more: "user.email" finds "user.contact.email", and "email" finds a key ending in
  // "email", but "bananas.email" finds nothing. Ties go to a key with the same parent, then to
  // the closer whole key, then to the earlier key. A known key is returned as itself.
  std::optional<std::string> Suggest(TaxonomyKind kind, std::string_view unknown) const;

  // The direct children of `key` in taxonomy order; the roots when `key` is empty; none when
  // `key` is unknown or a leaf.
  std::vector<const TaxonomyEntry*> Children(TaxonomyKind kind, std::string_view key) const;

  // Every entry of that kind in the order of the source file.
  std::vector<const TaxonomyEntry*> All(TaxonomyKind kind) const;

 private:
  Taxonomy() = default;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // One kind's entries, with an index by key and a pre-order numbering of the tree: `ancestor`
  // covers `key` exactly when key's number lies in [enter, exit] of ancestor's.
  struct Tree {
    std::vector<TaxonomyEntry> entries;  // file order
    std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> index;
    std::vector<std::vector<size_t>> children;  // by entry index, file order
    std::vector<size_t> roots;                  // file order
    std::vector<size_t> enter;                  // pre-order number of the entry
    std::vector<size_t> exit;                   // largest pre-order number in its subtree
  };

  static Result<Tree> BuildTree(TaxonomyKind kind, std::string_view text);

  const Tree& tree(TaxonomyKind kind) const { return trees_[static_cast<size_t>(kind)]; }
  std::optional<size_t> IndexOf(TaxonomyKind kind, std::string_view key) const;

  std::array<Tree, 3> trees_;
  std::string version_;
};

}  // namespace privacyd
