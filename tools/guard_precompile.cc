// privacyd_guard_precompile: compiles the guard's built-in pattern databases and writes them,
// serialized, to the file named by its argument. Run by the build, which links the file into
// privacyd (CMakeLists.txt), so that the daemon and the CLI load the databases instead of
// compiling them at every start.
#include <fstream>
#include <iostream>

#include "guard/guard.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: privacyd_guard_precompile OUTPUT\n";
    return 2;
  }
  auto blob = privacyd::guard::Guard::Precompile({});
  if (!blob.ok()) {
    std::cerr << "privacyd_guard_precompile: " << blob.error().message() << "\n";
    return 1;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out.write(blob->data(), static_cast<std::streamsize>(blob->size()));
  out.close();
  if (!out) {
    std::cerr << "privacyd_guard_precompile: could not write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
