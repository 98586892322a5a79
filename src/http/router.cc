#include "http/router.h"

#include <algorithm>
#include <cassert>
#include <set>

namespace privacyd {
namespace {

// Splits "/a/b/" into {"a", "b", ""}; the leading '/' is dropped.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

std::string RouteMatch::AllowHeader() const {
  std::string out;
  for (const auto& method : allow) {
    if (!out.empty()) out += ", ";
    out += method;
  }
  return out;
}

void Router::Add(Route route) {
  assert(!route.pattern.empty() && route.pattern.front() == '/');
  std::vector<Segment> segments;
  for (std::string_view part : SplitPath(route.pattern)) {
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      assert(part.size() > 2);
      segments.push_back({true, std::string(part.substr(1, part.size() - 2))});
    } else {
      segments.push_back({false, std::string(part)});
    }
  }
#ifndef NDEBUG
  for (const auto& existing : routes_) {
    assert(!(existing.method == route.method && existing.pattern == route.pattern));
  }
#endif
  routes_.push_back(std::move(route));
  segments_.push_back(std::move(segments));
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  std::vector<std::string_view> parts = SplitPath(path);
  std::set<std::string> allow;

  // Among the routes whose pattern matches, `best` is the most specific one for `method`, and
  // `best_get` the most specific GET route (the fallback for HEAD).
  const Route* best = nullptr;
  const std::vector<Segment>* best_segments = nullptr;
  const Route* best_get = nullptr;
  const std::vector<Segment>* best_get_segments = nullptr;
  auto more_specific = [](const std::vector<Segment>& a, const std::vector<Segment>& b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].is_param != b[i].is_param) return !a[i].is_param;
    }
    return false;
  };

  for (size_t i = 0; i < routes_.size(); ++i) {
    const auto& segments = segments_[i];
    if (segments.size() != parts.size()) continue;
    bool matches = true;
    for (size_t s = 0; s < segments.size() && matches; ++s) {
      matches = segments[s].is_param ? !parts[s].empty() : segments[s].text == parts[s];
    }
    if (!matches) continue;
    const Route& route = routes_[i];
    allow.insert(route.method);
    if (route.method == "GET") {
      allow.insert("HEAD");
      if (best_get == nullptr || more_specific(segments, *best_get_segments)) {
        best_get = &route;
        best_get_segments = &segments;
      }
    }
    if (route.method == method && (best == nullptr || more_specific(segments, *best_segments))) {
      best = &route;
      best_segments = &segments;
    }
  }

  if (best == nullptr && method == "HEAD") {
    best = best_get;
    best_segments = best_get_segments;
  }
  if (best != nullptr) {
    result.outcome = RouteMatch::Outcome::kMatched;
    result.route = best;
    for (size_t s = 0; s < best_segments->size(); ++s) {
      if ((*best_segments)[s].is_param) {
        result.params[(*best_segments)[s].text] = std::string(parts[s]);
      }
    }
    return result;
  }
  if (!allow.empty()) {
    result.outcome = RouteMatch::Outcome::kMethodNotAllowed;
    result.allow.assign(allow.begin(), allow.end());
  }
  return result;
}

}  // namespace privacyd
