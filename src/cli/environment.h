// What the composition root provides to every CLI verb: the real clock and randomness, the
// process environment, and the streams to talk on. Tests build one with fakes.
#pragma once

#include <iostream>
#include <map>
#include <string>

#include "core/clock.h"
#include "core/random.h"

namespace privacyd {

struct Environment {
  Clock& clock;
  Random& random;
  std::map<std::string, std::string> env;  // PRIVACYD_* variables
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

}  // namespace privacyd
