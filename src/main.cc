// privacyd's composition root: builds the real clock and randomness and hands them to the CLI.
#include <sodium.h>
#include <sys/stat.h>

#include <iostream>

#include "cli/cli.h"
#include "config/config.h"

int main(int argc, char** argv) {
  // Everything privacyd creates (database, WAL, keys, exports) is for its own user only.
  umask(077);
  if (sodium_init() < 0) {
    std::cerr << "privacyd: libsodium could not be initialised\n";
    return 2;
  }
  privacyd::SystemClock clock;
  privacyd::SecureRandom random;
  privacyd::Environment env{clock,    random,    privacyd::ProcessEnvironment(),
                            std::cin, std::cout, std::cerr};
  return privacyd::RunCli(argc, argv, env);
}
