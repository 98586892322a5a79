// The senders' consent check against a store of many subjects: ConsentLedger::Check of 100,000
// and of 1,000,000 identities (ten calls of 100,000, the most one call takes), one after the
// other and on two threads, beside what the check is made of, measured alone in the same run.
//
// The store: --subjects=N (or PRIVACYD_CONSENT_SUBJECTS; default 1,000,000) people with an
// email address each, under a mix of regimes, about a third of them with consent events
// (grants, some confirmed by double opt-in, withdrawals, objections with their suppressions),
// 1% restricted, 1% erased; it is built once per invocation (BM_BuildStore reports how long
// that takes) in a temporary data directory under $PRIVACYD_BENCH_DIR (default: the system temp
// dir), removed at exit. With --data_dir=DIR it is built in DIR and kept, and a later run with
// the same N reuses it. The data directory is one `privacyd serve` can run on (master.key,
// privacyd.db, the index key and link keys), which is what bench/consent_http.sh does:
//   privacyd_consent_bench --data_dir=DIR --load_only [--write_identities=FILE]
// builds (or checks) DIR, writes the check list one identity a line, and exits.
//
// The check list: --identities=M (or PRIVACYD_CONSENT_IDENTITIES; default 1,000,000) email
// addresses in a fixed random order, 95% held by a subject (one in ten written with capitals),
// 5% held by nobody (a fifth of those on the suppression list); about 5% of all addresses have
// an internationalised domain, which normalisation converts with libidn2. Topic "newsletter" of
// the example policy, whose silence follows the person's regime.
//
// Benchmarks (identities_per_s and us_per_identity by the wall clock, all threads together;
// Google Benchmark 1.7's Time column is not wall time on more than one thread):
//   BM_BuildStore             building the store (build_s, db_MB), or reusing a kept one
//   BM_Check/100000           one Check call of the first 100,000 identities
//   BM_Check1M                ten calls of 100,000 (every identity), on 1 and on 2 threads
//   BM_CheckOne               calls of one identity each, on 1, 8 and 64 threads
//   BM_Baseline_BlindIndexes  (a) NormalizeIdentity + Keyring::BlindIndex alone, same addresses
//   BM_Baseline_PointLookups  (b) one FindSubjectByIdentity per identity in one read
//                             transaction per 100,000 (indexes computed beforehand)
//   BM_Baseline_InMemoryIndex (c) the blind indexes and a hash-map look-up per identity: what
//                             a check costs with the subjects' state in memory
//   BM_Phase_*                the check's steps one by one over the first 100,000, to set their
//                             sum against BM_Check/100000: normalisation (all, IDN domains
//                             only, ASCII only), the HMAC (and keyed once), the store's reads in
//                             stages, the verdicts over facts in memory, the audit entry (1, 8
//                             and 64 threads); and what the HTTP route adds around Check
//                             (parsing the request, the signed unsubscribe links, the response)
// Each run of a check reports peak_rss_MB, the process's peak resident set during it (reset
// before it starts), beside rss_MB, the resident set when it started.
//
// --sqlite_mmap_mb=N makes N MiB of memory-mapped I/O the default of every SQLite connection
// of the process (sqlite3_config), the store's included: what reading the database through
// mmap instead of pread would change, without touching the store.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "audit/audit_log.h"
#include "consent/consent_ledger.h"
#include "consent/consent_rules.h"
#include "consent/link_tokens.h"
#include "consent/mail_delivery.h"
#include "core/clock.h"
#include "core/random.h"
#include "crypto/keyring.h"
#include "crypto/sealing.h"
#include "http/consent_check_request.h"
#include "http/consent_routes.h"
#include "keys/key_manager.h"
#include "mail/outbox.h"
#include "policy/example_policy.h"
#include "policy/jurisdictions.h"
#include "policy/policy_holder.h"
#include "policy/policy_loader.h"
#include "policy/taxonomy.h"
#include "registry/identity.h"
#include "registry/subject_registry.h"
#include "store/sqlite/sqlite_store.h"

namespace privacyd {
namespace {

constexpr size_t kSlice = ConsentLedger::kMaxCheck;  // identities per Check call
constexpr char kTopic[] = "newsletter";
// Bump when the generated store changes, so that a kept data directory is not reused.
constexpr int kStoreVersion = 2;
constexpr char kMarkerFile[] = "consent-bench.txt";

struct Options {
  int64_t subjects = 1'000'000;
  int64_t identities = 1'000'000;
  std::string data_dir;  // "" = a temporary one
  bool load_only = false;
  std::string write_identities;
  int64_t sqlite_mmap_mb = 0;  // 0 = SQLite's default, as the daemon runs
};
Options g_options;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "consent_bench: %s\n", what.c_str());
  std::exit(1);
}
void Must(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.error().code() + ": " + s.error().message());
}

// --- The people, derived from their number alone, so that every run makes the same ones. ---

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
uint64_t Draw(uint64_t i, uint64_t salt, uint64_t n) {
  return Mix(i * 0x100000001b3ULL + salt * 0x9e3779b97f4a7c15ULL) % n;
}

// Addresses nobody holds are numbered from here, in a pool a twentieth the size of the store.
constexpr uint64_t kUnknownBase = 1ULL << 40;

constexpr std::array<std::string_view, 24> kFirst = {
    "anna",  "lukas", "marie",    "jonas",  "sophie", "leon",   "emma",  "paul",
    "chloé", "noah",  "jürgen",   "amélie", "oliver", "priya",  "kenji", "sofia",
    "maria", "james", "françois", "lena",   "tomás",  "ingrid", "ahmed", "olivia"};
constexpr std::array<std::string_view, 20> kLast = {
    "schmidt", "mueller", "dubois", "smith",  "patel",   "tanaka", "rossi",
    "martin",  "brown",   "garcia", "novak",  "jensen",  "silva",  "kowalski",
    "weber",   "moreau",  "nguyen", "murphy", "fischer", "bernard"};
constexpr std::array<std::string_view, 12> kCompanies = {
    "contoso.com",        "northwind-traders.com",  "fabrikam.de",
    "tailspintoys.co.uk", "wideworldimporters.com", "adventure-works.com",
    "litware.fr",         "proseware.ch",           "woodgrovebank.com",
    "alpineskihouse.at",  "fourthcoffee.nl",        "lucernepublishing.com"};
// Domains that are not ASCII: normalisation converts them with libidn2 (IDNA2008).
constexpr std::array<std::string_view, 8> kIdnDomains = {
    "bücher.de",          "müller-bau.de",      "café-crème.fr",   "société-exemple.fr",
    "zürich-treuhand.ch", "straßenbau-nord.de", "øresund-data.dk", "gärtnerei-süd.at"};

std::string Domain(uint64_t i) {
  uint64_t d = Draw(i, 1, 100);
  if (d < 20) return "gmail.com";
  if (d < 30) return "outlook.com";
  if (d < 37) return "gmx.de";
  if (d < 43) return "web.de";
  if (d < 48) return "orange.fr";
  if (d < 52) return "yahoo.com";
  if (d < 95) return std::string(kCompanies[Draw(i, 2, kCompanies.size())]);
  return std::string(kIdnDomains[Draw(i, 2, kIdnDomains.size())]);
}

// The address as the person gave it.
std::string Address(uint64_t i) {
  return std::string(kFirst[Draw(i, 3, kFirst.size())]) + "." +
         std::string(kLast[Draw(i, 4, kLast.size())]) + "." + std::to_string(i) + "@" + Domain(i);
}

// Whether the domain is not ASCII (normalisation then runs IDNA).
bool IsIdn(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  return std::any_of(address.begin() + static_cast<std::ptrdiff_t>(at), address.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// "anna.schmidt.7@gmail.com" as a sender's list may hold it: "Anna.Schmidt.7@Gmail.com".
std::string WithCapitals(std::string address) {
  bool start = true;
  for (char& c : address) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = c == '.' || c == '@';
  }
  return address;
}

struct Person {
  std::string regime;
  bool grant = false;     // subscribed to the newsletter (by double opt-in where silence refuses)
  bool withdraw = false;  // and later unsubscribed
  bool pending = false;   // asked, not confirmed
  bool alerts = false;    // subscribed to product alerts
  bool object = false;    // objected to direct marketing (and is suppressed)
  bool restricted = false;
  bool erased = false;
};

Person PersonOf(uint64_t i) {
  Person p;
  uint64_t r = Draw(i, 5, 100);
  p.regime = r < 40   ? "gdpr"
             : r < 48 ? "uk_gdpr"
             : r < 52 ? "swiss_fadp"
             : r < 80 ? "ccpa"
             : r < 86 ? "lgpd"
             : r < 95 ? "other"
                      : "";
  p.grant = Draw(i, 6, 100) < 35;
  p.withdraw = p.grant && Draw(i, 7, 6) == 0;
  p.pending = !p.grant && Draw(i, 8, 100) < 8;
  p.alerts = Draw(i, 9, 100) < 10;
  p.object = Draw(i, 10, 1000) < 25;
  p.restricted = Draw(i, 11, 100) == 0;
  p.erased = !p.restricted && Draw(i, 12, 100) == 0;
  return p;
}

bool UnknownSuppressed(uint64_t u) { return Draw(u, 13, 5) == 0; }
uint64_t UnknownPool(uint64_t subjects) { return std::max<uint64_t>(1, subjects / 20); }

// The check list: position k holds a held address (a fixed random order of everyone) or, for
// 5%, one from the pool of addresses nobody holds; one in ten written with capitals.
std::vector<std::string> CheckList(uint64_t subjects, uint64_t count) {
  std::vector<uint32_t> order(subjects);
  for (uint32_t i = 0; i < subjects; ++i) order[i] = i;
  for (uint64_t i = subjects; i > 1; --i) std::swap(order[i - 1], order[Mix(i) % i]);
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t k = 0; k < count; ++k) {
    std::string a = Draw(k, 14, 100) < 5
                        ? Address(kUnknownBase + Draw(k, 15, UnknownPool(subjects)))
                        : Address(order[k % subjects]);
    out.push_back(Draw(k, 16, 10) == 0 ? WithCapitals(std::move(a)) : std::move(a));
  }
  return out;
}

// --- Memory ---

// A field of /proc/self/status in MB (kB / 1000), or -1.
double StatusMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr) / 1000.0;
  }
  return -1;
}

// Resets the peak resident set (VmHWM) to the current one.
void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

class RssCounters {
 public:
  RssCounters() : rss_(StatusMb("VmRSS")) { ResetPeakRss(); }
  void Report(benchmark::State& state) const {
    if (state.thread_index() != 0) return;
    state.counters["rss_MB"] = rss_;
    state.counters["peak_rss_MB"] = StatusMb("VmHWM");
  }

 private:
  double rss_;
};

// --- The environment: a data directory, its store and the services Check needs. ---

class ConsentEnv {
 public:
  ConsentEnv() : policy_(LoadExample()) {}
  ~ConsentEnv() {
    ledger_.reset();
    index_.reset();
    if (store_) store_->Close();
    if (!keep_dir_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  void Open() {
    auto started = std::chrono::steady_clock::now();
    ResetPeakRss();
    if (g_options.data_dir.empty()) {
      const char* base = std::getenv("PRIVACYD_BENCH_DIR");
      std::string pattern =
          (base != nullptr ? std::string(base) : std::filesystem::temp_directory_path().string()) +
          "/privacyd_consent_bench_XXXXXX";
      if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
      dir_ = pattern;
    } else {
      dir_ = g_options.data_dir;
      keep_dir_ = true;
      std::error_code ec;
      std::filesystem::create_directories(dir_, ec);
      std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    }
    const std::string marker = "subjects=" + std::to_string(g_options.subjects) +
                               " version=" + std::to_string(kStoreVersion) + "\n";
    std::string found;
    {
      std::ifstream in(dir_ / kMarkerFile);
      std::getline(in, found);
      if (!found.empty()) found += "\n";
    }
    const bool reuse = !found.empty();
    if (reuse && found != marker) {
      Die(dir_.string() + " holds a store built with " + found +
          "remove it or pass --subjects to match");
    }
    if (!reuse && std::filesystem::exists(dir_ / "privacyd.db")) {
      Die(dir_.string() +
          " holds a store the benchmark did not build (or a build that was interrupted); use an "
          "empty directory");
    }

    SqliteOptions options;  // as `privacyd serve` opens it by default
    options.path = (dir_ / "privacyd.db").string();
    auto store = SqliteStore::Open(options);
    if (!store.ok()) Die("open: " + store.error().message());
    store_ = std::move(store).value();
    Must(store_->Migrate(), "migrate");
    auto keyring = OpenKeyring(dir_, *store_, random_, /*create_if_missing=*/true);
    if (!keyring.ok()) Die("keyring: " + keyring.error().message());
    keyring_ = *keyring;
    registry_ = std::make_unique<SubjectRegistry>(*store_, keyring_, audit_, clock_, random_);
    auto link_keys = LoadLinkKeys(*store_, *keyring_, random_, clock_.Now());
    if (!link_keys.ok()) Die("link keys: " + link_keys.error().message());
    links_ = std::make_unique<LinkSigner>(std::move(link_keys).value());
    outbox_ = std::make_unique<Outbox>(*registry_, random_, clock_, "mail.example.com");
    ledger_ =
        std::make_unique<ConsentLedger>(*store_, *registry_, policy_, Jurisdictions::Default(),
                                        audit_, clock_, *outbox_, *links_, "http://127.0.0.1:8080");
    if (!reuse) {
      Build();
      std::ofstream out(dir_ / kMarkerFile);
      out << marker;
      if (!out) Die("cannot write the marker file in " + dir_.string());
    }
    reused_ = reuse;
    build_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    build_peak_rss_mb_ = StatusMb("VmHWM");

    auto list = CheckList(static_cast<uint64_t>(g_options.subjects),
                          static_cast<uint64_t>(g_options.identities));
    for (size_t at = 0; at < list.size(); at += kSlice) {
      size_t end = std::min(list.size(), at + kSlice);
      slices_.emplace_back(
          std::make_move_iterator(list.begin() + static_cast<std::ptrdiff_t>(at)),
          std::make_move_iterator(list.begin() + static_cast<std::ptrdiff_t>(end)));
    }
  }

  // The blind index of every identity of the check list ("" where it does not normalise), per
  // slice, computed once.
  const std::vector<std::vector<std::string>>& Indexes() {
    std::call_once(indexes_once_, [&] {
      for (const auto& slice : slices_) {
        std::vector<std::string> out;
        out.reserve(slice.size());
        for (const auto& identity : slice) {
          auto index = registry_->IdentityIndex({"email", identity});
          out.push_back(index.ok() ? *index : "");
        }
        indexes_.push_back(std::move(out));
      }
    });
    return indexes_;
  }

  const std::filesystem::path& dir() const { return dir_; }
  Store& store() { return *store_; }
  const Keyring& keyring() const { return *keyring_; }
  const AuditLog& audit() const { return audit_; }
  const ConsentLedger& ledger() const { return *ledger_; }
  // The in-memory index, built on first use (the build is timed: index_build_seconds).
  ConsentIndex& index() {
    std::call_once(index_once_, [&] {
      ResetPeakRss();
      const double rss_before = StatusMb("VmRSS");
      index_ = std::make_unique<ConsentIndex>(*store_, policy_, Jurisdictions::Default());
      auto started = std::chrono::steady_clock::now();
      if (Status s = index_->Build(); !s.ok()) Die(s.error().message());
      index_build_seconds_ =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      index_rss_mb_ = StatusMb("VmRSS") - rss_before;
      index_build_peak_rss_mb_ = StatusMb("VmHWM");
    });
    return *index_;
  }
  // Whether Check answers from the index (true) or the store.
  void UseIndex(bool on) { ledger_->UseIndex(on ? &index() : nullptr); }
  double index_build_seconds() const { return index_build_seconds_; }
  double index_rss_mb() const { return index_rss_mb_; }
  double index_build_peak_rss_mb() const { return index_build_peak_rss_mb_; }
  PolicyHolder& policy() { return policy_; }
  const std::vector<std::vector<std::string>>& slices() const { return slices_; }
  int64_t identities() const { return g_options.identities; }
  double build_seconds() const { return build_seconds_; }
  double build_peak_rss_mb() const { return build_peak_rss_mb_; }
  bool reused() const { return reused_; }
  const std::map<std::string, int64_t>& built() const { return built_; }

 private:
  static std::shared_ptr<const Policy> LoadExample() {
    PolicyLoad load = LoadPolicyText(kExamplePolicy, "(embedded example policy)",
                                     Taxonomy::Default(), Jurisdictions::Default());
    if (!load.ok()) Die("the example policy does not load");
    return load.policy;
  }

  // Writes every subject straight through Tx, as the registry and the ledger would have: the
  // subject with its regime, its data key wrapped by the master key, its address sealed with
  // that key under the blind index the registry computes, and its consent events. Rows go in
  // in blind-index order, and subject ids are handed out in that order too, so that every
  // B-tree grows at its end: the load is then bounded by the disk, not by random page writes.
  void Build() {
    const auto subjects = static_cast<uint64_t>(g_options.subjects);
    struct Row {
      std::string index;
      uint32_t person;
    };
    std::vector<Row> rows(subjects);
    for (uint64_t i = 0; i < subjects; ++i) {
      auto index = registry_->IdentityIndex({"email", Address(i)});
      if (!index.ok()) Die("address " + std::to_string(i) + ": " + index.error().message());
      rows[i] = {std::move(index).value(), static_cast<uint32_t>(i)};
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.index < b.index; });

    const Policy& policy = *policy_.Current();
    const std::string newsletter = TopicTarget("newsletter");
    const std::string alerts = TopicTarget("product_alerts");
    std::map<std::string, std::string> notice_hashes;
    for (const std::string& target : {newsletter, alerts, std::string(kAllMarketingTarget)}) {
      notice_hashes[target] = ConsentLedger::NoticeHash(policy, target, "en");
    }
    const Micros base = 1'735'689'600LL * kMicrosPerSecond;  // 2025-01-01
    const Micros step = 30 * kMicrosPerSecond;
    const Micros day = 86'400LL * kMicrosPerSecond;
    int64_t events = 0, suppressions = 0, erased = 0, restricted = 0;

    constexpr size_t kBatch = 2000;
    for (size_t from = 0; from < rows.size(); from += kBatch) {
      const size_t to = std::min(rows.size(), from + kBatch);
      Must(store_->Write([&](Tx& tx) -> Status {
        for (size_t r = from; r < to; ++r) {
          const uint64_t i = rows[r].person;
          const Person p = PersonOf(i);
          const Micros t0 = base + static_cast<Micros>(r) * step;
          const std::string id = NewTimeOrderedId(random_, t0, "sub");
          std::optional<Micros> erased_at, restricted_at;
          if (p.erased) erased_at = t0 + 90 * day;
          if (p.restricted) restricted_at = t0 + 90 * day;
          PD_RETURN_IF_ERROR(tx.InsertSubject({id, t0, erased_at, restricted_at, p.regime}));
          std::string sealed;
          if (!p.erased) {  // erasure deletes the data key and every sealed value
            SecretBytes key = NewSymmetricKey(random_);
            PD_RETURN_IF_ERROR(tx.PutDataKey(
                {id, keyring_->wrapping_key_id(), keyring_->Wrap("subject", id, key, random_)}));
            // The registry's sealing context of an identity.
            sealed = Seal(key, Address(i), "identity:" + id + ":email", random_);
          }
          PD_RETURN_IF_ERROR(tx.InsertIdentity({id, "email", rows[r].index, sealed, t0}));
          const Regime* regime = Jurisdictions::Default().FindRegime(p.regime);
          const bool opt_in =
              regime == nullptr || regime->marketing_email == MarketingConsent::kOptIn;
          auto event = [&](const std::string& target, const char* action, const char* method,
                           Micros at) -> Status {
            ConsentEventRecord e;
            e.subject_id = id;
            e.target = target;
            e.action = action;
            e.method = method;
            e.regime = p.regime;
            e.statement_version = policy.version;
            e.notice_hash = notice_hashes[target];
            e.language = Draw(i, 17, 3) == 0 ? "de" : "en";
            e.country = p.regime == "ccpa" ? "US" : "DE";
            e.user_agent = Draw(i, 18, 2) == 0 ? "firefox" : "chrome";
            e.request_id = "req_" + std::to_string(i) + "_" + std::to_string(events);
            e.actor = "subject:" + id;
            e.evidence =
                std::string(method) == kMethodCollectionForm ? R"({"point":"contact"})" : "{}";
            e.created_at = at;
            ++events;
            return StatusOf(tx.AppendConsentEvent(e));
          };
          if (p.grant && opt_in) {
            PD_RETURN_IF_ERROR(event(newsletter, "request", kMethodCollectionForm, t0));
            PD_RETURN_IF_ERROR(
                event(newsletter, "grant", kMethodDoubleOptIn, t0 + 600 * kMicrosPerSecond));
          } else if (p.grant) {
            PD_RETURN_IF_ERROR(event(newsletter, "grant", kMethodCollectionForm, t0));
          } else if (p.pending) {
            PD_RETURN_IF_ERROR(event(newsletter, "request", kMethodCollectionForm, t0));
          }
          if (p.alerts) {
            PD_RETURN_IF_ERROR(event(alerts, "grant", kMethodPreferenceCenter, t0 + day));
          }
          if (p.withdraw) {
            PD_RETURN_IF_ERROR(event(newsletter, "withdraw", kMethodOneClick, t0 + 30 * day));
          }
          if (p.object) {
            PD_RETURN_IF_ERROR(
                event(kAllMarketingTarget, "object", kMethodPreferenceCenter, t0 + 60 * day));
            PD_RETURN_IF_ERROR(
                tx.AddSuppression({"email", rows[r].index, "objection", t0 + 60 * day}));
            ++suppressions;
          }
          erased += p.erased;
          restricted += p.restricted;
        }
        return Ok();
      }),
           "load");
    }
    // Addresses nobody holds that unsubscribed through a referral's link.
    std::vector<std::string> listed;
    for (uint64_t u = 0; u < UnknownPool(subjects); ++u) {
      if (!UnknownSuppressed(kUnknownBase + u)) continue;
      auto index = registry_->IdentityIndex({"email", Address(kUnknownBase + u)});
      if (!index.ok()) Die("unknown address: " + index.error().message());
      listed.push_back(std::move(index).value());
    }
    std::sort(listed.begin(), listed.end());
    Must(store_->Write([&](Tx& tx) -> Status {
      for (const auto& index : listed) {
        PD_RETURN_IF_ERROR(tx.AddSuppression({"email", index, "unsubscribed", base}));
      }
      return Ok();
    }),
         "suppressions");
    suppressions += static_cast<int64_t>(listed.size());
    // The change log the writes above left is what a daemon's in-memory index applies and then
    // prunes once, at its first start; pruned here, the benchmarks that start a daemon on the
    // store measure checks, not that one-off delete of millions of rows beside them.
    Must(store_->Write([](Tx& tx) -> Status {
      PD_ASSIGN_OR_RETURN(int64_t last, tx.LastConsentChange());
      return StatusOf(tx.PruneConsentChanges(last));
    }),
         "prune the consent change log");
    built_ = {{"subjects", static_cast<int64_t>(subjects)},
              {"events", events},
              {"suppressions", suppressions},
              {"erased", erased},
              {"restricted", restricted}};
  }

  std::filesystem::path dir_;
  bool keep_dir_ = false;
  bool reused_ = false;
  SystemClock clock_;
  SecureRandom random_;
  AuditLog audit_{clock_};
  PolicyHolder policy_;
  std::unique_ptr<SqliteStore> store_;
  std::shared_ptr<const Keyring> keyring_;
  std::unique_ptr<SubjectRegistry> registry_;
  std::unique_ptr<LinkSigner> links_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ConsentLedger> ledger_;
  std::once_flag index_once_;
  std::unique_ptr<ConsentIndex> index_;
  double index_build_seconds_ = 0;
  double index_rss_mb_ = 0;
  double index_build_peak_rss_mb_ = 0;
  std::vector<std::vector<std::string>> slices_;
  std::once_flag indexes_once_;
  std::vector<std::vector<std::string>> indexes_;
  double build_seconds_ = 0;
  double build_peak_rss_mb_ = 0;
  std::map<std::string, int64_t> built_;
};

std::unique_ptr<ConsentEnv> g_env;
std::once_flag g_env_once;

ConsentEnv& Env() {
  std::call_once(g_env_once, [] {
    g_env = std::make_unique<ConsentEnv>();
    g_env->Open();
  });
  return *g_env;
}

const AccessContext& Sender() {
  static const AccessContext ctx{{"usr_bench", "bench", "marketing"}, "marketing", "req_bench"};
  return ctx;
}

double FileMb(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<double>(size) / 1e6;
}

// Wall time from the first thread's start of its first iteration to the last thread's end of
// its last: Google Benchmark 1.7's Time column and rates are not wall time for threads > 1.
// Reset by the benchmarks' Setup, before their threads start.
class WallClock {
 public:
  void Reset() {
    start_ = std::numeric_limits<int64_t>::max();
    stop_ = 0;
  }
  void Start() {
    int64_t now = Now(), seen = start_.load();
    while (now < seen && !start_.compare_exchange_weak(seen, now)) {
    }
  }
  void Stop() {
    int64_t now = Now(), seen = stop_.load();
    while (now > seen && !stop_.compare_exchange_weak(seen, now)) {
    }
  }
  double Seconds() const { return static_cast<double>(stop_.load() - start_.load()) / 1e9; }

  // Times one iteration of one thread.
  class Lap {
   public:
    explicit Lap(WallClock& clock) : clock_(clock) { clock_.Start(); }
    ~Lap() { clock_.Stop(); }

   private:
    WallClock& clock_;
  };

 private:
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::atomic<int64_t> start_{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> stop_{0};
};
WallClock g_wall;
void ResetWall(const benchmark::State&) { g_wall.Reset(); }

// For benchmarks whose first argument is "index": Check answers from the in-memory index (1) or
// from the store (0, the baseline).
void SetupIndex(const benchmark::State& state) {
  g_wall.Reset();
  Env().UseIndex(state.range(0) == 1);
}

// Counters of a run in which all threads together checked `identities` per iteration:
// identities_per_s and us_per_identity by the wall clock, and wall_ms. Thread 0 reports, after
// the loop (whose end every thread has reached).
void ReportIdentities(benchmark::State& state, int64_t identities) {
  if (state.thread_index() != 0) return;
  const double seconds = g_wall.Seconds();
  const double n = static_cast<double>(identities) * static_cast<double>(state.iterations());
  state.counters["wall_ms"] = seconds * 1e3 / static_cast<double>(state.iterations());
  state.counters["identities_per_s"] = n / seconds;
  state.counters["us_per_identity"] = seconds * 1e6 / n;
}

// The slices thread t of n takes: t, t + n, ...
std::vector<size_t> SlicesOf(const benchmark::State& state, size_t slices) {
  std::vector<size_t> out;
  for (size_t s = static_cast<size_t>(state.thread_index()); s < slices;
       s += static_cast<size_t>(state.threads())) {
    out.push_back(s);
  }
  return out;
}

void BM_BuildStore(benchmark::State& state) {
  for (auto _ : state) Env();  // NOLINT
  ConsentEnv& env = Env();
  state.SetLabel(env.reused() ? "reused " + env.dir().string() : "built");
  state.counters["build_s"] = env.build_seconds();
  state.counters["build_peak_rss_MB"] = env.build_peak_rss_mb();
  state.counters["db_MB"] =
      FileMb(env.dir() / "privacyd.db") + FileMb(env.dir() / "privacyd.db-wal");
  for (const auto& [name, n] : env.built()) state.counters[name] = static_cast<double>(n);
}
BENCHMARK(BM_BuildStore)->Iterations(1)->Unit(benchmark::kSecond);

// Building the in-memory index from the store (what the daemon does in the background at start).
void BM_BuildIndex(benchmark::State& state) {
  for (auto _ : state) Env().index();  // NOLINT
  ConsentEnv& env = Env();
  ConsentIndex::Stats stats = env.index().GetStats();
  state.counters["build_s"] = env.index_build_seconds();
  state.counters["rss_growth_MB"] = env.index_rss_mb();
  state.counters["build_peak_rss_MB"] = env.index_build_peak_rss_mb();
  state.counters["index_MB"] = static_cast<double>(stats.bytes) / 1e6;
  state.counters["subjects"] = static_cast<double>(stats.subjects);
  state.counters["emails"] = static_cast<double>(stats.email_identities);
}
BENCHMARK(BM_BuildIndex)->Iterations(1)->Unit(benchmark::kSecond);

// --- The check ---

void CountVerdicts(std::span<const ConsentCheckItem> items,
                   std::map<std::string, int64_t>& counts) {
  for (const auto& item : items) ++counts[ConsentVerdictName(item.verdict)];
}

void BM_Check(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto& slice = env.slices().front();
  RssCounters rss;
  std::map<std::string, int64_t> counts;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    auto items = env.ledger().Check(Sender(), kTopic, slice);
    if (!items.ok()) {
      state.SkipWithError(items.error().message().c_str());
      return;
    }
    counts.clear();
    CountVerdicts(*items, counts);
  }
  ReportIdentities(state, static_cast<int64_t>(slice.size()));
  for (const auto& [verdict, n] : counts) {
    state.counters[verdict] = static_cast<double>(n) / static_cast<double>(slice.size());
  }
  rss.Report(state);
}
BENCHMARK(BM_Check)
    ->ArgName("index")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Setup(SetupIndex);

void BM_Check1M(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto mine = SlicesOf(state, env.slices().size());
  int64_t identities = 0;
  for (size_t s : mine) identities += static_cast<int64_t>(env.slices()[s].size());
  std::optional<RssCounters> rss;
  if (state.thread_index() == 0) rss.emplace();
  std::map<std::string, int64_t> counts;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    counts.clear();
    for (size_t s : mine) {
      auto items = env.ledger().Check(Sender(), kTopic, env.slices()[s]);
      if (!items.ok()) {
        state.SkipWithError(items.error().message().c_str());
        return;
      }
      CountVerdicts(*items, counts);
    }
  }
  ReportIdentities(state, env.identities());
  if (state.threads() == 1) {
    for (const auto& [verdict, n] : counts) {
      state.counters[verdict] = static_cast<double>(n) / static_cast<double>(identities);
    }
  }
  if (rss) rss->Report(state);
}
BENCHMARK(BM_Check1M)
    ->ArgName("index")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2)
    ->Setup(SetupIndex);

// --- Baselines, over every identity of the check list ---

// (a) The blind indexes alone: NormalizeIdentity and the HMAC, as Check computes them.
void BM_Baseline_BlindIndexes(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto mine = SlicesOf(state, env.slices().size());
  std::optional<RssCounters> rss;
  if (state.thread_index() == 0) rss.emplace();
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    for (size_t s : mine) {
      for (const auto& identity : env.slices()[s]) {
        auto normalized = NormalizeIdentity("email", identity);
        if (!normalized.ok()) continue;
        std::string index = env.keyring().BlindIndex("email", *normalized);
        benchmark::DoNotOptimize(index.data());
      }
    }
  }
  ReportIdentities(state, env.identities());
  if (rss) rss->Report(state);
}
BENCHMARK(BM_Baseline_BlindIndexes)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2)
    ->Setup(ResetWall);

// (b) A bare SQLite point lookup per identity: FindSubjectByIdentity of its (precomputed) blind
// index, one read transaction per 100,000 like Check.
void BM_Baseline_PointLookups(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto& indexes = env.Indexes();
  const auto mine = SlicesOf(state, indexes.size());
  int64_t identities = 0;
  for (size_t s : mine) identities += static_cast<int64_t>(indexes[s].size());
  std::optional<RssCounters> rss;
  if (state.thread_index() == 0) rss.emplace();
  int64_t found = 0;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    found = 0;
    for (size_t s : mine) {
      Status st = env.store().Read([&](Tx& tx) -> Status {
        for (const auto& index : indexes[s]) {
          if (index.empty()) continue;
          PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity("email", index));
          found += owner.has_value();
        }
        return Ok();
      });
      if (!st.ok()) {
        state.SkipWithError(st.error().message().c_str());
        return;
      }
    }
  }
  ReportIdentities(state, env.identities());
  if (state.threads() == 1) {
    state.counters["held"] = static_cast<double>(found) / static_cast<double>(identities);
  }
  if (rss) rss->Report(state);
}
BENCHMARK(BM_Baseline_PointLookups)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2)
    ->Setup(ResetWall);

// --- The check's steps, one by one, over the first 100,000 identities ---

void BM_Phase_Normalize(benchmark::State& state) {
  // Arg: 0 = every identity, 1 = those with an internationalised domain, 2 = the others.
  ConsentEnv& env = Env();
  std::vector<std::string> list;
  for (const auto& identity : env.slices().front()) {
    const bool idn = IsIdn(identity);
    if (state.range(0) == 0 || (state.range(0) == 1) == idn) list.push_back(identity);
  }
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    for (const auto& identity : list) {
      auto normalized = NormalizeIdentity("email", identity);
      benchmark::DoNotOptimize(normalized);
    }
  }
  ReportIdentities(state, static_cast<int64_t>(list.size()));
  state.counters["identities"] = static_cast<double>(list.size());
  state.SetLabel(state.range(0) == 0 ? "all" : state.range(0) == 1 ? "idn domains" : "ascii");
}
BENCHMARK(BM_Phase_Normalize)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

void BM_Phase_Hmac(benchmark::State& state) {
  ConsentEnv& env = Env();
  std::vector<std::string> normalized;
  for (const auto& identity : env.slices().front()) {
    auto n = NormalizeIdentity("email", identity);
    if (n.ok()) normalized.push_back(*n);
  }
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    for (const auto& value : normalized) {
      std::string index = env.keyring().BlindIndex("email", value);
      benchmark::DoNotOptimize(index.data());
    }
  }
  ReportIdentities(state, static_cast<int64_t>(normalized.size()));
}
BENCHMARK(BM_Phase_Hmac)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

// The store's reads of Check, in stages (Arg): 1 = FindSubjectByIdentity; 2 = + GetSubject;
// 3 = + ListConsentEvents; 4 = ConsentLedger::Facts in place of 3 (events, the subject's
// identities and a FindSuppression for each), and FindSuppression for the unknown: every read
// Check makes.
void BM_Phase_Reads(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto& indexes = env.Indexes().front();
  const int64_t stage = state.range(0);
  RssCounters rss;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    Status st = env.store().Read([&](Tx& tx) -> Status {
      for (const auto& index : indexes) {
        if (index.empty()) continue;
        PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity("email", index));
        if (stage < 2) continue;
        std::optional<SubjectRecord> subject;
        if (owner) {
          PD_ASSIGN_OR_RETURN(subject, tx.GetSubject(*owner));
        }
        if (stage == 3 && subject) {
          PD_ASSIGN_OR_RETURN(auto events, tx.ListConsentEvents(subject->id));
          benchmark::DoNotOptimize(events.data());
        }
        if (stage == 4) {
          if (subject) {
            PD_ASSIGN_OR_RETURN(auto facts, LoadConsentFacts(tx, *subject));
            benchmark::DoNotOptimize(facts);
          } else {
            PD_ASSIGN_OR_RETURN(auto suppressed, tx.FindSuppression("email", index));
            benchmark::DoNotOptimize(suppressed);
          }
        }
      }
      return Ok();
    });
    if (!st.ok()) {
      state.SkipWithError(st.error().message().c_str());
      return;
    }
  }
  ReportIdentities(state, static_cast<int64_t>(indexes.size()));
  static const char* const kLabels[] = {"", "FindSubjectByIdentity", "+ GetSubject",
                                        "+ ListConsentEvents", "+ identities, suppressions (all)"};
  state.SetLabel(kLabels[stage]);
  rss.Report(state);
}
BENCHMARK(BM_Phase_Reads)->DenseRange(1, 4)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

// The verdicts alone, over facts read beforehand.
void BM_Phase_Decide(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto& indexes = env.Indexes().front();
  std::vector<ConsentFacts> facts(indexes.size());
  Status st = env.store().Read([&](Tx& tx) -> Status {
    for (size_t i = 0; i < indexes.size(); ++i) {
      if (indexes[i].empty()) continue;
      PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity("email", indexes[i]));
      std::optional<SubjectRecord> subject;
      if (owner) {
        PD_ASSIGN_OR_RETURN(subject, tx.GetSubject(*owner));
      }
      if (subject) {
        PD_ASSIGN_OR_RETURN(facts[i], LoadConsentFacts(tx, *subject));
      } else {
        PD_ASSIGN_OR_RETURN(auto suppressed, tx.FindSuppression("email", indexes[i]));
        if (suppressed) facts[i].suppressed_since = suppressed->created_at;
      }
    }
    return Ok();
  });
  if (!st.ok()) {
    state.SkipWithError(st.error().message().c_str());
    return;
  }
  auto policy = env.policy().Current();
  const SubscriptionTopic& topic = policy->topics.at(kTopic);
  int64_t allowed = 0;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    allowed = 0;
    for (const auto& f : facts) {
      allowed +=
          DecideTopic(*policy, Jurisdictions::Default(), topic, f) == ConsentVerdict::kAllowed;
    }
    benchmark::DoNotOptimize(allowed);
  }
  ReportIdentities(state, static_cast<int64_t>(facts.size()));
}
BENCHMARK(BM_Phase_Decide)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

// The audit entry Check writes once per call: a durable write of its own, group-committed with
// those of other threads (entries_per_s, by the wall clock, all threads together).
void BM_Phase_Audit(benchmark::State& state) {
  ConsentEnv& env = Env();
  const std::string detail =
      nlohmann::json{{"topic", kTopic}, {"checked", 1}, {"verdicts", {{"allowed", 1}}}}.dump();
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    Status st = env.store().Write([&](Tx& tx) -> Status {
      return StatusOf(
          env.audit().Append(tx, AuditEvent{"bench", "marketing", "consent.check",
                                            "topic:newsletter", "marketing", "req_bench", detail}));
    });
    if (!st.ok()) {
      state.SkipWithError(st.error().message().c_str());
      return;
    }
  }
  if (state.thread_index() == 0) {
    state.counters["entries_per_s"] =
        static_cast<double>(state.iterations() * state.threads()) / g_wall.Seconds();
  }
}
BENCHMARK(BM_Phase_Audit)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->Setup(ResetWall);

// Checks of one identity each, as a sender asks just before each mail, on 1, 8 and 64 threads
// (the connections of bench/consent_http.sh): the read, the verdict and the audit entry.
void BM_CheckOne(benchmark::State& state) {
  ConsentEnv& env = Env();
  const auto& slice = env.slices().front();
  size_t next = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    auto items = env.ledger().Check(Sender(), kTopic, {slice[next++ % slice.size()]});
    if (!items.ok()) {
      state.SkipWithError(items.error().message().c_str());
      return;
    }
  }
  ReportIdentities(state, state.threads());
}
BENCHMARK(BM_CheckOne)
    ->ArgName("index")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->Setup(SetupIndex);

// libsodium's HMAC with the key's inner and outer states computed once and copied per identity:
// the keyring's blind index before it used KeyedHmacSha256 (OpenSSL's SHA-256, with the CPU's
// SHA extensions), the baseline of BM_Phase_Hmac. A key of the index key's length stands in for
// it (the keyring does not hand its key out; the cost is the same).
void BM_Phase_HmacPrekeyed(benchmark::State& state) {
  ConsentEnv& env = Env();
  std::vector<std::string> normalized;
  for (const auto& identity : env.slices().front()) {
    auto n = NormalizeIdentity("email", identity);
    if (n.ok()) normalized.push_back(*n);
  }
  std::array<unsigned char, 32> key{};
  randombytes_buf(key.data(), key.size());
  crypto_auth_hmacsha256_state keyed;
  crypto_auth_hmacsha256_init(&keyed, key.data(), key.size());
  const std::string_view kind = "email";
  const unsigned char separator = 0;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    for (const auto& value : normalized) {
      crypto_auth_hmacsha256_state h = keyed;
      crypto_auth_hmacsha256_update(&h, reinterpret_cast<const unsigned char*>(kind.data()),
                                    kind.size());
      crypto_auth_hmacsha256_update(&h, &separator, 1);
      crypto_auth_hmacsha256_update(&h, reinterpret_cast<const unsigned char*>(value.data()),
                                    value.size());
      std::string index(crypto_auth_hmacsha256_BYTES, '\0');
      crypto_auth_hmacsha256_final(&h, reinterpret_cast<unsigned char*>(index.data()));
      benchmark::DoNotOptimize(index.data());
    }
  }
  ReportIdentities(state, static_cast<int64_t>(normalized.size()));
}
BENCHMARK(BM_Phase_HmacPrekeyed)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

// (c) What a check would cost with the subjects' state in memory: every email identity of the
// store loaded into a hash map from blind index to a subject number (read with the store's own
// cursor, ListIdentitiesOfKind; load_s and map_MB, the heap it holds, say what keeping it
// costs), then for each identity of the list NormalizeIdentity, the HMAC and a look-up. A
// stand-in for an index kept coherent with the store, not a design: the state a verdict needs
// (regime, restriction, erasure, the latest say per topic, suppression) would add a few bytes
// per subject and the verdict itself (BM_Phase_Decide).
struct MemoryIndex {
  std::unordered_map<std::string, uint32_t> subjects;
  double load_seconds = 0;
  double megabytes = 0;
};

const MemoryIndex& LoadMemoryIndex() {
  static MemoryIndex index;
  static std::once_flag once;
  std::call_once(once, [] {
    ConsentEnv& env = Env();
    const size_t heap = mallinfo2().uordblks;
    auto started = std::chrono::steady_clock::now();
    index.subjects.reserve(static_cast<size_t>(g_options.subjects));
    std::string after;
    for (;;) {
      auto page = ReadValue<std::vector<IdentityRecord>>(
          env.store(), [&](Tx& tx) { return tx.ListIdentitiesOfKind("email", after, 10'000); });
      if (!page.ok()) Die("identities: " + page.error().message());
      if (page->empty()) break;
      for (const auto& row : *page) {
        index.subjects.emplace(row.blind_index, static_cast<uint32_t>(index.subjects.size()));
      }
      after = page->back().subject_id;
    }
    index.load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    index.megabytes = static_cast<double>(mallinfo2().uordblks - heap) / 1e6;
  });
  return index;
}

void BM_Baseline_InMemoryIndex(benchmark::State& state) {
  ConsentEnv& env = Env();
  const MemoryIndex& index = LoadMemoryIndex();
  const auto mine = SlicesOf(state, env.slices().size());
  int64_t found = 0;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    found = 0;
    for (size_t s : mine) {
      for (const auto& identity : env.slices()[s]) {
        auto normalized = NormalizeIdentity("email", identity);
        if (!normalized.ok()) continue;
        found += index.subjects.count(env.keyring().BlindIndex("email", *normalized));
      }
    }
  }
  ReportIdentities(state, env.identities());
  if (state.thread_index() == 0) {
    state.counters["load_s"] = index.load_seconds;
    state.counters["map_MB"] = index.megabytes;
    state.counters["entries"] = static_cast<double>(index.subjects.size());
  }
}
BENCHMARK(BM_Baseline_InMemoryIndex)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Threads(1)
    ->Threads(2)
    ->Setup(ResetWall);

// --- What POST /v1/consent/check adds around Check (src/http/consent_routes.cc) ---

std::string RequestBody(const std::vector<std::string>& identities) {
  return nlohmann::json{{"topic", kTopic}, {"identities", identities}}.dump();
}

// Reading a request of 100,000 identities into the list Check takes: as a nlohmann::json
// document (the route before, simdjson:0) and as the route does it now (simdjson:1,
// ParseConsentCheckRequest in src/http/consent_check_request.h).
void BM_Phase_RequestJson(benchmark::State& state) {
  ConsentEnv& env = Env();
  const std::string body = RequestBody(env.slices().front());
  const bool simdjson = state.range(0) == 1;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    if (simdjson) {
      auto parsed = ParseConsentCheckRequest(body);
      if (!parsed.ok()) {
        state.SkipWithError(parsed.error().message().c_str());
        return;
      }
      benchmark::DoNotOptimize(parsed->identities.data());
      continue;
    }
    auto parsed = nlohmann::json::parse(body);
    std::vector<std::string> identities;
    identities.reserve(parsed["identities"].size());
    for (const auto& i : parsed["identities"]) identities.push_back(i.get<std::string>());
    benchmark::DoNotOptimize(identities.data());
  }
  ReportIdentities(state, static_cast<int64_t>(env.slices().front().size()));
  state.counters["body_MB"] = static_cast<double>(body.size()) / 1e6;
}
BENCHMARK(BM_Phase_RequestJson)
    ->ArgName("simdjson")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Setup(ResetWall);

// The response of a check of 100,000: a signed unsubscribe link and its List-Unsubscribe
// headers for each allowed identity, the reason for each refused one, as the route writes it
// (ConsentCheckBody), beside the same built as a JSON document and dumped (the route before).
void BM_Phase_ResponseJson(benchmark::State& state) {
  ConsentEnv& env = Env();
  const std::vector<std::string>& identities = env.slices().front();
  auto items = env.ledger().Check(Sender(), kTopic, identities);
  if (!items.ok()) {
    state.SkipWithError(items.error().message().c_str());
    return;
  }
  const bool document = state.range(0) == 1;
  const std::vector<std::string_view> views(identities.begin(), identities.end());
  size_t bytes = 0;
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    if (!document) {
      bytes = 0;
      for (const auto& part : ConsentCheckBody(env.ledger(), "", kTopic, "", views, *items))
        bytes += part.size();
      continue;
    }
    nlohmann::json allowed = nlohmann::json::array();
    nlohmann::json refused = nlohmann::json::array();
    for (size_t i = 0; i < items->size(); ++i) {
      const ConsentCheckItem& item = (*items)[i];
      if (item.verdict != ConsentVerdict::kAllowed) {
        refused.push_back(
            {{"identity", identities[i]}, {"reason", ConsentVerdictName(item.verdict)}});
        continue;
      }
      auto headers = MailDelivery::HeadersFor(env.ledger(), "", item.subject_id, kTopic, "");
      allowed.push_back({{"identity", identities[i]},
                         {"subject_id", item.subject_id},
                         {"unsubscribe_url", headers.url},
                         {"list_unsubscribe", headers.list_unsubscribe},
                         {"list_unsubscribe_post", headers.list_unsubscribe_post}});
    }
    nlohmann::json out = {{"topic", kTopic},
                          {"checked", items->size()},
                          {"allowed", std::move(allowed)},
                          {"refused", std::move(refused)}};
    bytes = out.dump().size();
  }
  ReportIdentities(state, static_cast<int64_t>(items->size()));
  state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_Phase_ResponseJson)
    ->ArgName("json_document")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Setup(ResetWall);

// The signed links alone (part of the above), per allowed identity.
void BM_Phase_UnsubscribeLinks(benchmark::State& state) {
  ConsentEnv& env = Env();
  auto items = env.ledger().Check(Sender(), kTopic, env.slices().front());
  if (!items.ok()) {
    state.SkipWithError(items.error().message().c_str());
    return;
  }
  std::vector<std::string> allowed;
  for (const auto& item : *items) {
    if (item.verdict == ConsentVerdict::kAllowed) allowed.push_back(item.subject_id);
  }
  for (auto _ : state) {
    WallClock::Lap lap(g_wall);
    for (const auto& id : allowed) {
      auto headers = MailDelivery::HeadersFor(env.ledger(), "", id, kTopic, "");
      benchmark::DoNotOptimize(headers.url.data());
    }
  }
  ReportIdentities(state, static_cast<int64_t>(allowed.size()));
  state.SetLabel("per allowed identity");
}
BENCHMARK(BM_Phase_UnsubscribeLinks)->Unit(benchmark::kMillisecond)->Setup(ResetWall);

// A count given as a flag or in the environment (`what` names it in the error).
int64_t Count(const std::string& value, const std::string& what) {
  char* end = nullptr;
  long long n = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 1 || n > 100'000'000) {
    Die(what + " takes a number from 1 to 100000000");
  }
  return n;
}

int64_t EnvCount(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : Count(value, name);
}

}  // namespace
}  // namespace privacyd

int main(int argc, char** argv) {
  using namespace privacyd;
  g_options.subjects = EnvCount("PRIVACYD_CONSENT_SUBJECTS", g_options.subjects);
  g_options.identities = EnvCount("PRIVACYD_CONSENT_IDENTITIES", g_options.identities);
  // Our own flags are taken out before Google Benchmark parses the rest.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (i > 0 && arg.rfind("--subjects=", 0) == 0) {
      g_options.subjects = Count(std::string(arg.substr(11)), "--subjects");
    } else if (i > 0 && arg.rfind("--identities=", 0) == 0) {
      g_options.identities = Count(std::string(arg.substr(13)), "--identities");
    } else if (i > 0 && arg.rfind("--data_dir=", 0) == 0) {
      g_options.data_dir = std::string(arg.substr(11));
    } else if (i > 0 && arg.rfind("--sqlite_mmap_mb=", 0) == 0) {
      const std::string value(arg.substr(17));
      g_options.sqlite_mmap_mb = value == "0" ? 0 : Count(value, "--sqlite_mmap_mb");
    } else if (i > 0 && arg == "--load_only") {
      g_options.load_only = true;
    } else if (i > 0 && arg.rfind("--write_identities=", 0) == 0) {
      g_options.write_identities = std::string(arg.substr(19));
    } else {
      args.push_back(argv[i]);
    }
  }
  if (g_options.sqlite_mmap_mb > 0) {
    // The default of every connection the process opens, the store's included: a way to try
    // memory-mapped reads without changing the store.
    const sqlite3_int64 bytes = g_options.sqlite_mmap_mb * 1024 * 1024;
    if (sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, bytes, bytes) != SQLITE_OK) {
      Die("sqlite3_config(SQLITE_CONFIG_MMAP_SIZE) failed");
    }
  }
  if (g_options.load_only) {
    if (g_options.data_dir.empty()) Die("--load_only needs --data_dir=DIR");
    ConsentEnv& env = Env();
    std::fprintf(stderr, "consent_bench: %s %lld subjects in %s in %.1f s\n",
                 env.reused() ? "reused" : "built", static_cast<long long>(g_options.subjects),
                 env.dir().c_str(), env.build_seconds());
    if (!g_options.write_identities.empty()) {
      std::ofstream out(g_options.write_identities, std::ios::binary);
      for (const auto& slice : env.slices()) {
        for (const auto& identity : slice) out << identity << '\n';
      }
      out.close();
      if (!out) Die("cannot write " + g_options.write_identities);
    }
    g_env.reset();
    return 0;
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::AddCustomContext("subjects", std::to_string(g_options.subjects));
  benchmark::AddCustomContext("identities", std::to_string(g_options.identities));
  benchmark::AddCustomContext("sqlite_mmap_MB", std::to_string(g_options.sqlite_mmap_mb));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_env.reset();
  return 0;
}
