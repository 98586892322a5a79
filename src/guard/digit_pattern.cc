#include "guard/digit_pattern.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

namespace privacyd::guard::internal {
namespace {

constexpr uint16_t kAnyDigit = 0x3FF;

// The parsed pattern. Counted repetitions stay nodes here and are written out when positions
// are assigned, each copy with positions of its own.
struct Node {
  enum class Kind : uint8_t { kDigits, kConcat, kAlternation, kRepeat };
  Kind kind;
  uint16_t mask = 0;  // kDigits
  size_t min = 0;     // kRepeat
  size_t max = 0;
  std::vector<std::unique_ptr<Node>> children;
};

// Recursive descent over the supported syntax; any other construct fails the parse.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  std::unique_ptr<Node> Parse() {
    auto node = Alternation();
    if (!node || i_ != p_.size()) return nullptr;
    return node;
  }

 private:
  static constexpr int kMaxDepth = 64;

  std::unique_ptr<Node> Alternation() {
    if (++depth_ > kMaxDepth) return nullptr;
    auto alternation = std::make_unique<Node>(Node{Node::Kind::kAlternation});
    while (true) {
      auto concat = Concatenation();
      if (!concat) return nullptr;
      alternation->children.push_back(std::move(concat));
      if (i_ < p_.size() && p_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    --depth_;
    return alternation;
  }

  std::unique_ptr<Node> Concatenation() {
    auto concat = std::make_unique<Node>(Node{Node::Kind::kConcat});
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      auto atom = Atom();
      if (!atom) return nullptr;
      while (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '{')) {
        auto repeat = std::make_unique<Node>(Node{Node::Kind::kRepeat});
        if (p_[i_] == '?') {
          ++i_;
          repeat->min = 0;
          repeat->max = 1;
        } else if (!Counts(repeat->min, repeat->max)) {
          return nullptr;
        }
        // A lazy or possessive quantifier would still match the same language, but it is not
        // in the metadata's syntax: refuse rather than guess.
        if (i_ < p_.size() && (p_[i_] == '?' || p_[i_] == '+')) return nullptr;
        repeat->children.push_back(std::move(atom));
        atom = std::move(repeat);
      }
      concat->children.push_back(std::move(atom));
    }
    return concat;
  }

  // "{n}" or "{n,m}" at p_[i_]; unbounded "{n,}" is refused.
  bool Counts(size_t& min, size_t& max) {
    ++i_;
    if (!Number(min)) return false;
    max = min;
    if (i_ < p_.size() && p_[i_] == ',') {
      ++i_;
      if (!Number(max) || max < min) return false;
    }
    if (i_ >= p_.size() || p_[i_] != '}') return false;
    ++i_;
    return true;
  }

  bool Number(size_t& value) {
    size_t start = i_;
    value = 0;
    while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9' && i_ - start < 4) {
      value = value * 10 + static_cast<size_t>(p_[i_] - '0');
      ++i_;
    }
    return i_ > start && (i_ >= p_.size() || p_[i_] < '0' || p_[i_] > '9');
  }

  std::unique_ptr<Node> Atom() {
    char c = p_[i_];
    if (c >= '0' && c <= '9') {
      ++i_;
      return Digits(static_cast<uint16_t>(1u << (c - '0')));
    }
    if (c == '\\') {
      if (i_ + 1 >= p_.size() || p_[i_ + 1] != 'd') return nullptr;
      i_ += 2;
      return Digits(kAnyDigit);
    }
    if (c == '[') return Class();
    if (c == '(') {
      if (p_.substr(i_, 3) != "(?:") return nullptr;  // capturing or other group kinds
      i_ += 3;
      auto inner = Alternation();
      if (!inner || i_ >= p_.size() || p_[i_] != ')') return nullptr;
      ++i_;
      return inner;
    }
    return nullptr;
  }

  // "[...]" of digits, ranges of digits and `\d`.
  std::unique_ptr<Node> Class() {
    ++i_;
    uint16_t mask = 0;
    bool any = false;
    while (i_ < p_.size() && p_[i_] != ']') {
      char c = p_[i_];
      if (c == '\\' && i_ + 1 < p_.size() && p_[i_ + 1] == 'd') {
        mask |= kAnyDigit;
        i_ += 2;
      } else if (c >= '0' && c <= '9') {
        char to = c;
        if (i_ + 2 < p_.size() && p_[i_ + 1] == '-' && p_[i_ + 2] != ']') {
          to = p_[i_ + 2];
          if (to < c || to > '9') return nullptr;
          i_ += 3;
        } else {
          ++i_;
        }
        for (char d = c; d <= to; ++d) mask |= static_cast<uint16_t>(1u << (d - '0'));
      } else {
        return nullptr;  // negation, letters, nested classes, ...
      }
      any = true;
    }
    if (i_ >= p_.size() || !any) return nullptr;
    ++i_;
    return Digits(mask);
  }

  static std::unique_ptr<Node> Digits(uint16_t mask) {
    auto node = std::make_unique<Node>(Node{Node::Kind::kDigits});
    node->mask = mask;
    return node;
  }

  std::string_view p_;
  size_t i_ = 0;
  int depth_ = 0;
};

// The first and last positions of a subexpression, and whether it matches the empty string.
struct Fragment {
  std::vector<uint16_t> first;
  std::vector<uint16_t> last;
  bool nullable = true;
};

// Assigns positions and collects the follow relation (Glushkov's construction).
class Builder {
 public:
  bool Emit(const Node& node, Fragment& out) {
    switch (node.kind) {
      case Node::Kind::kDigits: {
        if (masks.size() >= DigitPattern::kMaxPositions) return false;
        auto p = static_cast<uint16_t>(masks.size());
        masks.push_back(node.mask);
        out = {{p}, {p}, false};
        return true;
      }
      case Node::Kind::kConcat: {
        out = {};
        for (const auto& child : node.children) {
          Fragment next;
          if (!Emit(*child, next)) return false;
          Append(out, next);
        }
        return true;
      }
      case Node::Kind::kAlternation: {
        out = {{}, {}, false};
        for (const auto& child : node.children) {
          Fragment branch;
          if (!Emit(*child, branch)) return false;
          out.first.insert(out.first.end(), branch.first.begin(), branch.first.end());
          out.last.insert(out.last.end(), branch.last.begin(), branch.last.end());
          out.nullable = out.nullable || branch.nullable;
        }
        return true;
      }
      case Node::Kind::kRepeat: {
        out = {};
        for (size_t i = 0; i < node.max; ++i) {
          Fragment copy;
          if (!Emit(*node.children[0], copy)) return false;
          if (i >= node.min) copy.nullable = true;
          Append(out, copy);
        }
        return true;
      }
    }
    return false;
  }

  std::vector<uint16_t> masks;
  std::vector<std::pair<uint16_t, uint16_t>> follow;

 private:
  // `into` followed by `next`.
  void Append(Fragment& into, const Fragment& next) {
    for (uint16_t from : into.last) {
      for (uint16_t to : next.first) follow.emplace_back(from, to);
    }
    if (into.nullable) into.first.insert(into.first.end(), next.first.begin(), next.first.end());
    if (next.nullable) {
      into.last.insert(into.last.end(), next.last.begin(), next.last.end());
    } else {
      into.last = next.last;
    }
    into.nullable = into.nullable && next.nullable;
  }
};

}  // namespace

std::optional<DigitPattern> DigitPattern::Compile(std::string_view pattern) {
  std::unique_ptr<Node> root = Parser(pattern).Parse();
  if (!root) return std::nullopt;
  Builder builder;
  Fragment whole;
  if (!builder.Emit(*root, whole)) return std::nullopt;
  DigitPattern out;
  out.masks_ = std::move(builder.masks);
  auto& follow = builder.follow;
  std::sort(follow.begin(), follow.end());
  follow.erase(std::unique(follow.begin(), follow.end()), follow.end());
  out.follow_begin_.assign(out.masks_.size() + 1, 0);
  for (auto [from, to] : follow) ++out.follow_begin_[from + 1];
  for (size_t i = 1; i < out.follow_begin_.size(); ++i) {
    out.follow_begin_[i] += out.follow_begin_[i - 1];
  }
  out.follow_.reserve(follow.size());
  for (auto [from, to] : follow) out.follow_.push_back(to);
  std::sort(whole.first.begin(), whole.first.end());
  whole.first.erase(std::unique(whole.first.begin(), whole.first.end()), whole.first.end());
  out.first_ = std::move(whole.first);
  out.last_.assign(out.masks_.size(), false);
  for (uint16_t p : whole.last) out.last_[p] = true;
  out.nullable_ = whole.nullable;
  return out;
}

bool DigitPattern::FullMatch(std::string_view digits) const { return Run(digits, false); }

bool DigitPattern::MatchesPrefix(std::string_view digits) const { return Run(digits, true); }

bool DigitPattern::Run(std::string_view digits, bool prefix) const {
  if (nullable_ && (prefix || digits.empty())) return true;
  // The active positions, without repeats (`seen` marks those of `next`).
  std::array<uint16_t, kMaxPositions> current;
  std::array<uint16_t, kMaxPositions> next;
  std::array<uint64_t, kMaxPositions / 64> seen{};
  size_t count = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    unsigned d = static_cast<unsigned char>(digits[i]) - '0';
    if (d > 9) return false;
    auto bit = static_cast<uint16_t>(1u << d);
    size_t n = 0;
    auto add = [&](uint16_t q) {
      if ((masks_[q] & bit) == 0 || (seen[q >> 6] >> (q & 63) & 1) != 0) return;
      seen[q >> 6] |= uint64_t{1} << (q & 63);
      next[n++] = q;
    };
    if (i == 0) {
      for (uint16_t q : first_) add(q);
    } else {
      for (size_t k = 0; k < count; ++k) {
        uint16_t p = current[k];
        for (uint32_t f = follow_begin_[p]; f < follow_begin_[p + 1]; ++f) add(follow_[f]);
      }
    }
    if (n == 0) return false;
    bool accepting = false;
    for (size_t k = 0; k < n; ++k) {
      seen[next[k] >> 6] &= ~(uint64_t{1} << (next[k] & 63));
      accepting = accepting || last_[next[k]];
    }
    if (prefix && accepting) return true;
    std::copy(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), current.begin());
    count = n;
    if (i + 1 == digits.size()) return accepting;
  }
  return false;
}

}  // namespace privacyd::guard::internal
