#include "http/accept_language.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

namespace privacyd {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "0.8" -> 800; nullopt when not a valid qvalue (0 to 1 with at most three decimals).
std::optional<int> ParseQ(std::string_view q) {
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  int whole = q[0] - '0';
  int thousandths = 0;
  if (q.size() > 1) {
    if (q[1] != '.' || q.size() > 5) return std::nullopt;
    int scale = 100;
    for (size_t i = 2; i < q.size(); ++i, scale /= 10) {
      if (q[i] < '0' || q[i] > '9') return std::nullopt;
      thousandths += (q[i] - '0') * scale;
    }
  }
  int value = whole * 1000 + thousandths;
  if (value > 1000) return std::nullopt;
  return value;
}

}  // namespace

std::string NegotiateLanguage(std::string_view accept_language,
                              const std::vector<std::string>& available) {
  // Best (q, -position) per available language; a specific range beats "*" for its language.
  std::map<std::string, std::pair<int, int>> score;
  std::map<std::string, bool> named;
  std::optional<std::pair<int, int>> wildcard;
  int position = 0;
  size_t start = 0;
  while (start <= accept_language.size()) {
    size_t comma = accept_language.find(',', start);
    if (comma == std::string_view::npos) comma = accept_language.size();
    std::string_view item = accept_language.substr(start, comma - start);
    start = comma + 1;
    ++position;
    size_t semi = item.find(';');
    std::string range = Lower(Trim(item.substr(0, semi)));
    int q = 1000;
    bool valid = !range.empty() && range.size() <= 35;
    if (semi != std::string_view::npos) {
      std::string_view param = Trim(item.substr(semi + 1));
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        auto parsed = ParseQ(Trim(param.substr(2)));
        if (parsed) {
          q = *parsed;
        } else {
          valid = false;
        }
      }
    }
    if (!valid) continue;
    std::pair<int, int> rank{q, -position};
    if (range == "*") {
      if (!wildcard) wildcard = rank;
      continue;
    }
    std::string primary = range.substr(0, range.find('-'));
    if (std::find(available.begin(), available.end(), primary) == available.end()) continue;
    // Several ranges may name one language ("de-CH, de;q=0.5"): the highest q counts.
    auto it = score.find(primary);
    if (it == score.end() || rank.first > it->second.first) score[primary] = rank;
    named[primary] = true;
  }
  if (wildcard) {
    for (const auto& lang : available) {
      if (!named.count(lang)) score.emplace(lang, *wildcard);
    }
  }
  std::string best;
  std::pair<int, int> best_rank{0, 0};
  for (const auto& lang : available) {
    auto it = score.find(lang);
    if (it == score.end() || it->second.first == 0) continue;
    if (best.empty() || it->second > best_rank) {
      best = lang;
      best_rank = it->second;
    }
  }
  return best;
}

}  // namespace privacyd
