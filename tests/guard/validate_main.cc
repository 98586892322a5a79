// privacyd_validate: a test-only filter over the guard's identifier validators, for the
// cross-check against python-stdnum (tests/integration/test_guard_stdnum.py).
//
// Reads lines "TYPE<TAB>candidate" on stdin and writes "1" (valid) or "0" per line. TYPE is an
// identifier type name (US_SSN, IBAN, ...) or one of the check-digit helpers LUHN, VERHOEFF and
// ISO7064_MOD_11_10 (valid when the last digit is the check digit of the others). Exits 2 on an
// unknown type or a line without a tab.
#include <iostream>
#include <string>
#include <string_view>

#include "guard/validators.h"

namespace {

bool ValidateLine(std::string_view type, std::string_view candidate, bool& known) {
  using namespace privacyd::guard;
  known = true;
  if (type == "LUHN") return ValidLuhn(candidate);
  if (type == "VERHOEFF") return ValidVerhoeff(candidate);
  if (type == "ISO7064_MOD_11_10") {
    return candidate.size() >= 2 &&
           IsoMod11_10(candidate.substr(0, candidate.size() - 1)) == candidate.back() - '0';
  }
  std::optional<IdType> id_type = IdTypeFromName(type);
  if (!id_type) {
    known = false;
    return false;
  }
  return Validate(*id_type, candidate);
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  while (std::getline(std::cin, line)) {
    std::string_view view(line);
    size_t tab = view.find('\t');
    if (tab == std::string_view::npos) {
      std::cerr << "privacyd_validate: expected TYPE<TAB>candidate\n";
      return 2;
    }
    bool known = false;
    bool valid = ValidateLine(view.substr(0, tab), view.substr(tab + 1), known);
    if (!known) {
      std::cerr << "privacyd_validate: unknown type " << view.substr(0, tab) << "\n";
      return 2;
    }
    out += valid ? "1\n" : "0\n";
  }
  std::cout << out;
  return 0;
}
