// privacyd_guard_scan: a test-only filter over the guard's scanner, for corpus runs while
// developing lexicons (the product's verb is `privacyd scan`).
//
// Reads lines on stdin and writes one JSON object per finding:
//   {"line": N, "start": S, "end": E, "type": "...", "category": "...", "score": X}
// Options: --types T1,T2 (default: every type), --lexicons DIR (every *.yml of DIR instead of
// the built-in lexicons), --single-pass (GuardOptions::two_stage_lexicons off, to diff the two
// lexicon scans), --vectorscan-triggers (GuardOptions::trigger_pass off, to diff the two ways of
// finding the identifier triggers), --single-word-anchors (GuardOptions::pair_anchors off, to
// diff the anchors of one word and of pairs). Exits 2 on bad options or lexicons.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "guard/guard.h"

namespace {

int Fail(const std::string& message) {
  std::cerr << "privacyd_guard_scan: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace privacyd::guard;
  std::ios::sync_with_stdio(false);
  TypeSet types = TypeSet::All();
  GuardOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--types" && i + 1 < argc) {
      auto parsed = TypeSet::Parse(argv[++i]);
      if (!parsed.ok()) return Fail(parsed.error().message());
      types = *parsed;
    } else if (arg == "--lexicons" && i + 1 < argc) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(argv[++i])) {
        if (entry.path().extension() == ".yml") files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        options.lexicons.push_back({file.string(), text.str()});
      }
    } else if (arg == "--single-pass") {
      options.two_stage_lexicons = false;
    } else if (arg == "--vectorscan-triggers") {
      options.trigger_pass = false;
    } else if (arg == "--single-word-anchors") {
      options.pair_anchors = false;
    } else {
      return Fail(
          "usage: privacyd_guard_scan [--types T1,T2] [--lexicons DIR] [--single-pass] "
          "[--vectorscan-triggers] [--single-word-anchors] < lines");
    }
  }
  auto guard = Guard::Create(options);
  if (!guard.ok()) return Fail(guard.error().message());
  std::string line;
  std::string out;
  size_t number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    for (const Finding& f : (*guard)->Scan(line, types)) {
      out += "{\"line\": " + std::to_string(number) + ", \"start\": " + std::to_string(f.start) +
             ", \"end\": " + std::to_string(f.end) + ", \"type\": \"" +
             std::string(FindingTypeName(f.type)) + "\", \"category\": \"" +
             std::string(FindingTypeCategory(f.type)) + "\", \"score\": " +
             std::to_string(f.score) + "}\n";
    }
    if (out.size() > (1 << 16)) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out;
  return 0;
}
