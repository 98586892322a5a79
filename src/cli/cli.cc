#include "cli/cli.h"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

#include "audit/audit_log.h"
#include "cli/data_dir.h"
#include "cli/import.h"
#include "cli/mail.h"
#include "cli/requests.h"
#include "cli/scan.h"
#include "cli/serve.h"
#include "config/config.h"
#include "keys/key_manager.h"
#include "policy/decisions.h"
#include "policy/period.h"
#include "policy/policy_diff.h"
#include "policy/policy_loader.h"
#include "policy/ropa.h"
#include "policy/ropa_format.h"
#include "staff/roles.h"
#include "staff/staff_directory.h"
#include "staff/staff_sessions.h"
#include "statement/statement_renderer.h"

namespace privacyd {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitError = 2;

// Settings shared by the verbs that touch the store.
struct CommonOptions {
  std::string config_file;
  std::string data;
};

void AddCommonOptions(CLI::App* cmd, CommonOptions& common) {
  cmd->add_option("--config", common.config_file, "YAML config file")->check(CLI::ExistingFile);
  cmd->add_option("--data", common.data,
                  "data directory (default ./var; env PRIVACYD_DATA; config key data)");
}

Result<Config> LoadConfig(const CommonOptions& common, const Environment& env,
                          std::map<std::string, std::string> flags = {}) {
  if (!common.data.empty()) flags["data"] = common.data;
  std::optional<std::string> file;
  if (!common.config_file.empty()) file = common.config_file;
  return Config::Load(file, env.env, flags);
}

std::string OsUserName() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return std::to_string(geteuid());
}

StaffActor CliActor() { return StaffActor{"cli:" + OsUserName(), "admin", ""}; }

int Fail(Environment& env, const Error& error) {
  env.err << "privacyd: " << error.message() << " [" << error.code() << "]\n";
  return kExitError;
}

// Reads a password without echo when standard input is a terminal.
std::optional<std::string> PromptPassword(Environment& env, const std::string& prompt) {
  if (!isatty(STDIN_FILENO)) return std::nullopt;
  env.err << prompt << std::flush;
  termios old_mode{};
  tcgetattr(STDIN_FILENO, &old_mode);
  termios quiet = old_mode;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  std::getline(env.in, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  env.err << "\n";
  return line;
}

// Runs `body` with the staff directory and the staff console's sessions of the configured data
// directory.
int WithSessions(Environment& env, const CommonOptions& common,
                 const std::function<int(StaffDirectory&, StaffSessions&)>& body) {
  auto config = LoadConfig(common, env);
  if (!config.ok()) return Fail(env, config.error());
  auto store = OpenDataDirStore(*config, /*migrate=*/true);
  if (!store.ok()) return Fail(env, store.error());
  auto changes = OpenStaffChangeCounter(*config);
  if (!changes.ok()) return Fail(env, changes.error());
  AuditLog audit(env.clock);
  StaffDirectory staff(**store, audit, env.clock, env.random, changes->get());
  StaffSessions sessions(**store, staff, audit, env.clock, env.random);
  int code = body(staff, sessions);
  (*store)->Close();
  return code;
}

// The same, with the staff directory only.
int WithStaff(Environment& env, const CommonOptions& common,
              const std::function<int(StaffDirectory&)>& body) {
  return WithSessions(env, common,
                      [&](StaffDirectory& staff, StaffSessions&) { return body(staff); });
}

void AddUserCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* user = app.add_subcommand("user", "manage staff users");
  user->require_subcommand(1);

  {
    struct AddOptions {
      CommonOptions common;
      std::string name, role;
      bool password_stdin = false;
    };
    auto o = std::make_shared<AddOptions>();
    auto* add = user->add_subcommand("add", "create a staff user (password from a prompt)");
    add->add_option("NAME", o->name, "user name: a-z, 0-9, '.', '_', '-'")->required();
    add->add_option("--role", o->role, "admin, privacy_officer, support_agent, marketing, auditor")
        ->required();
    add->add_flag("--password-stdin", o->password_stdin,
                  "read the password from the first line of standard input");
    AddCommonOptions(add, o->common);
    add->callback([&env, &action, o] {
      action = [&env, o] {
        std::optional<std::string> password;
        if (o->password_stdin) {
          std::string line;
          std::getline(env.in, line);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          password = line;
        } else {
          password = PromptPassword(env, "Password for " + o->name + ": ");
          if (!password) {
            env.err << "privacyd: standard input is not a terminal; pass --password-stdin and "
                       "write the password to standard input\n";
            return kExitError;
          }
          auto again = PromptPassword(env, "Repeat the password: ");
          if (!again || *again != *password) {
            env.err << "privacyd: the passwords differ; nothing was created\n";
            return kExitError;
          }
        }
        return WithStaff(env, o->common, [&](StaffDirectory& staff) {
          auto user = staff.AddUser(CliActor(), o->name, o->role, password);
          if (!user.ok()) return Fail(env, user.error());
          env.out << "created user " << user->name << " (" << user->role << ") id " << user->id
                  << "\n";
          return kExitOk;
        });
      };
    });
  }

  {
    struct Options {
      CommonOptions list_common;
    };
    auto o = std::make_shared<Options>();
    auto* list = user->add_subcommand("list", "list staff users");
    AddCommonOptions(list, o->list_common);
    list->callback([&env, &action, o] {
      action = [&env, o] {
        return WithStaff(env, o->list_common, [&](StaffDirectory& staff) {
          auto users = staff.ListUsers();
          if (!users.ok()) return Fail(env, users.error());
          env.out << "NAME\tROLE\tSTATE\tCREATED\tID\n";
          for (const auto& u : *users) {
            env.out << u.name << "\t" << u.role << "\t" << (u.disabled ? "disabled" : "active")
                    << "\t" << FormatRfc3339(u.created_at) << "\t" << u.id << "\n";
          }
          return kExitOk;
        });
      };
    });
  }

  {
    struct Options {
      CommonOptions disable_common;
      std::string disable_name;
    };
    auto o = std::make_shared<Options>();
    auto* disable = user->add_subcommand("disable", "disable a staff user and all its tokens");
    disable->add_option("NAME", o->disable_name, "user name")->required();
    AddCommonOptions(disable, o->disable_common);
    disable->callback([&env, &action, o] {
      action = [&env, o] {
        return WithStaff(env, o->disable_common, [&](StaffDirectory& staff) {
          Status s = staff.DisableUser(CliActor(), o->disable_name);
          if (!s.ok()) return Fail(env, s.error());
          env.out << "disabled user " << o->disable_name << "\n";
          return kExitOk;
        });
      };
    });
  }

  {
    struct Options {
      CommonOptions list_common, end_common;
      std::string list_user, end_user, end_id;
    };
    auto o = std::make_shared<Options>();
    auto* sessions = user->add_subcommand(
        "sessions", "list live staff console sessions (never their secrets), or end them");
    sessions->require_subcommand(0, 1);
    sessions->add_option("--user", o->list_user, "only this user's sessions");
    AddCommonOptions(sessions, o->list_common);
    auto* end = sessions->add_subcommand("end", "end one session, or every session of a user");
    end->add_option("ID", o->end_id, "the session's id (from `privacyd user sessions`)");
    end->add_option("--user", o->end_user, "end every session of this user");
    AddCommonOptions(end, o->end_common);
    sessions->callback([&env, &action, o, end] {
      if (end->parsed()) return;
      action = [&env, o] {
        return WithSessions(
            env, o->list_common, [&](StaffDirectory& staff, StaffSessions& sessions) {
              auto live = sessions.ListLive(o->list_user);
              if (!live.ok()) return Fail(env, live.error());
              auto users = staff.ListUsers();
              if (!users.ok()) return Fail(env, users.error());
              auto name_of = [&](const std::string& id) {
                for (const auto& u : *users) {
                  if (u.id == id) return u.name;
                }
                return id;
              };
              env.out << "ID\tUSER\tMETHOD\tSTARTED\tLAST_USED\tEXPIRES\n";
              for (const auto& s : *live) {
                env.out << s.id << "\t" << name_of(s.user_id) << "\t" << s.method << "\t"
                        << FormatRfc3339(s.created_at) << "\t" << FormatRfc3339(s.last_used_at)
                        << "\t" << FormatRfc3339(s.expires_at) << "\n";
              }
              return kExitOk;
            });
      };
    });
    end->callback([&env, &action, o] {
      action = [&env, o] {
        if (o->end_id.empty() == o->end_user.empty()) {
          env.err << "privacyd: give either a session ID or --user NAME\n";
          return kExitError;
        }
        return WithSessions(env, o->end_common, [&](StaffDirectory&, StaffSessions& sessions) {
          if (!o->end_id.empty()) {
            Status s = sessions.End(CliActor(), o->end_id);
            if (!s.ok()) return Fail(env, s.error());
            env.out << "ended session " << o->end_id << "\n";
            return kExitOk;
          }
          auto ended = sessions.EndAllOf(CliActor(), o->end_user);
          if (!ended.ok()) return Fail(env, ended.error());
          env.out << "ended " << *ended << " sessions of " << o->end_user << "\n";
          return kExitOk;
        });
      };
    });
  }
}

void AddTokenCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* token = app.add_subcommand("token", "manage staff API tokens");
  token->require_subcommand(1);

  {
    struct Options {
      CommonOptions create_common;
      std::string create_user;
      std::string create_label;
      int ttl_days = 90;
    };
    auto o = std::make_shared<Options>();
    auto* create = token->add_subcommand(
        "create", "create an API token; the token is printed alone on the last line");
    create->add_option("--user", o->create_user, "the staff user the token acts as")->required();
    create->add_option("--label", o->create_label, "what the token is for");
    create->add_option("--ttl-days", o->ttl_days, "days until the token expires (0 = never)")
        ->capture_default_str()
        ->check(CLI::Range(0, 3650));
    AddCommonOptions(create, o->create_common);
    create->callback([&env, &action, o] {
      action = [&env, o] {
        return WithStaff(env, o->create_common, [&](StaffDirectory& staff) {
          std::optional<Micros> ttl;
          if (o->ttl_days > 0) ttl = static_cast<Micros>(o->ttl_days) * 86400 * kMicrosPerSecond;
          auto issued = staff.CreateToken(CliActor(), o->create_user, o->create_label, ttl);
          if (!issued.ok()) return Fail(env, issued.error());
          env.err << "token " << issued->record.id << " for " << o->create_user
                  << (issued->record.expires_at
                          ? " expires " + FormatRfc3339(*issued->record.expires_at)
                          : std::string(" never expires"))
                  << "; it is shown only now:\n";
          env.out << issued->token << "\n";
          return kExitOk;
        });
      };
    });
  }

  {
    struct Options {
      CommonOptions list_common;
      std::string list_user;
    };
    auto o = std::make_shared<Options>();
    auto* list = token->add_subcommand("list", "list tokens (never their secrets)");
    list->add_option("--user", o->list_user, "only this user's tokens");
    AddCommonOptions(list, o->list_common);
    list->callback([&env, &action, o] {
      action = [&env, o] {
        return WithStaff(env, o->list_common, [&](StaffDirectory& staff) {
          auto tokens = staff.ListTokens(o->list_user);
          if (!tokens.ok()) return Fail(env, tokens.error());
          env.out << "ID\tUSER_ID\tLABEL\tCREATED\tEXPIRES\tSTATE\n";
          for (const auto& t : *tokens) {
            env.out << t.id << "\t" << t.user_id << "\t" << t.label << "\t"
                    << FormatRfc3339(t.created_at) << "\t"
                    << (t.expires_at ? FormatRfc3339(*t.expires_at) : "never") << "\t"
                    << (t.revoked_at ? "revoked" : "active") << "\n";
          }
          return kExitOk;
        });
      };
    });
  }

  {
    struct Options {
      CommonOptions revoke_common;
      std::string revoke_id;
    };
    auto o = std::make_shared<Options>();
    auto* revoke = token->add_subcommand("revoke", "revoke a token at once");
    revoke->add_option("ID", o->revoke_id, "token id (tok_...)")->required();
    AddCommonOptions(revoke, o->revoke_common);
    revoke->callback([&env, &action, o] {
      action = [&env, o] {
        return WithStaff(env, o->revoke_common, [&](StaffDirectory& staff) {
          Status s = staff.RevokeToken(CliActor(), o->revoke_id);
          if (!s.ok()) return Fail(env, s.error());
          env.out << "revoked token " << o->revoke_id << "\n";
          return kExitOk;
        });
      };
    });
  }
}

void AddMaintenanceCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  {
    struct Options {
      CommonOptions migrate_common;
    };
    auto o = std::make_shared<Options>();
    auto* migrate = app.add_subcommand("migrate", "apply pending store migrations (also at start)");
    AddCommonOptions(migrate, o->migrate_common);
    migrate->callback([&env, &action, o] {
      action = [&env, o] {
        auto config = LoadConfig(o->migrate_common, env);
        if (!config.ok()) return Fail(env, config.error());
        auto store = OpenDataDirStore(*config, /*migrate=*/true);
        if (!store.ok()) return Fail(env, store.error());
        auto version = (*store)->SchemaVersion();
        if (!version.ok()) return Fail(env, version.error());
        env.out << "schema version " << *version << " (latest " << (*store)->LatestSchemaVersion()
                << ")\n";
        return kExitOk;
      };
    });
  }

  auto* keys = app.add_subcommand("keys", "manage encryption keys");
  keys->require_subcommand(1);
  {
    struct Options {
      CommonOptions rotate_common;
      int rotate_batch = 500;
    };
    auto o = std::make_shared<Options>();
    auto* rotate = keys->add_subcommand(
        "rotate",
        "re-wrap every data key under a new master key (server stopped; safe to interrupt and "
        "re-run)");
    rotate->add_option("--batch", o->rotate_batch, "keys re-wrapped per transaction")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    AddCommonOptions(rotate, o->rotate_common);
    rotate->callback([&env, &action, o] {
      action = [&env, o] {
        auto config = LoadConfig(o->rotate_common, env);
        if (!config.ok()) return Fail(env, config.error());
        std::filesystem::path dir = config->Get("data");
        auto store = OpenDataDirStore(*config, /*migrate=*/true);
        if (!store.ok()) return Fail(env, store.error());
        auto lock = DataDirLock::Acquire(dir);
        if (!lock.ok()) return Fail(env, lock.error());
        Status s = RotateMasterKey(
            dir, **store, env.random, o->rotate_batch, [&](const RotationProgress& p) {
              env.out << "rewrapped " << p.rewrapped << " data keys" << std::endl;
            });
        if (!s.ok()) return Fail(env, s.error());
        env.out << "master key rotated; back up the new " << (dir / "master.key").string()
                << " now\n";
        return kExitOk;
      };
    });

    struct LinkOptions {
      CommonOptions common;
      bool retire = false;
    };
    auto l = std::make_shared<LinkOptions>();
    auto* links = keys->add_subcommand(
        "rotate-links",
        "sign new links (unsubscribe, preferences, confirmation) with a new key; with "
        "--retire-old every link signed before stops working (server stopped)");
    links->add_flag("--retire-old", l->retire,
                    "delete the older link keys: use when a key may have leaked");
    AddCommonOptions(links, l->common);
    links->callback([&env, &action, l] {
      action = [&env, l] {
        auto config = LoadConfig(l->common, env);
        if (!config.ok()) return Fail(env, config.error());
        std::filesystem::path dir = config->Get("data");
        auto store = OpenDataDirStore(*config, /*migrate=*/true);
        if (!store.ok()) return Fail(env, store.error());
        auto lock = DataDirLock::Acquire(dir);
        if (!lock.ok()) return Fail(env, lock.error());
        auto keyring = OpenKeyring(dir, **store, env.random, /*create_if_missing=*/false);
        if (!keyring.ok()) return Fail(env, keyring.error());
        auto id = RotateLinkKeys(**store, **keyring, env.random, env.clock.Now(), l->retire);
        if (!id.ok()) return Fail(env, id.error());
        env.out << "links are now signed with key " << *id
                << (l->retire ? "; every link signed before no longer works\n"
                              : "; links signed before keep working\n");
        return kExitOk;
      };
    });
  }

  auto* audit = app.add_subcommand("audit", "inspect the audit trail");
  audit->require_subcommand(1);
  {
    struct Options {
      CommonOptions verify_common;
    };
    auto o = std::make_shared<Options>();
    auto* verify = audit->add_subcommand(
        "verify", "walk the hash chain; exit 0 with the count, or 1 naming the first broken entry");
    AddCommonOptions(verify, o->verify_common);
    verify->callback([&env, &action, o] {
      action = [&env, o] {
        auto config = LoadConfig(o->verify_common, env);
        if (!config.ok()) return Fail(env, config.error());
        auto store = OpenDataDirStore(*config, /*migrate=*/true);
        if (!store.ok()) return Fail(env, store.error());
        AuditLog log(env.clock);
        auto report = log.Verify(**store);
        if (!report.ok()) return Fail(env, report.error());
        if (!report->intact) {
          env.out << "audit chain BROKEN at entry " << report->first_broken_seq << ": "
                  << report->reason << " (" << report->checked
                  << " entries before it are intact)\n";
          return kExitCheckFailed;
        }
        env.out << "audit chain intact: " << report->checked << " entries\n";
        return kExitOk;
      };
    });
  }
}

// The policy in --policy, else the configured one, else the embedded example. Prints the
// policy's errors when it has any.
Result<std::shared_ptr<const Policy>> LoadValidPolicy(const std::string& policy_flag,
                                                      const CommonOptions& common,
                                                      Environment& env) {
  std::string file = policy_flag;
  if (file.empty()) {
    auto config = LoadConfig(common, env);
    if (!config.ok()) return config.error();
    file = config->Get("policy");
  }
  PolicyLoad load = LoadPolicyFileOrExample(file, Taxonomy::Default(), Jurisdictions::Default());
  if (!load.ok()) {
    for (const auto& d : load.diagnostics) env.err << d.Format() << "\n";
    return Error(ErrorKind::kInvalidArgument, "policy_invalid",
                 "the policy has " + std::to_string(load.errors()) +
                     " errors (above); fix them, `privacyd policy check FILE` lists them");
  }
  return load.policy;
}

// The decision tables of the policy LoadValidPolicy finds.
Result<std::shared_ptr<const DecisionTables>> LoadDecisions(const std::string& policy_flag,
                                                            const CommonOptions& common,
                                                            Environment& env) {
  PD_ASSIGN_OR_RETURN(auto policy, LoadValidPolicy(policy_flag, common, env));
  return DecisionTables::Compile(*policy, Taxonomy::Default(), Jurisdictions::Default());
}

// Prints a decision; exit 0 when allowed, 1 when refused.
int PrintDecision(Environment& env, const Decision& d, const RetentionRule* rule = nullptr) {
  env.out << (d.allowed ? "allowed" : "refused") << "\n"
          << "reason: " << ReasonName(d.clause.reason) << " (" << ReasonDescription(d.clause.reason)
          << ")\n"
          << "clause: " << d.clause.key << "\n";
  if (rule != nullptr) {
    std::string keep;
    auto add = [&keep](int n, const char* unit) {
      if (n == 0) return;
      keep += (keep.empty() ? "" : " ") + std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    add(rule->keep.years, "year");
    add(rule->keep.months, "month");
    add(rule->keep.days, "day");
    env.out << "retention: " << keep << " from " << RetentionStartName(rule->from) << "\n";
  }
  return d.allowed ? kExitOk : kExitCheckFailed;
}

void AddExplainCommands(CLI::App* policy, Environment& env, std::function<int()>& action) {
  auto* explain = policy->add_subcommand(
      "explain",
      "answer a question from the policy's decision tables, with the clause that "
      "decided it; exits 0 when allowed, 1 when refused, 2 on a usage error");
  explain->require_subcommand(1);
  struct Options {
    CommonOptions common;
    std::string policy;
    std::string point, field, category, purpose, regime, country, consent = "none", recipient,
                                                                  origin, destination, at;
    std::vector<std::string> categories;
  };
  auto o = std::make_shared<Options>();
  auto common = [&o](CLI::App* cmd) {
    cmd->add_option("--policy", o->policy,
                    "policy file (default: the configured one, else the embedded example)");
    cmd->add_option("--config", o->common.config_file, "YAML config file")
        ->check(CLI::ExistingFile);
  };
  // Runs `ask` over the loaded tables.
  auto run = [&env, &action, o](std::function<int(const DecisionTables&)> ask) {
    action = [&env, o, ask] {
      auto tables = LoadDecisions(o->policy, o->common, env);
      if (!tables.ok()) return Fail(env, tables.error());
      return ask(**tables);
    };
  };

  auto* collect = explain->add_subcommand("collect", "may FIELD be collected at POINT?");
  collect->add_option("POINT", o->point, "collection point id")->required();
  collect->add_option("FIELD", o->field, "field name")->required();
  common(collect);
  collect->callback([&env, o, run] {
    run([&env, o](const DecisionTables& t) {
      auto d = t.Collect(o->point, o->field);
      return d.ok() ? PrintDecision(env, *d) : Fail(env, d.error());
    });
  });

  auto* use = explain->add_subcommand(
      "use", "may CATEGORY be used for PURPOSE for a person under a regime, given their consent?");
  use->add_option("CATEGORY", o->category, "data category key")->required();
  use->add_option("PURPOSE", o->purpose, "purpose id")->required();
  auto* regime = use->add_option("--regime", o->regime, "regime id: gdpr, uk_gdpr, ccpa, ...");
  use->add_option("--country", o->country, "the person's country (DE) or subdivision (US-CA)")
      ->excludes(regime);
  use->add_option("--consent", o->consent, "none, granted, withdrawn or objected (default none)");
  common(use);
  use->callback([&env, o, run] {
    run([&env, o](const DecisionTables& t) {
      if (o->regime.empty() == o->country.empty()) {
        env.err << "privacyd: name the regime (--regime gdpr) or the country (--country DE)\n";
        return kExitError;
      }
      auto consent = ParseConsentState(o->consent);
      if (!consent.ok()) return Fail(env, consent.error());
      if (!o->regime.empty()) {
        if (auto id = t.FindRegime(o->regime); !id.ok()) return Fail(env, id.error());
      } else if (auto id = t.RegimeForCountry(o->country); !id.ok()) {
        return Fail(env, id.error());
      }
      auto d = t.Use(o->category, o->purpose, o->regime.empty() ? o->country : o->regime, *consent);
      return d.ok() ? PrintDecision(env, *d) : Fail(env, d.error());
    });
  });

  auto* disclose = explain->add_subcommand(
      "disclose", "may CATEGORY... be disclosed to RECIPIENT for PURPOSE, from --origin?");
  disclose->add_option("RECIPIENT", o->recipient, "recipient id")->required();
  disclose->add_option("PURPOSE", o->purpose, "purpose id")->required();
  disclose->add_option("CATEGORY", o->categories, "data category keys")->required();
  disclose->add_option("--origin", o->origin, "where the people are: country (DE)")->required();
  disclose->add_option("--destination", o->destination,
                       "only this one of the recipient's countries (default: all)");
  disclose->add_option("--at", o->at,
                       "judge transfers on this date, YYYY-MM-DD (default: the policy's "
                       "effective date)");
  common(disclose);
  disclose->callback([&env, o, run] {
    run([&env, o](const DecisionTables& t) {
      DiscloseQuestion q{o->recipient, o->purpose, o->categories, o->origin, o->destination, {}};
      if (!o->at.empty()) {
        auto at = ParseDate(o->at);
        if (!at.ok()) return Fail(env, at.error());
        q.at = *at;
      }
      auto d = t.Disclose(q);
      return d.ok() ? PrintDecision(env, *d) : Fail(env, d.error());
    });
  });

  auto* retention =
      explain->add_subcommand("retention", "how long is CATEGORY kept for PURPOSE, and from when?");
  retention->add_option("CATEGORY", o->category, "data category key")->required();
  retention->add_option("PURPOSE", o->purpose, "purpose id")->required();
  common(retention);
  retention->callback([&env, o, run] {
    run([&env, o](const DecisionTables& t) {
      auto answer = t.Retention(o->category, o->purpose);
      return answer.ok() ? PrintDecision(env, answer->decision, answer->rule)
                         : Fail(env, answer.error());
    });
  });
}

void AddPolicyCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* policy = app.add_subcommand("policy", "check and explain the policy file");
  policy->require_subcommand(1);
  {
    struct Options {
      CommonOptions common;
      std::string file;
      std::string policy;
    };
    auto o = std::make_shared<Options>();
    auto* check = policy->add_subcommand(
        "check",
        "validate a policy file; prints every problem, exits 0 when it has no errors, 1 "
        "when it has any");
    check->add_option("FILE", o->file, "policy file (default: --policy, or the configured one)");
    check->add_option("--policy", o->policy, "policy file");
    check->add_option("--config", o->common.config_file, "YAML config file")
        ->check(CLI::ExistingFile);
    check->callback([&env, &action, o] {
      action = [&env, o] {
        std::string file = !o->file.empty() ? o->file : o->policy;
        if (file.empty()) {
          auto config = LoadConfig(o->common, env);
          if (!config.ok()) return Fail(env, config.error());
          file = config->Get("policy");
        }
        if (file.empty()) {
          env.err << "privacyd: name the policy file: privacyd policy check FILE\n";
          return kExitError;
        }
        PolicyLoad load = LoadPolicyFile(file, Taxonomy::Default(), Jurisdictions::Default());
        for (const auto& d : load.diagnostics) env.out << d.Format() << "\n";
        env.out << file << ": " << load.errors() << (load.errors() == 1 ? " error, " : " errors, ")
                << load.warnings() << (load.warnings() == 1 ? " warning" : " warnings") << "\n";
        return load.ok() ? kExitOk : kExitCheckFailed;
      };
    });
  }
  AddExplainCommands(policy, env, action);
}

void AddRopaCommand(CLI::App& app, Environment& env, std::function<int()>& action) {
  struct Options {
    CommonOptions common;
    std::string format = "json";
    std::string lang;
    std::string policy;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  auto* ropa = app.add_subcommand(
      "ropa", "export the record of processing activities (GDPR Art. 30) derived from the policy");
  ropa->add_option("--format", o->format, "json, csv or xlsx (default json)")
      ->check(CLI::IsMember({"json", "csv", "xlsx"}));
  ropa->add_option("--lang", o->lang, "language of the texts (default: the policy's first)");
  ropa->add_option("--policy", o->policy,
                   "policy file (default: the configured one, else the embedded example policy)");
  ropa->add_option("--output,-o", o->output, "write to FILE instead of standard output");
  ropa->add_option("--config", o->common.config_file, "YAML config file")->check(CLI::ExistingFile);
  ropa->callback([&env, &action, o] {
    action = [&env, o] {
      auto format = ParseRopaFormat(o->format);
      if (!format.ok()) return Fail(env, format.error());
      // A workbook on a terminal is only noise and can upset it.
      if (*format == RopaFormat::kXlsx && o->output.empty() && &env.out == &std::cout &&
          isatty(STDOUT_FILENO)) {
        env.err << "privacyd: xlsx is binary; write it with --output FILE or redirect standard "
                   "output\n";
        return kExitError;
      }
      auto policy = LoadValidPolicy(o->policy, o->common, env);
      if (!policy.ok()) return Fail(env, policy.error());
      auto record = BuildRopa(**policy, Taxonomy::Default(), Jurisdictions::Default(), o->lang,
                              env.clock.Now());
      if (!record.ok()) return Fail(env, record.error());
      auto bytes = RenderRopa(*record, *format);
      if (!bytes.ok()) return Fail(env, bytes.error());
      if (o->output.empty()) {
        env.out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
        env.out.flush();
        return env.out ? kExitOk : kExitError;
      }
      std::ofstream out(o->output, std::ios::binary | std::ios::trunc);
      out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
      out.close();
      if (!out) {
        env.err << "privacyd: cannot write " << o->output << "\n";
        return kExitError;
      }
      env.err << o->output << ": " << record->activities.size() << " processing activities\n";
      return kExitOk;
    };
  });
}

void AddStatementCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* statement = app.add_subcommand("statement", "the privacy statement, from the policy");
  statement->require_subcommand(1);
  {
    struct Options {
      CommonOptions common;
      std::string policy;
      std::string lang;
      std::string format = "html";
    };
    auto o = std::make_shared<Options>();
    auto* render = statement->add_subcommand(
        "render", "write the statement in one language to standard output");
    render->add_option("--lang", o->lang, "language: one of the policy's (en, de, fr)")->required();
    render->add_option("--format", o->format, "md or html")
        ->capture_default_str()
        ->check(CLI::IsMember({"md", "html"}));
    render->add_option("--policy", o->policy,
                       "policy file (default: the configured one, else the embedded example)");
    render->add_option("--config", o->common.config_file, "YAML config file")
        ->check(CLI::ExistingFile);
    render->callback([&env, &action, o] {
      action = [&env, o] {
        auto policy = LoadValidPolicy(o->policy, o->common, env);
        if (!policy.ok()) return Fail(env, policy.error());
        auto rendered = o->format == "md"
                            ? RenderStatementMarkdown(**policy, o->lang, Taxonomy::Default(),
                                                      Jurisdictions::Default())
                            : RenderStatementHtml(**policy, o->lang, Taxonomy::Default(),
                                                  Jurisdictions::Default());
        if (!rendered.ok()) return Fail(env, rendered.error());
        env.out << *rendered;
        return kExitOk;
      };
    });
  }
  {
    struct Options {
      std::string before;
      std::string after;
    };
    auto o = std::make_shared<Options>();
    auto* diff = statement->add_subcommand(
        "diff",
        "list the changes between two policy files clause by clause, each classified "
        "material or editorial");
    diff->add_option("OLD", o->before, "the earlier policy file")
        ->required()
        ->check(CLI::ExistingFile);
    diff->add_option("NEW", o->after, "the later policy file")
        ->required()
        ->check(CLI::ExistingFile);
    diff->callback([&env, &action, o] {
      action = [&env, o] {
        PolicyLoad before =
            LoadPolicyFile(o->before, Taxonomy::Default(), Jurisdictions::Default());
        PolicyLoad after = LoadPolicyFile(o->after, Taxonomy::Default(), Jurisdictions::Default());
        for (const PolicyLoad* load : {&before, &after}) {
          if (load->ok()) continue;
          for (const auto& d : load->diagnostics) env.err << d.Format() << "\n";
          return Fail(env,
                      Error(ErrorKind::kInvalidArgument, "policy_invalid",
                            "both policies must be valid to compare them; fix the errors above"));
        }
        auto changes = DiffPolicies(*before.policy, *after.policy);
        size_t material = 0;
        for (const auto& change : changes) {
          env.out << FormatChange(change) << "\n";
          if (change.material) ++material;
        }
        env.out << changes.size() << (changes.size() == 1 ? " change, " : " changes, ") << material
                << " material\n";
        return kExitOk;
      };
    });
  }
}

// The footer of `scan --help`: output, exit status, and the names --types takes.
std::string ScanHelpFooter() {
  std::string sensitive = "  ", other = "  ";
  for (size_t i = 0; i < guard::kFindingTypeCount; ++i) {
    auto type = static_cast<guard::FindingType>(i);
    std::string& list = guard::IsSensitive(type) ? sensitive : other;
    std::string_view name = guard::FindingTypeName(type);
    if (list.size() > 2) {
      size_t last_line = list.rfind('\n');
      last_line = last_line == std::string::npos ? 0 : last_line + 1;
      list += list.size() - last_line + name.size() > 88 ? ",\n  " : ", ";
    }
    list += name;
  }
  return "\nInput: one line at a time, of any length and any bytes (NUL bytes and invalid UTF-8\n"
         "included). A line ends at \\n; a \\r before it is not part of the line; a last line\n"
         "without \\n is a line.\n"
         "\nOutput, one record per finding, never the matched text:\n"
         "  jsonl: {\"line\":3,\"start\":10,\"end\":21,\"type\":\"US_SSN\",\n"
         "          \"category\":\"user.government_id.national_identification_number\",\n"
         "          \"score\":0.95}\n"
         "  text:  3:10-21 US_SSN (user.government_id.national_identification_number) score 0.95\n"
         "line is 1-based; start and end are byte offsets in the line, end exclusive.\n"
         "\nExit status: 0 no sensitive finding, 1 at least one sensitive finding, 2 error (a\n"
         "message ending in a stable [code] on standard error: unknown_finding_type,\n"
         "no_finding_types, invalid_region, lexicons_unreadable, lexicons_missing,\n"
         "lexicon_invalid, file_unreadable, read_failed, write_failed).\n"
         "\nOutput goes out in large blocks, not line by line.\n"
         "\nSensitive types (the default):\n" +
         sensitive + "\nNot sensitive, found only when named in --types (exit status 0):\n" +
         other + "\n";
}

void AddScanCommand(CLI::App& app, Environment& env, std::function<int()>& action) {
  struct Options {
    ScanCommand command;
    std::string format = "jsonl";
  };
  auto o = std::make_shared<Options>();
  auto* scan = app.add_subcommand(
      "scan",
      "find sensitive data (government ids, card and bank numbers, health, ethnicity, opinions, "
      "...) in text, line by line, and say where; exits 1 when something sensitive is found");
  scan->add_option("FILE", o->command.file, "the file to scan; - or none: standard input")
      ->type_name("");
  scan->add_option("--format", o->format, "jsonl (default) or text")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"jsonl", "text"}));
  auto* types = scan->add_option("--types", o->command.types,
                                 "look only for these types, e.g. US_SSN,IBAN,EMAIL (default: "
                                 "every sensitive type)")
                    ->type_name("T1,T2");
  scan->add_option("--lexicons", o->command.lexicons_dir,
                   "use every *.yml lexicon in DIR instead of the built-in ones (format in "
                   "docs/guard.md)")
      ->type_name("DIR");
  scan->add_option("--region", o->command.region,
                   "country assumed for phone numbers without a country code (ISO 3166 "
                   "alpha-2, default US)")
      ->type_name("CC");
  scan->footer(ScanHelpFooter());
  scan->callback([&env, &action, o, types] {
    o->command.types_given = types->count() > 0;
    o->command.format = o->format == "text" ? ScanFormat::kText : ScanFormat::kJsonl;
    action = [&env, o] { return RunScan(o->command, env); };
  });
}

void AddImportCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* import = app.add_subcommand("import", "bring third-party data in through the policy");
  import->require_subcommand(1);
  struct Options {
    CommonOptions common;
    ImportCommand command;
    std::string policy;
  };
  auto o = std::make_shared<Options>();
  auto* enrichment = import->add_subcommand(
      "enrichment",
      "combine a vendor's business-contact data (CSV with a header row) with the people we hold, "
      "as far as the policy's enrichment point allows; exits 1 when rows were refused");
  enrichment->add_option("FILE", o->command.file, "the CSV file")
      ->required()
      ->check(CLI::ExistingFile);
  enrichment
      ->add_option("--vendor", o->command.vendor,
                   "who the data comes from, recorded with every value (a-z, 0-9, . _ -)")
      ->required();
  enrichment->add_option("--report", o->command.report,
                         "per-row report, JSON Lines (default FILE.report.jsonl)");
  enrichment->add_option("--point", o->command.point,
                         "enrichment point of the policy (default: its only one)");
  enrichment->add_option("--policy", o->policy,
                         "policy file (default: the configured one, else the embedded example)");
  AddCommonOptions(enrichment, o->common);
  enrichment->footer(
      "Columns the point does not declare are reported and not imported. Rows about people who "
      "were erased, objected to direct marketing or had their processing restricted are skipped; "
      "so are rows about people we do not hold, unless the point says new_subjects: true.");
  enrichment->callback([&env, &action, o] {
    action = [&env, o] {
      std::map<std::string, std::string> flags;
      if (!o->policy.empty()) flags["policy"] = o->policy;
      auto config = LoadConfig(o->common, env, flags);
      if (!config.ok()) return Fail(env, config.error());
      o->command.actor = CliActor().name;
      return RunImportEnrichment(o->command, *config, env);
    };
  });
}

void AddMailCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* mail = app.add_subcommand("mail", "outbound mail");
  mail->require_subcommand(1);
  struct Options {
    CommonOptions common;
    MailTestCommand command;
  };
  auto o = std::make_shared<Options>();
  o->command.language = "en";
  auto* test = mail->add_subcommand(
      "test",
      "send a test message to ADDRESS through the configured relay now, DKIM-signed when "
      "mail.dkim.* is set; exits 0 when the relay accepted it, 1 when sending failed, 2 on a "
      "usage or configuration error");
  test->add_option("ADDRESS", o->command.address, "recipient, e.g. you@example.com")->required();
  test->add_option("--config", o->common.config_file, "YAML config file")->check(CLI::ExistingFile);
  test->add_option("--language", o->command.language, "language of the message: en, de or fr")
      ->capture_default_str()
      ->check(CLI::IsMember({"en", "de", "fr"}));
  test->footer(
      "\nThe relay, TLS mode, authentication, From address and DKIM key come from the mail.* "
      "keys\n(config file, or PRIVACYD_MAIL_* environment variables; see `privacyd serve "
      "--help`).\nOn success prints: sent MESSAGE-ID to HOST:PORT\nOn failure prints the "
      "reason and a stable [code]: smtp_unavailable and\nsmtp_temporary_failure are worth "
      "retrying; smtp_rejected, smtp_starttls_unavailable,\nsmtp_tls_failed and "
      "smtp_auth_failed need a change first.");
  test->callback([&env, &action, o] {
    action = [&env, o] {
      auto config = LoadConfig(o->common, env);
      if (!config.ok()) return Fail(env, config.error());
      return RunMailTest(o->command, *config, env);
    };
  });
}

void AddRequestCommands(CLI::App& app, Environment& env, std::function<int()>& action) {
  auto* requests = app.add_subcommand("requests", "data subject requests");
  requests->require_subcommand(1);
  struct Options {
    CommonOptions common;
    std::string format = "text";
  };
  auto o = std::make_shared<Options>();
  auto* overdue = requests->add_subcommand(
      "overdue",
      "list open requests past their due date, for cron: exit 0 when none is overdue, 1 when "
      "some are, 2 on an error");
  AddCommonOptions(overdue, o->common);
  overdue->add_option("--format", o->format, "text (one line each, then a count) or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  overdue->callback([&env, &action, o] {
    action = [&env, o] {
      auto config = LoadConfig(o->common, env);
      if (!config.ok()) return Fail(env, config.error());
      return RunRequestsOverdue(*config, o->format, env);
    };
  });
}

void AddServeCommand(CLI::App& app, Environment& env, std::function<int()>& action) {
  {
    struct Options {
      CommonOptions common;
      std::string listen;
      std::string policy;
    };
    auto o = std::make_shared<Options>();
    auto* serve = app.add_subcommand("serve", "run the daemon");
    serve->add_option("--listen", o->listen, "ADDR:PORT to serve HTTP on (default 127.0.0.1:8080)");
    serve->add_option("--policy", o->policy, "policy file (default: the embedded example policy)");
    AddCommonOptions(serve, o->common);
    std::string keys_help = "\nConfiguration keys (config file key / environment variable):\n";
    for (const auto& k : ConfigKeys()) {
      keys_help += "  " + k.name + " / " + EnvNameForKey(k.name) + "\n      " + k.help +
                   " (default: " + (k.default_value.empty() ? "none" : k.default_value) + ")\n";
    }
    keys_help += "Precedence: flags > environment > config file > defaults.\n";
    serve->footer(keys_help);
    serve->callback([&env, &action, o] {
      action = [&env, o] {
        std::map<std::string, std::string> flags;
        if (!o->listen.empty()) flags["listen"] = o->listen;
        if (!o->policy.empty()) flags["policy"] = o->policy;
        auto config = LoadConfig(o->common, env, flags);
        if (!config.ok()) return Fail(env, config.error());
        return RunServe(*config, env);
      };
    });
  }
}

}  // namespace

int RunCli(int argc, char** argv, Environment& env) {
  CLI::App app{"privacyd: the privacy statement, executable", "privacyd"};
  app.set_version_flag("--version", std::string("privacyd ") + PRIVACYD_VERSION);
  app.require_subcommand(1);
  std::function<int()> action;
  AddServeCommand(app, env, action);
  AddUserCommands(app, env, action);
  AddTokenCommands(app, env, action);
  AddMaintenanceCommands(app, env, action);
  AddPolicyCommands(app, env, action);
  AddRopaCommand(app, env, action);
  AddStatementCommands(app, env, action);
  AddScanCommand(app, env, action);
  AddImportCommands(app, env, action);
  AddMailCommands(app, env, action);
  AddRequestCommands(app, env, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, env.out, env.err);
    return code == 0 ? kExitOk : kExitError;
  }
  return action ? action() : kExitError;
}

}  // namespace privacyd
