// Test support: files of the source tree (PRIVACYD_SOURCE_DIR is defined for the unit tests).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace privacyd::testing {

// The content of `relative` (e.g. "examples/policy.yaml"), or "" when it cannot be read.
inline std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(PRIVACYD_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace privacyd::testing
