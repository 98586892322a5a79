// Test support: a Guard that finds fixed strings, for tests of the shells (CLI, HTTP) that must
// not depend on what the real patterns and lexicons find. It records how it was called.
#pragma once

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "guard/guard.h"

namespace privacyd::testing {

class FakeGuard final : public guard::Guard {
 public:
  struct Needle {
    std::string text;  // found wherever it occurs, as `type`
    guard::FindingType type;
    double score = 0.9;
    std::string_view validator = "fake";
  };

  explicit FakeGuard(std::vector<Needle> needles) : needles_(std::move(needles)) {}

  std::vector<guard::Finding> Scan(std::string_view text,
                                   const guard::TypeSet& types) const override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++scans_;
      last_types_ = types;
    }
    std::vector<guard::Finding> found;
    for (const auto& needle : needles_) {
      if (!types.Contains(needle.type) || needle.text.empty()) continue;
      for (size_t at = text.find(needle.text); at != std::string_view::npos;
           at = text.find(needle.text, at + needle.text.size())) {
        found.push_back({needle.type, at, at + needle.text.size(), needle.score, needle.validator});
      }
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.start != b.start ? a.start < b.start : a.type < b.type;
    });
    return found;
  }

  Result<size_t> ScanStream(
      std::istream& in, const guard::TypeSet& types,
      const std::function<void(const guard::Finding&)>& on_finding) const override {
    std::string text(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) return Error(ErrorKind::kUnavailable, "read_failed", "the stream failed");
    for (const auto& finding : Scan(text, types)) on_finding(finding);
    return text.size();
  }

  guard::GuardStats stats() const override { return {}; }

  // How many times Scan was called, and with which types the last time.
  size_t scans() const {
    std::lock_guard<std::mutex> lock(mu_);
    return scans_;
  }
  guard::TypeSet last_types() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_types_;
  }

 private:
  std::vector<Needle> needles_;
  mutable std::mutex mu_;
  mutable size_t scans_ = 0;
  mutable guard::TypeSet last_types_;
};

}  // namespace privacyd::testing
