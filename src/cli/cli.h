// The `privacyd` command line: parses arguments, calls one service, prints the result. Exit
// codes: 0 success, 1 a check failed (audit verify found a break), 2 usage or runtime error.
#pragma once

#include "cli/environment.h"

namespace privacyd {

int RunCli(int argc, char** argv, Environment& env);

}  // namespace privacyd
