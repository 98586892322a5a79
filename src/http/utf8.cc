#include "http/utf8.h"

#include <simdjson.h>

namespace privacyd {

bool IsValidUtf8(std::string_view text) {
  // simdjson's validator checks 64 bytes at a time with the CPU's vector instructions: a consent
  // check's body of some 4 MB went through the byte-at-a-time loop this replaces in 3% of the
  // check's time. utf8_test.cc holds that loop and compares the two.
  return simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace privacyd
