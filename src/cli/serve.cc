#include "cli/serve.h"

namespace privacyd {

int RunServe(const Config&, Environment& env) {
  env.err << "privacyd: serve is not wired yet\n";
  return 2;
}

}  // namespace privacyd
