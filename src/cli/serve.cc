#include "cli/serve.h"

#include <malloc.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "audit/audit_log.h"
#include "cli/data_dir.h"
#include "cli/requests.h"
#include "consent/consent_ledger.h"
#include "consent/mail_delivery.h"
#include "geo/ip_country.h"
#include "guard/guard.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/job_queue.h"
#include "jobs/job_runner.h"
#include "keys/key_manager.h"
#include "mail/dkim.h"
#include "mail/message.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "policy/policy_manager.h"
#include "registry/subject_registry.h"
#include "rights/access_package.h"
#include "rights/request_evidence.h"
#include "rights/request_mail.h"
#include "rights/request_service.h"
#include "sharing/disclosure_log.h"
#include "staff/staff_directory.h"
#include "staff/staff_sessions.h"
#include "store/store_metrics.h"

namespace privacyd {
namespace {

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  auto bad = [&] {
    return Error(ErrorKind::kInvalidArgument, "invalid_listen",
                 "listen must be ADDR:PORT, e.g. 127.0.0.1:8080 (got '" + listen + "')");
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  int n = std::stoi(port);
  if (n > 65535) return bad();
  return std::make_pair(host, static_cast<uint16_t>(n));
}

Result<ServerOptions> ServerOptionsFrom(const Config& config) {
  ServerOptions options;
  PD_ASSIGN_OR_RETURN(auto listen, ParseListen(config.Get("listen")));
  options.listen_address = listen.first;
  options.port = listen.second;
  PD_ASSIGN_OR_RETURN(auto io_threads, config.GetInt("http.io_threads", 0, 256));
  PD_ASSIGN_OR_RETURN(auto workers, config.GetInt("http.worker_threads", 1, 1024));
  PD_ASSIGN_OR_RETURN(auto header_bytes, config.GetInt("http.max_header_bytes", 1024, 1024 * 1024));
  PD_ASSIGN_OR_RETURN(auto body_bytes, config.GetInt("http.max_body_bytes", 1024, 1LL << 30));
  PD_ASSIGN_OR_RETURN(auto request_timeout,
                      config.GetInt("http.request_timeout_ms", 100, 3600 * 1000));
  PD_ASSIGN_OR_RETURN(auto idle_timeout, config.GetInt("http.idle_timeout_ms", 100, 3600 * 1000));
  PD_ASSIGN_OR_RETURN(auto connections, config.GetInt("http.max_connections", 1, 1'000'000));
  options.io_threads = static_cast<int>(io_threads);
  options.worker_threads = static_cast<int>(workers);
  options.max_header_bytes = static_cast<size_t>(header_bytes);
  options.max_body_bytes = static_cast<size_t>(body_bytes);
  options.request_timeout_ms = static_cast<int>(request_timeout);
  options.idle_timeout_ms = static_cast<int>(idle_timeout);
  options.max_connections = static_cast<int>(connections);
  std::string proxies = config.Get("http.trusted_proxies");
  for (size_t start = 0; start < proxies.size();) {
    size_t comma = std::min(proxies.find(',', start), proxies.size());
    std::string proxy = proxies.substr(start, comma - start);
    proxy.erase(0, proxy.find_first_not_of(' '));
    proxy.erase(proxy.find_last_not_of(' ') + 1);
    if (!proxy.empty()) options.trusted_proxies.push_back(proxy);
    start = comma + 1;
  }
  return options;
}

Result<JobRunnerOptions> JobRunnerOptionsFrom(const Config& config,
                                              std::shared_ptr<spdlog::logger> log) {
  JobRunnerOptions options;
  PD_ASSIGN_OR_RETURN(auto poll_ms, config.GetInt("jobs.poll_ms", 10, 60 * 1000));
  options.poll_interval = std::chrono::milliseconds(poll_ms);
  PD_ASSIGN_OR_RETURN(auto lease_ms, config.GetInt("jobs.lease_ms", 1000, 3600 * 1000));
  options.lease = lease_ms * 1000;
  options.log = std::move(log);
  return options;
}

// The configured public URL without a trailing '/', so that paths can be appended.
std::string PublicUrl(const Config& config) {
  std::string url = config.Get("public_url");
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Ready when the store answers and every migration is applied.
Status StoreReadiness(Store& store) {
  PD_RETURN_IF_ERROR(store.Ping());
  PD_ASSIGN_OR_RETURN(int version, store.SchemaVersion());
  if (version != store.LatestSchemaVersion()) {
    return Error(ErrorKind::kUnavailable, "migrations_pending",
                 "the store schema is at version " + std::to_string(version) + ", not " +
                     std::to_string(store.LatestSchemaVersion()) + "; run privacyd migrate");
  }
  return Ok();
}

}  // namespace

int RunServe(const Config& config, Environment& env) {
  auto started = std::chrono::steady_clock::now();
  // glibc gives each of the many handler threads an arena of its own (up to eight per core) and
  // keeps what a big request freed in it: a daemon that answered a few consent checks of 100,000
  // stayed at 1.1 to 1.8 GB. Two arenas per core keep it under half of that, without costing
  // the daemon CPU per request (docs/PERFORMANCE.md); MALLOC_ARENA_MAX in the environment still
  // decides when it is set.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }
  // A consent check of 100,000 identities allocates buffers of a few MB to some 25 MB (the
  // request, the parts of the answer; its tables of identities and verdicts are mapped apart,
  // in huge pages: core/huge_pages.h). Above glibc's mmap threshold, or
  // once trimmed, each is fresh memory from the kernel, every page of it faulted in and zeroed
  // again for the next request: a tenth of such a check's CPU. Up to 32 MB (glibc's largest
  // threshold) they come from the arenas, which keep up to 128 MB free each; the peak resident
  // set stays the same (docs/PERFORMANCE.md). MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_
  // or GLIBC_TUNABLES in the environment still decide when set.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr &&
      std::getenv("GLIBC_TUNABLES") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
  }
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr &&
      std::getenv("GLIBC_TUNABLES") == nullptr) {
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
  }
  auto log = spdlog::stderr_logger_mt("privacyd");
  auto level = spdlog::level::from_str(config.Get("log.level"));
  log->set_level(level == spdlog::level::off && config.Get("log.level") != "off"
                     ? spdlog::level::info
                     : level);
  auto fail = [&](const Error& error) {
    log->error("{} [{}]", error.message(), error.code());
    return 2;
  };

  auto access_enabled = config.GetBool("log.access");
  if (!access_enabled.ok()) return fail(access_enabled.error());
  auto access_log = spdlog::stdout_logger_mt("access");
  access_log->set_pattern("%v");
  access_log->set_level(*access_enabled ? spdlog::level::info : spdlog::level::off);

  auto options = ServerOptionsFrom(config);
  if (!options.ok()) return fail(options.error());
  const std::string policy_file = config.Get("policy");
  auto load_policy = [&]() -> PolicyLoad {
    PolicyLoad load =
        LoadPolicyFileOrExample(policy_file, Taxonomy::Default(), Jurisdictions::Default());
    for (const auto& d : load.diagnostics) {
      if (d.severity == PolicyDiagnostic::Severity::kError) {
        log->error("{}", d.Format());
      } else {
        log->warn("{}", d.Format());
      }
    }
    return load;
  };
  PolicyLoad initial = load_policy();
  if (!initial.ok()) {
    return fail(Error(ErrorKind::kInvalidArgument, "policy_invalid",
                      "the policy has " + std::to_string(initial.errors()) +
                          " errors (above); fix them, `privacyd policy check FILE` lists them"));
  }

  // Every pattern is compiled once, before anything is opened; requests share the result.
  auto guard = guard::Guard::Create(guard::GuardOptions{});
  if (!guard.ok()) return fail(guard.error());
  const guard::GuardStats guard_stats = (*guard)->stats();
  log->info("sensitive-data guard: {} patterns {} in {:.0f} ms, scanned through {}",
            guard_stats.patterns, guard_stats.precompiled ? "loaded" : "compiled",
            guard_stats.compile_ms, guard_stats.scan_entry);

  std::filesystem::path data_dir = config.Get("data");
  auto store = OpenDataDirStore(config, /*migrate=*/true);
  if (!store.ok()) return fail(store.error());
  auto lock = DataDirLock::Acquire(data_dir);
  if (!lock.ok()) return fail(lock.error());
  auto keyring = OpenKeyring(data_dir, **store, env.random, /*create_if_missing=*/true);
  if (!keyring.ok()) return fail(keyring.error());

  auto staff_changes = OpenStaffChangeCounter(config);
  if (!staff_changes.ok()) return fail(staff_changes.error());

  AuditLog audit(env.clock);
  StaffDirectory staff(**store, audit, env.clock, env.random, staff_changes->get());
  SubjectRegistry registry(**store, *keyring, audit, env.clock, env.random);

  auto job_workers = config.GetInt("jobs.workers", 1, 256);
  if (!job_workers.ok()) return fail(job_workers.error());
  auto job_options = JobRunnerOptionsFrom(config, log);
  if (!job_options.ok()) return fail(job_options.error());
  JobQueue job_queue(**store, env.clock, env.random);
  JobRunner job_runner(job_queue, *job_options);

  // The validated policy is recorded as a version (diffed against the one before) and put in
  // force; a statement whose text changed under the same version is refused.
  PolicyHolder policy(initial.policy);
  PolicyVersions policy_versions(**store, job_queue, audit, env.clock, Taxonomy::Default(),
                                 Jurisdictions::Default());
  PolicyManager policy_manager(policy, policy_versions, Taxonomy::Default(),
                               Jurisdictions::Default());
  PolicyApplyOutcome started_policy = policy_manager.ApplyLoaded(std::move(initial), "system");
  if (started_policy.error) return fail(*started_policy.error);
  log->info("policy {} version {} in force{}", policy.Current()->file, policy.Current()->version,
            started_policy.applied->newly_stored ? " (new version recorded)" : "");

  // Consent: links signed with the keys kept in the store, the country of requests from
  // Debian's tables (or a MaxMind database), and mail through the outbox.
  auto link_keys = LoadLinkKeys(**store, **keyring, env.random, env.clock.Now());
  if (!link_keys.ok()) return fail(link_keys.error());
  LinkSigner links(std::move(link_keys).value());
  std::unique_ptr<IpCountry> geo;
  if (auto opened = OpenIpCountry(config.Get("geoip.database"), config.Get("geoip.tor_dir"));
      opened.ok()) {
    geo = std::move(opened).value();
    log->info("IP-to-country data: {}", geo->source());
  } else {
    log->warn("{} [{}]; consent records will carry no country", opened.error().message(),
              opened.error().code());
  }
  auto smtp = mail::SmtpSettingsFromConfig(config);
  if (!smtp.ok()) return fail(smtp.error());
  auto dkim = mail::DkimSignerFromConfig(config);
  if (!dkim.ok()) return fail(dkim.error());
  std::string mail_from = config.Get("mail.from");
  std::string mail_domain = "localhost";
  if (!mail_from.empty()) {
    auto from = mail::ParseMailAddress(mail_from);
    if (!from.ok()) return fail(from.error());
    mail_domain = mail::AddressDomain(from->address);
  } else if (!smtp->host.empty()) {
    return fail(Error(ErrorKind::kInvalidArgument, "invalid_config",
                      "mail.smtp.host is set but mail.from is not; set the From address of "
                      "privacyd's mail"));
  }
  Outbox outbox(registry, env.random, env.clock, mail_domain);
  OneTimeCodes codes(**keyring, env.clock, env.random);
  ConsentLedger consent(**store, registry, policy, Jurisdictions::Default(), audit, env.clock,
                        outbox, links, PublicUrl(config), &codes);
  // Checks are answered from memory once the index is built (in the background: the daemon is
  // ready at once and asks the store meanwhile).
  ConsentIndex consent_index(**store, policy, Jurisdictions::Default());
  consent.UseIndex(&consent_index);
  consent_index.Start();
  CheckAudit check_audit(**store, audit, env.clock);
  const std::string check_audit_mode = config.Get("consent.check_audit");
  if (check_audit_mode == "per_second") {
    consent.AuditChecksWith(&check_audit);
    check_audit.Start();
  } else if (check_audit_mode != "per_check") {
    return fail(Error(
        ErrorKind::kInvalidArgument, "invalid_config",
        "consent.check_audit is \"" + check_audit_mode + "\"; set it to per_second or per_check"));
  }
  auto request_settings = RequestSettingsFrom(config);
  if (!request_settings.ok()) return fail(request_settings.error());
  RequestService requests(**store, registry, *keyring, policy, Jurisdictions::Default(), audit,
                          codes, env.clock, env.random, *request_settings);
  requests.UseConsent(&consent);
  AccessPackage access_packages(registry, policy, **guard, env.clock);
  requests.UseAccessPackage(&access_packages);
  requests.UseLinks(&links, PublicUrl(config));
  if (Status s = RegisterRequestPurge(job_runner, requests); !s.ok()) return fail(s.error());
  // Closed requests go once rights.records_retention has passed: a sweep now, then daily.
  if (Status s = RegisterRequestRetentionSweep(job_runner, requests, env.clock); !s.ok()) {
    return fail(s.error());
  }
  if (Status s = requests.ScheduleRetentionSweep(env.clock.Now()); !s.ok()) return fail(s.error());
  auto transfer_settings = TransferSettingsFrom(config);
  if (!transfer_settings.ok()) return fail(transfer_settings.error());
  if (transfer_settings->allow_private_addresses) {
    log->warn(
        "rights.transfer_allow_private_addresses is set: portability packages may be sent "
        "to loopback and private addresses");
  }
  HttpsPackageTransport package_transport(std::move(transfer_settings).value());
  if (Status s = RegisterRequestTransfer(job_runner, requests, package_transport); !s.ok()) {
    return fail(s.error());
  }
  DisclosureLog disclosures(registry, policy, env.clock, env.random);
  RequestEvidenceBuilder request_evidence(**store, requests, audit, policy, env.clock, mail_domain);
  std::unique_ptr<mail::SmtpTransport> transport;
  std::unique_ptr<MailDelivery> delivery;
  std::unique_ptr<RequestMail> request_mail;
  if (smtp->host.empty()) {
    log->warn("mail.smtp.host is not set: mail stays queued in the outbox until it is");
  } else {
    std::string relay = smtp->Relay();
    transport = std::make_unique<mail::SmtpTransport>(std::move(smtp).value());
    delivery = std::make_unique<MailDelivery>(
        **store, registry, policy, consent, outbox, *transport,
        dkim->has_value() ? &**dkim : nullptr,
        MailDeliverySettings{mail_from, config.Get("mail.unsubscribe_mailto")}, audit, env.clock);
    if (Status s = delivery->RegisterWith(job_runner); !s.ok()) return fail(s.error());
    request_mail = std::make_unique<RequestMail>(**store, *keyring, policy, *transport,
                                                 dkim->has_value() ? &**dkim : nullptr, mail_from,
                                                 mail_domain, audit, env.clock);
    if (Status s = request_mail->RegisterWith(job_runner); !s.ok()) return fail(s.error());
    log->info("mail goes out through {}{}", relay, dkim->has_value() ? ", DKIM-signed" : "");
  }

  Metrics metrics;
  Store& store_ref = **store;
  metrics.AddCollector(
      [&store_ref](std::string& out) { AppendStoreMetrics(store_ref.Stats(), out); });
  metrics.AddCollector([&job_runner](std::string& out) { job_runner.AppendMetrics(out); });
  metrics.AddCollector([&consent_index](std::string& out) {
    AppendConsentIndexMetrics(consent_index.GetStats(), out);
  });
  metrics.AddCollector([&requests](std::string& out) { requests.AppendMetrics(out); });
  Router router;
  ApiServices services{metrics,           [&store_ref] { return StoreReadiness(store_ref); },
                       store_ref,         audit,
                       registry,          env.clock,
                       env.random,        policy,
                       policy_versions,   policy_manager,
                       PublicUrl(config), guard->get()};
  services.consent = &consent;
  services.geo = geo.get();
  services.unsubscribe_mailto = config.Get("mail.unsubscribe_mailto");
  services.requests = &requests;
  services.request_evidence = &request_evidence;
  services.disclosures = &disclosures;
  StaffSessions staff_sessions(store_ref, staff, audit, env.clock, env.random);
  ConsoleSessionGate console(staff_sessions, PublicUrl(config));
  services.console = &console;
  AddApiRoutes(router, services);

  HttpServer server(*options, router, staff, metrics, env.random, access_log, &env.clock);
  server.UseSessionAuthenticator(&console);
  if (Status s = server.Listen(); !s.ok()) return fail(s.error());
  server.StopOnSignals([&](int signo) {
    if (signo == SIGHUP) {
      // Atomic: an invalid policy is refused and the running one stays.
      PolicyApplyOutcome reloaded = policy_manager.ApplyLoaded(load_policy(), "system");
      if (reloaded.applied) {
        log->info("SIGHUP: policy version {} now in force", policy.Current()->version);
        job_runner.Notify();
      } else if (reloaded.load.ok()) {
        log->error("SIGHUP: {} [{}]; version {} stays in force", reloaded.error->message(),
                   reloaded.error->code(), policy.Current()->version);
      } else {
        log->error("SIGHUP: the policy has {} errors; version {} stays in force",
                   reloaded.load.errors(), policy.Current()->version);
      }
    } else {
      log->info("signal {}: stopping gracefully", signo);
    }
  });
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  log->info("privacyd {} listening on http://{}:{} (data {}, ready in {} ms)", PRIVACYD_VERSION,
            options->listen_address, server.port(), data_dir.string(), ms);
  if (Status s = job_runner.Start(static_cast<int>(*job_workers)); !s.ok()) return fail(s.error());
  server.Run();
  // Requests in flight are finished, so nothing enqueues any more; running jobs finish before
  // the store closes under them.
  job_runner.Stop();
  consent_index.Stop();
  check_audit.Stop();  // the last second's counts
  (*store)->Close();
  log->info("stopped; jobs finished, store closed");
  return 0;
}

}  // namespace privacyd
