// Enforcement decisions on the example policy, single-threaded.
//
// BM_DecisionTables answers a mixed workload (collect, use, disclose, retention questions over
// the example policy's names, allowed and refused) from the compiled tables, by id.
// BM_NaiveBaseline answers the same questions by name, walking the Policy structures with string
// comparisons and taxonomy look-ups, the way one would without the tables. Both report
// items_per_second = decisions per second. BM_LoadValidateCompile is the time to load, validate
// and compile the embedded example policy; BM_LoadValidate and BM_Compile split it.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "policy/decisions.h"
#include "policy/example_policy.h"
#include "policy/policy_loader.h"

namespace privacyd {
namespace {

const Taxonomy& Tax() { return Taxonomy::Default(); }
const Jurisdictions& Jur() { return Jurisdictions::Default(); }

std::shared_ptr<const Policy> LoadExample() {
  PolicyLoad load = LoadPolicyText(kExamplePolicy, "policy.yaml", Tax(), Jur());
  if (!load.ok()) {
    std::fprintf(stderr, "the example policy does not load\n");
    std::exit(1);
  }
  return load.policy;
}

enum class Kind { kCollect, kUse, kDisclose, kRetention };

struct Question {
  Kind kind;
  // by name, for the baseline
  std::string a, b, c, origin;
  std::vector<std::string> categories;
  ConsentState consent = ConsentState::kNone;
  // by id, for the tables
  PointId point{};
  FieldId field{};
  CategoryId category{};
  PurposeId purpose{};
  RegimeId regime{};
  RecipientId recipient{};
  OriginId origin_id{};
  std::vector<CategoryId> category_ids;
};

template <class T>
T Must(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error().message().c_str());
    std::exit(1);
  }
  return *r;
}

// A deterministic mix: a quarter of each kind, names drawn from the example policy (and a few
// that are refused).
std::vector<Question> Workload(const DecisionTables& t) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"contact", "message"},    {"contact", "ssn"},         {"trial", "phone"},
      {"careers", "experience"}, {"white_paper", "message"}, {"referral", "referred_email"}};
  const std::vector<std::string> categories = {
      "user.contact.email",     "user.name",          "user.device.cookie_id",
      "user.device.ip_address", "user.government_id", "user.contact.address.country",
      "user.content.private",   "user.job_title"};
  const std::vector<std::string> purposes = {"marketing_email", "respond_to_inquiries",
                                             "site_operation",  "advertising",
                                             "trial",           "legal_and_security"};
  const std::vector<std::string> regimes = {"gdpr", "ccpa", "uk_gdpr", "lgpd", "other"};
  const std::vector<std::string> recipients = {"google", "marketing_partners", "service_providers",
                                               "authorities", "affiliates"};
  const std::vector<std::string> origins = {"DE", "US", "GB", "CH", "BR"};
  std::vector<Question> out;
  uint32_t x = 12345;
  auto next = [&x](size_t n) {
    x = x * 1103515245u + 12345u;
    return static_cast<size_t>((x >> 16) % n);
  };
  for (int i = 0; i < 4096; ++i) {
    Question q;
    q.kind = static_cast<Kind>(i % 4);
    switch (q.kind) {
      case Kind::kCollect: {
        const auto& [point, field] = fields[next(fields.size())];
        q.a = point;
        q.b = field;
        q.point = Must(t.FindPoint(point));
        q.field = t.FindField(field);
        break;
      }
      case Kind::kUse:
        q.a = categories[next(categories.size())];
        q.b = purposes[next(purposes.size())];
        q.c = regimes[next(regimes.size())];
        q.consent = static_cast<ConsentState>(next(4));
        q.category = Must(t.FindCategory(q.a));
        q.purpose = Must(t.FindPurpose(q.b));
        q.regime = Must(t.FindRegime(q.c));
        break;
      case Kind::kDisclose: {
        q.a = recipients[next(recipients.size())];
        q.b = purposes[next(purposes.size())];
        q.origin = origins[next(origins.size())];
        size_t n = 1 + next(2);
        for (size_t k = 0; k < n; ++k) q.categories.push_back(categories[next(4)]);
        q.recipient = Must(t.FindRecipient(q.a));
        q.purpose = Must(t.FindPurpose(q.b));
        q.origin_id = Must(t.FindOrigin(q.origin));
        for (const auto& c : q.categories) q.category_ids.push_back(Must(t.FindCategory(c)));
        break;
      }
      case Kind::kRetention:
        q.a = categories[next(categories.size())];
        q.b = purposes[next(purposes.size())];
        q.category = Must(t.FindCategory(q.a));
        q.purpose = Must(t.FindPurpose(q.b));
        break;
    }
    out.push_back(std::move(q));
  }
  return out;
}

// The baseline: the same rules, answered by walking the Policy with strings.
class NaiveDecider {
 public:
  struct Answer {
    bool allowed;
    std::string clause;
  };

  explicit NaiveDecider(const Policy& p) : p_(p) {}

  Answer Collect(const std::string& point, const std::string& field) const {
    auto it = p_.collection_points.find(point);
    if (it == p_.collection_points.end()) return {false, "collection_points"};
    for (const auto& f : it->second.fields) {
      if (f.name == field) {
        if (Prohibited(f.category)) return {false, "prohibited_categories"};
        return {true, "collection_points." + point + ".fields." + field};
      }
    }
    return {false, "collection_points." + point + ".fields"};
  }

  Answer Use(const std::string& category, const std::string& purpose, const std::string& regime,
             ConsentState consent) const {
    if (Prohibited(category)) return {false, "prohibited_categories"};
    const Purpose& u = p_.purposes.at(purpose);
    if (!Covered(u.categories, category)) return {false, "purposes." + purpose + ".categories"};
    if (consent == ConsentState::kObjected &&
        Tax().Covers(TaxonomyKind::kDataUse, "marketing", u.data_use)) {
      return {false, "purposes." + purpose + ".data_use"};
    }
    auto basis = u.legal_basis.find(regime);
    if (basis == u.legal_basis.end()) basis = u.legal_basis.find("default");
    if (basis == u.legal_basis.end()) return {false, "purposes." + purpose + ".legal_basis"};
    std::string clause = "purposes." + purpose + ".legal_basis." + basis->first;
    switch (basis->second) {
      case LegalBasis::kConsent:
        return {consent == ConsentState::kGranted, clause};
      case LegalBasis::kLegitimateInterests:
      case LegalBasis::kNotice:
        return {consent != ConsentState::kObjected, clause};
      default:
        return {true, clause};
    }
  }

  Answer Disclose(const std::string& recipient, const std::string& purpose,
                  const std::vector<std::string>& categories, const std::string& origin) const {
    const Recipient& r = p_.recipients.at(recipient);
    const Purpose& u = p_.purposes.at(purpose);
    if (!p_.sells_data && Tax().Covers(TaxonomyKind::kDataUse, "third_party_sharing", u.data_use) &&
        !Tax().Covers(TaxonomyKind::kDataUse, "third_party_sharing.legal_obligation", u.data_use)) {
      return {false, "sells_data"};
    }
    if (std::find(r.purposes.begin(), r.purposes.end(), purpose) == r.purposes.end()) {
      return {false, "recipients." + recipient + ".purposes"};
    }
    for (const auto& c : categories) {
      if (Prohibited(c)) return {false, "prohibited_categories"};
      if (!Covered(r.categories, c)) return {false, "recipients." + recipient + ".categories"};
      if (!Covered(u.categories, c)) return {false, "purposes." + purpose + ".categories"};
    }
    auto has = [&](Safeguard s) {
      return std::find(r.safeguards.begin(), r.safeguards.end(), s) != r.safeguards.end();
    };
    bool contractual =
        has(Safeguard::kScc) || has(Safeguard::kBcr) || has(Safeguard::kIntercompanyAgreement);
    std::string clause = "recipients." + recipient + ".countries";
    for (const auto& country : r.countries) {
      auto answer = Jur().Adequacy(origin, country, p_.effective_date, has(Safeguard::kDpf));
      if (!answer.adequate && !contractual)
        return {false, "recipients." + recipient + ".safeguards"};
      if (!answer.adequate || answer.basis.rfind("dpf:", 0) == 0) {
        clause = "recipients." + recipient + ".safeguards";
      }
    }
    return {true, clause};
  }

  Answer Retention(const std::string& category, const std::string& purpose) const {
    if (Prohibited(category)) return {false, "prohibited_categories"};
    const Purpose& u = p_.purposes.at(purpose);
    if (!Covered(u.categories, category)) return {false, "purposes." + purpose + ".categories"};
    return {true, "purposes." + purpose + ".retention"};
  }

 private:
  static bool Covered(const std::vector<std::string>& list, const std::string& key) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& a) {
      return Tax().Covers(TaxonomyKind::kDataCategory, a, key);
    });
  }
  bool Prohibited(const std::string& key) const {
    return std::any_of(p_.prohibited_categories.begin(), p_.prohibited_categories.end(),
                       [&](const std::string& q) {
                         return Tax().Covers(TaxonomyKind::kDataCategory, q, key) ||
                                Tax().Covers(TaxonomyKind::kDataCategory, key, q);
                       });
  }

  const Policy& p_;
};

void BM_DecisionTables(benchmark::State& state) {
  auto policy = LoadExample();
  auto tables = DecisionTables::Compile(*policy, Tax(), Jur());
  const auto questions = Workload(*tables);
  int64_t allowed = 0;
  for (auto _ : state) {
    for (const Question& q : questions) {
      Decision d;
      switch (q.kind) {
        case Kind::kCollect:
          d = tables->Collect(q.point, q.field);
          break;
        case Kind::kUse:
          d = tables->Use(q.category, q.purpose, q.regime, q.consent);
          break;
        case Kind::kDisclose:
          d = tables->Disclose(q.recipient, q.purpose, q.category_ids, q.origin_id);
          break;
        case Kind::kRetention:
          d = tables->Retention(q.category, q.purpose).decision;
          break;
      }
      allowed += d.allowed;
      benchmark::DoNotOptimize(d);
    }
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(questions.size()));
}
BENCHMARK(BM_DecisionTables);

void BM_NaiveBaseline(benchmark::State& state) {
  auto policy = LoadExample();
  auto tables = DecisionTables::Compile(*policy, Tax(), Jur());
  const auto questions = Workload(*tables);
  NaiveDecider naive(*policy);
  int64_t allowed = 0;
  for (auto _ : state) {
    for (const Question& q : questions) {
      NaiveDecider::Answer a{false, ""};
      switch (q.kind) {
        case Kind::kCollect:
          a = naive.Collect(q.a, q.b);
          break;
        case Kind::kUse:
          a = naive.Use(q.a, q.b, q.c, q.consent);
          break;
        case Kind::kDisclose:
          a = naive.Disclose(q.a, q.b, q.categories, q.origin);
          break;
        case Kind::kRetention:
          a = naive.Retention(q.a, q.b);
          break;
      }
      allowed += a.allowed;
      benchmark::DoNotOptimize(a);
    }
  }
  benchmark::DoNotOptimize(allowed);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(questions.size()));
}
BENCHMARK(BM_NaiveBaseline);

// The two must agree on every question of the workload, or the comparison means nothing.
void BM_AgreementCheck(benchmark::State& state) {
  auto policy = LoadExample();
  auto tables = DecisionTables::Compile(*policy, Tax(), Jur());
  const auto questions = Workload(*tables);
  NaiveDecider naive(*policy);
  int64_t disagreements = 0;
  for (auto _ : state) {
    disagreements = 0;
    for (const Question& q : questions) {
      Decision d;
      NaiveDecider::Answer a{false, ""};
      switch (q.kind) {
        case Kind::kCollect:
          d = tables->Collect(q.point, q.field);
          a = naive.Collect(q.a, q.b);
          break;
        case Kind::kUse:
          d = tables->Use(q.category, q.purpose, q.regime, q.consent);
          a = naive.Use(q.a, q.b, q.c, q.consent);
          break;
        case Kind::kDisclose:
          d = tables->Disclose(q.recipient, q.purpose, q.category_ids, q.origin_id);
          a = naive.Disclose(q.a, q.b, q.categories, q.origin);
          break;
        case Kind::kRetention:
          d = tables->Retention(q.category, q.purpose).decision;
          a = naive.Retention(q.a, q.b);
          break;
      }
      disagreements += d.allowed != a.allowed || d.clause.key != a.clause;
    }
  }
  state.counters["disagreements"] = static_cast<double>(disagreements);
  if (disagreements != 0) state.SkipWithError("the tables and the baseline disagree");
}
BENCHMARK(BM_AgreementCheck)->Iterations(1);

void BM_LoadValidateCompile(benchmark::State& state) {
  for (auto _ : state) {
    PolicyLoad load = LoadPolicyText(kExamplePolicy, "policy.yaml", Tax(), Jur());
    auto tables = DecisionTables::Compile(*load.policy, Tax(), Jur());
    benchmark::DoNotOptimize(tables);
  }
}
BENCHMARK(BM_LoadValidateCompile)->Unit(benchmark::kMillisecond);

void BM_LoadValidate(benchmark::State& state) {
  for (auto _ : state) {
    PolicyLoad load = LoadPolicyText(kExamplePolicy, "policy.yaml", Tax(), Jur());
    benchmark::DoNotOptimize(load);
  }
}
BENCHMARK(BM_LoadValidate)->Unit(benchmark::kMillisecond);

void BM_Compile(benchmark::State& state) {
  auto policy = LoadExample();
  for (auto _ : state) {
    auto tables = DecisionTables::Compile(*policy, Tax(), Jur());
    benchmark::DoNotOptimize(tables);
  }
}
BENCHMARK(BM_Compile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace privacyd

BENCHMARK_MAIN();
