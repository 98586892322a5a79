// Router: maps a method and a percent-decoded path to a registered Route.
//
// Patterns are split on '/'; a literal segment matches itself exactly, a `{name}` segment
// matches one non-empty segment and binds it as a path parameter. When several patterns match,
// the one with a literal segment at the first position where they differ wins, so
// "/v1/subjects/search" beats "/v1/subjects/{id}" whatever the order of registration.
// A HEAD request is served by the GET route of the same pattern when there is no HEAD route.
//
// Thread safety: Add() all routes before the server starts; afterwards Match() and routes() may
// be called from any number of threads. Pointers in a RouteMatch stay valid until the next Add().
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"

namespace privacyd {

struct RouteMatch {
  enum class Outcome {
    kMatched,           // `route` and `params` are set
    kNotFound,          // no pattern matches the path: 404
    kMethodNotAllowed,  // a pattern matches but not for this method: 405 with `allow`
  };
  Outcome outcome = Outcome::kNotFound;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  // For kMethodNotAllowed: the methods the path supports, sorted, HEAD included with GET.
  std::vector<std::string> allow;

  // The value for an Allow header: "GET, HEAD, POST".
  std::string AllowHeader() const;
};

class Router {
 public:
  // Registers a route. Registering the same method and pattern twice, or a pattern that does
  // not start with '/' or has an empty `{}` segment, is a programming error (asserted).
  void Add(Route route);

  RouteMatch Match(std::string_view method, std::string_view path) const;

  // All routes in registration order (the OpenAPI test checks each one is documented).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    bool is_param;
    std::string text;  // literal text, or the parameter name
  };
  std::vector<Route> routes_;
  std::vector<std::vector<Segment>> segments_;  // parallel to routes_
};

}  // namespace privacyd
