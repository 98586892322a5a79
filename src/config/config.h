// Daemon configuration: every setting has a dotted key ("http.max_body_bytes"), a default, and
// a help text. Values come from, in rising precedence: the defaults, a YAML config file (nested
// maps, `http: {max_body_bytes: 1024}`), environment variables (key `a.b.c` as
// `PRIVACYD_A_B_C`), and command-line flags.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace privacyd {

struct ConfigKey {
  std::string name;
  std::string default_value;
  std::string help;
};

// Every known key, in documentation order.
const std::vector<ConfigKey>& ConfigKeys();

// "a.b.c" -> "PRIVACYD_A_B_C".
std::string EnvNameForKey(const std::string& key);

class Config {
 public:
  // Errors: kInvalidArgument "config_unreadable" (file missing or not YAML, with line and
  // column), "unknown_config_key" (with the file position and a suggestion), "invalid_config"
  // (a key's value has the wrong shape). `env` holds the process environment.
  static Result<Config> Load(const std::optional<std::string>& file,
                             const std::map<std::string, std::string>& env,
                             const std::map<std::string, std::string>& flags);

  // The effective value of a known key.
  const std::string& Get(const std::string& key) const;
  // Errors: kInvalidArgument "invalid_config" naming the key and where its value came from.
  Result<int64_t> GetInt(const std::string& key, int64_t min, int64_t max) const;
  Result<bool> GetBool(const std::string& key) const;

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> sources_;  // key -> "default", "file F", "env V", "flag"
};

// Reads the process environment into a map (only PRIVACYD_* variables).
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace privacyd
