// privacyd's composition root: builds the real clock and randomness and hands them to the CLI.
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "config/config.h"
#include "core/offset_clock.h"

int main(int argc, char** argv) {
  // Everything privacyd creates (database, WAL, keys, exports) is for its own user only.
  umask(077);
  if (sodium_init() < 0) {
    std::cerr << "privacyd: libsodium could not be initialised\n";
    return 2;
  }
  // Tests of the real binary move its time with a file (core/offset_clock.h); never in
  // production, hence the warning on every start.
  std::unique_ptr<privacyd::Clock> clock = std::make_unique<privacyd::SystemClock>();
  if (const char* offset_file = std::getenv(privacyd::kTestClockOffsetEnv);
      offset_file != nullptr && *offset_file != '\0') {
    std::cerr << "privacyd: WARNING: " << privacyd::kTestClockOffsetEnv
              << " is set: the clock is moved by the offset in " << offset_file
              << ". This is for tests only; never set it in production.\n";
    clock = std::make_unique<privacyd::OffsetFileClock>(offset_file);
  }
  privacyd::SecureRandom random;
  privacyd::Environment env{*clock,   random,    privacyd::ProcessEnvironment(),
                            std::cin, std::cout, std::cerr};
  return privacyd::RunCli(argc, argv, env);
}
