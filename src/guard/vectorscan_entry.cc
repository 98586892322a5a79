#include "guard/vectorscan_entry.h"

#include <dlfcn.h>

#include <array>
#include <cstring>

namespace privacyd::guard::internal {
namespace {

// A pattern the check scans for, with its flags and a text it matches.
struct Check {
  const char* expression;
  unsigned int flags;
  std::string_view match;
};

// Short literals, the shape the defective copy misses: a pair of two-byte literals, a class, and
// a caseless word as lexicons and context words have them.
constexpr Check kChecks[] = {
    {"xy|xz", 0, "xz"},
    {"2[ABab][ .\\-]?[0-9]", 0, "2B 7"},
    {"ssn", HS_FLAG_CASELESS | HS_FLAG_UTF8, "SSN"},
};

// The defect depends on where the match lies against the 64-byte blocks of the buffer (it hides
// matches in the bytes after the last whole block), so each match is placed at every offset of
// buffers of several lengths that start at several distances from a block boundary.
constexpr size_t kCheckLengths[] = {70, 200};
constexpr size_t kCheckShifts[] = {0, 17, 40};

struct Counter {
  size_t matches = 0;
  unsigned long long last_to = 0;
};

int CountMatch(unsigned int, unsigned long long, unsigned long long to, unsigned int,
               void* context) {
  auto* counter = static_cast<Counter*>(context);
  ++counter->matches;
  counter->last_to = to;
  return 0;
}

bool FindsEveryMatch(ScanFunction scan, const Check& check) {
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(check.expression, check.flags, HS_MODE_BLOCK, nullptr, &database, &error) !=
      HS_SUCCESS) {
    hs_free_compile_error(error);
    return false;
  }
  hs_scratch_t* scratch = nullptr;
  bool all = hs_alloc_scratch(database, &scratch) == HS_SUCCESS;
  alignas(64) std::array<char, 320> buffer;
  for (size_t length : kCheckLengths) {
    for (size_t shift : kCheckShifts) {
      char* text = buffer.data() + shift;
      for (size_t offset = 0; all && offset + check.match.size() <= length; ++offset) {
        std::memset(text, '_', length);
        std::memcpy(text + offset, check.match.data(), check.match.size());
        Counter counter;
        all = scan(database, text, static_cast<unsigned int>(length), 0, scratch, CountMatch,
                   &counter) == HS_SUCCESS &&
              counter.matches == 1 && counter.last_to == offset + check.match.size();
      }
    }
  }
  hs_free_scratch(scratch);
  hs_free_database(database);
  return all;
}

VectorscanEntry Choose() {
  if (FindsEveryCheckMatch(hs_scan)) return {hs_scan, "hs_scan"};
#if defined(__x86_64__)
  // The fat runtime's copies, newest first, each only where this CPU runs it.
  struct Copy {
    const char* symbol;
    bool runs;
  };
  const Copy copies[] = {
      {"avx2_hs_scan", __builtin_cpu_supports("avx2") != 0},
      {"corei7_hs_scan",
       __builtin_cpu_supports("sse4.2") != 0 && __builtin_cpu_supports("popcnt") != 0},
      {"core2_hs_scan", __builtin_cpu_supports("ssse3") != 0},
  };
  for (const Copy& copy : copies) {
    if (!copy.runs) continue;
    auto scan = reinterpret_cast<ScanFunction>(dlsym(RTLD_DEFAULT, copy.symbol));
    if (scan != nullptr && FindsEveryCheckMatch(scan)) return {scan, copy.symbol};
  }
#endif
  return {hs_scan, "hs_scan"};
}

}  // namespace

bool FindsEveryCheckMatch(ScanFunction scan) {
  for (const Check& check : kChecks) {
    if (!FindsEveryMatch(scan, check)) return false;
  }
  return true;
}

const VectorscanEntry& CheckedVectorscan() {
  static const VectorscanEntry entry = Choose();
  return entry;
}

}  // namespace privacyd::guard::internal
