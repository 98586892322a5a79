#include "cli/requests.h"

#include <nlohmann/json.hpp>

#include "cli/data_dir.h"
#include "keys/key_manager.h"
#include "policy/period.h"
#include "policy/policy_loader.h"
#include "verify/one_time_codes.h"

namespace privacyd {
namespace {

constexpr int kExitNone = 0;
constexpr int kExitSome = 1;
constexpr int kExitError = 2;

Result<std::set<std::string>> RightList(const Config& config, const std::string& key) {
  static const std::set<std::string> kRights = {"access",           "rectification", "erasure",
                                                "portability",      "restriction",   "objection",
                                                "withdraw_consent", "complaint"};
  std::set<std::string> out;
  const std::string& text = config.Get(key);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      if (!kRights.count(item)) {
        return Error(ErrorKind::kInvalidArgument, "invalid_config",
                     key + ": unknown right '" + item + "'");
      }
      out.insert(item);
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace

Result<RequestSettings> RequestSettingsFrom(const Config& config) {
  RequestSettings settings;
  PD_ASSIGN_OR_RETURN(int64_t hours, config.GetInt("rights.unverified_ttl_hours", 1, 24 * 365));
  settings.unverified_ttl = hours * 3600 * kMicrosPerSecond;
  PD_ASSIGN_OR_RETURN(settings.confirm_rights, RightList(config, "rights.confirm_rights"));
  PD_ASSIGN_OR_RETURN(settings.approval_rights, RightList(config, "rights.approval_rights"));
  PD_ASSIGN_OR_RETURN(int64_t download_hours, config.GetInt("rights.download_hours", 1, 24 * 365));
  settings.download_validity = download_hours * 3600 * kMicrosPerSecond;
  return settings;
}

Result<TransferSettings> TransferSettingsFrom(const Config& config) {
  TransferSettings settings;
  settings.ca_file = config.Get("rights.transfer_ca_file");
  PD_ASSIGN_OR_RETURN(settings.allow_private_addresses,
                      config.GetBool("rights.transfer_allow_private_addresses"));
  PD_ASSIGN_OR_RETURN(int64_t seconds, config.GetInt("rights.transfer_timeout_seconds", 1, 3600));
  settings.timeout = seconds * kMicrosPerSecond;
  return settings;
}

int RunRequestsOverdue(const Config& config, const std::string& format, Environment& env) {
  auto fail = [&](const Error& error) {
    env.err << "privacyd: " << error.message() << " [" << error.code() << "]\n";
    return kExitError;
  };
  auto settings = RequestSettingsFrom(config);
  if (!settings.ok()) return fail(settings.error());
  PolicyLoad load =
      LoadPolicyFileOrExample(config.Get("policy"), Taxonomy::Default(), Jurisdictions::Default());
  if (!load.ok()) {
    return fail(Error(ErrorKind::kInvalidArgument, "policy_invalid",
                      "the policy has errors; `privacyd policy check FILE` lists them"));
  }
  auto store = OpenDataDirStore(config, /*migrate=*/true);
  if (!store.ok()) return fail(store.error());
  // A listing never creates a master key: a data directory without one has no requests.
  auto keyring = OpenKeyring(config.Get("data"), **store, env.random, /*create_if_missing=*/false);
  if (!keyring.ok()) return fail(keyring.error());
  AuditLog audit(env.clock);
  SubjectRegistry registry(**store, *keyring, audit, env.clock, env.random);
  PolicyHolder policy(load.policy);
  OneTimeCodes codes(**keyring, env.clock, env.random);
  RequestService service(**store, registry, *keyring, policy, Jurisdictions::Default(), audit,
                         codes, env.clock, env.random, *settings);
  std::vector<RequestView> overdue;
  constexpr int kPage = 1000;
  // The overdue list is read in one go; a backlog beyond this many is reported as such.
  auto listed = service.Overdue(kPage);
  (*store)->Close();
  if (!listed.ok()) return fail(listed.error());
  overdue = std::move(listed).value();
  const Micros now = env.clock.Now();
  if (format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : overdue) {
      items.push_back({{"id", v.id},
                       {"rights", v.rights},
                       {"state", v.state},
                       {"regime", v.regime},
                       {"due_at", FormatRfc3339(v.due_at)},
                       {"days_overdue", (now - v.due_at) / (86'400LL * kMicrosPerSecond)}});
    }
    env.out << nlohmann::json{{"overdue", items},
                              {"count", overdue.size()},
                              {"as_of", FormatRfc3339(now)}}
                   .dump()
            << "\n";
  } else {
    for (const auto& v : overdue) {
      std::string rights;
      for (const auto& r : v.rights) rights += (rights.empty() ? "" : ",") + r;
      env.out << v.id << "  " << v.state << "  due " << FormatRfc3339(v.due_at) << "  "
              << (now - v.due_at) / (86'400LL * kMicrosPerSecond) << " days overdue  " << rights
              << "\n";
    }
    env.out << overdue.size() << (overdue.size() == 1 ? " request" : " requests")
            << " overdue as of " << FormatRfc3339(now) << "\n";
  }
  return overdue.empty() ? kExitNone : kExitSome;
}

}  // namespace privacyd
