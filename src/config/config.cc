#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "core/suggest.h"

extern char** environ;

namespace privacyd {
namespace {

Error Invalid(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, code, message);
}

std::string Suggestion(const std::string& key) {
  std::vector<std::string> names;
  for (const auto& k : ConfigKeys()) names.push_back(k.name);
  if (auto best = SuggestClosest(key, names)) return "; did you mean '" + *best + "'?";
  return "; `privacyd serve --help` lists the keys";
}

bool IsKnown(const std::string& key) {
  return std::any_of(ConfigKeys().begin(), ConfigKeys().end(),
                     [&](const ConfigKey& k) { return k.name == key; });
}

Status Flatten(const YAML::Node& node, const std::string& prefix, const std::string& file,
               std::map<std::string, std::pair<std::string, YAML::Mark>>& out) {
  for (const auto& item : node) {
    std::string key =
        prefix.empty() ? item.first.as<std::string>() : prefix + "." + item.first.as<std::string>();
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      PD_RETURN_IF_ERROR(Flatten(value, key, file, out));
    } else if (value.IsScalar()) {
      out[key] = {value.as<std::string>(), item.first.Mark()};
    } else if (value.IsNull()) {
      out[key] = {"", item.first.Mark()};
    } else {
      return Invalid("invalid_config", file + ":" + std::to_string(item.first.Mark().line + 1) +
                                           ": '" + key + "' must be a single value");
    }
  }
  return Ok();
}

}  // namespace

const std::vector<ConfigKey>& ConfigKeys() {
  static const std::vector<ConfigKey> kKeys = {
      {"listen", "127.0.0.1:8080", "address and port to serve HTTP on (ADDR:PORT)"},
      {"data", "./var", "data directory: the SQLite store and the master key"},
      {"policy", "", "policy file (YAML); empty uses the embedded example policy"},
      {"public_url", "http://127.0.0.1:8080",
       "base URL of every link privacyd puts in a page or an email"},
      {"log.level", "info", "log level: trace, debug, info, warn, error"},
      {"log.access", "true", "write one JSON access-log line per request to standard output"},
      {"http.io_threads", "0", "threads doing network I/O (0 = one per core)"},
      {"http.worker_threads", "32", "threads running handlers that wait on the store"},
      {"http.max_header_bytes", "16384", "largest request header section accepted"},
      {"http.max_body_bytes", "1048576", "largest request body accepted (larger: 413)"},
      {"http.request_timeout_ms", "15000", "time allowed to receive one whole request"},
      {"http.idle_timeout_ms", "60000", "keep-alive connections idle longer are closed"},
      {"http.max_connections", "1024", "concurrent connections; more are refused"},
      {"http.trusted_proxies", "",
       "comma-separated addresses of reverse proxies whose X-Forwarded-For is believed"},
      {"store.read_connections", "4", "SQLite connections used for reads"},
      {"store.max_batch", "256", "most writes committed together in one transaction"},
      {"jobs.workers", "2", "threads running durable jobs (exports, erasure, mail, retention)"},
      {"jobs.poll_ms", "250", "milliseconds an idle job worker waits before looking for due jobs"},
      {"jobs.lease_ms", "60000",
       "a running job not heartbeated for this long is taken over (its worker died)"},
      {"mail.smtp.host", "", "SMTP relay privacyd sends mail through; empty: mail stays queued"},
      {"mail.smtp.port", "25", "SMTP port (587 for starttls, 465 for tls are usual)"},
      {"mail.smtp.tls", "starttls", "none, starttls (required, not opportunistic) or tls"},
      {"mail.smtp.user", "", "SMTP AUTH user name; empty: no authentication"},
      {"mail.smtp.password_file", "", "file holding the SMTP AUTH password (mode 0600)"},
      {"mail.smtp.timeout_ms", "30000", "time allowed for one SMTP conversation"},
      {"mail.from", "", "From address of privacyd's mail, e.g. \"Privacy <privacy@example.com>\""},
      {"mail.unsubscribe_mailto", "",
       "address in List-Unsubscribe's mailto (its mail is posted to the inbound webhook)"},
      {"mail.dkim.domain", "", "d= of DKIM signatures privacyd adds; empty: no signing"},
      {"mail.dkim.selector", "", "s= of DKIM signatures"},
      {"mail.dkim.key_file", "", "DKIM private key: PEM RSA or Ed25519 (mode 0600)"},
      {"consent.check_audit", "per_second",
       "per_second: one audit entry per sender and topic each second counting its consent "
       "checks; per_check: an entry per check, durable before the check answers"},
      {"geoip.database", "",
       "MaxMind-format database (.mmdb) for IP to country; empty: Debian's tor-geoipdb tables"},
      {"geoip.tor_dir", "/usr/share/tor", "directory holding tor-geoipdb's geoip and geoip6"},
      {"rights.unverified_ttl_hours", "72",
       "hours after which a data subject request nobody verified is deleted (only a count stays)"},
      {"rights.confirm_rights", "access,erasure,portability",
       "rights whose completion needs the person's fresh code, mailed when work starts (comma "
       "list; empty: none)"},
      {"rights.approval_rights", "erasure",
       "rights whose requests a privacy officer approves before completion (comma list; empty: "
       "none)"},
      {"rights.download_hours", "168",
       "hours during which the person may download the package of a completed access or "
       "portability request; it is deleted after"},
      {"rights.transfer_ca_file", "",
       "CA certificates (PEM) trusted for sending portability packages to a third party's "
       "https:// address; empty: the system's"},
      {"rights.transfer_allow_private_addresses", "false",
       "true: portability packages may also go to loopback and private addresses (closed "
       "networks and tests only; by default only public addresses are reached)"},
      {"rights.transfer_timeout_seconds", "60",
       "how long one attempt to send a portability package to a third party may take"},
  };
  return kKeys;
}

std::string EnvNameForKey(const std::string& key) {
  std::string out = "PRIVACYD_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<Config> Config::Load(const std::optional<std::string>& file,
                            const std::map<std::string, std::string>& env,
                            const std::map<std::string, std::string>& flags) {
  Config config;
  for (const auto& k : ConfigKeys()) {
    config.values_[k.name] = k.default_value;
    config.sources_[k.name] = "the default";
  }
  if (file) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(*file);
    } catch (const YAML::BadFile&) {
      return Invalid("config_unreadable", "cannot read config file " + *file);
    } catch (const YAML::Exception& e) {
      return Invalid("config_unreadable", *file + ":" + std::to_string(e.mark.line + 1) + ":" +
                                              std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    if (!root.IsNull() && !root.IsMap()) {
      return Invalid("config_unreadable", *file + ": the config file must be a YAML mapping");
    }
    std::map<std::string, std::pair<std::string, YAML::Mark>> flat;
    if (root.IsMap()) PD_RETURN_IF_ERROR(Flatten(root, "", *file, flat));
    for (const auto& [key, entry] : flat) {
      std::string where = *file + ":" + std::to_string(entry.second.line + 1) + ":" +
                          std::to_string(entry.second.column + 1);
      if (!IsKnown(key)) {
        return Invalid("unknown_config_key",
                       where + ": unknown config key '" + key + "'" + Suggestion(key));
      }
      config.values_[key] = entry.first;
      config.sources_[key] = where;
    }
  }
  for (const auto& k : ConfigKeys()) {
    auto it = env.find(EnvNameForKey(k.name));
    if (it != env.end()) {
      config.values_[k.name] = it->second;
      config.sources_[k.name] = "environment variable " + it->first;
    }
  }
  for (const auto& [key, value] : flags) {
    if (!IsKnown(key)) {
      return Invalid("unknown_config_key", "unknown config key '" + key + "'" + Suggestion(key));
    }
    config.values_[key] = value;
    config.sources_[key] = "the command line";
  }
  return config;
}

const std::string& Config::Get(const std::string& key) const { return values_.at(key); }

Result<int64_t> Config::GetInt(const std::string& key, int64_t min, int64_t max) const {
  const std::string& v = Get(key);
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size() || n < min || n > max) {
    return Invalid("invalid_config", "'" + key + "' from " + sources_.at(key) +
                                         " must be a whole number from " + std::to_string(min) +
                                         " to " + std::to_string(max));
  }
  return n;
}

Result<bool> Config::GetBool(const std::string& key) const {
  const std::string& v = Get(key);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return Invalid("invalid_config",
                 "'" + key + "' from " + sources_.at(key) + " must be true or false");
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos || !entry.starts_with("PRIVACYD_")) continue;
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

}  // namespace privacyd
