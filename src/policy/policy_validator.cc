#include "policy/policy_validator.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include "policy/period.h"

namespace privacyd {
namespace {

// The regimes whose transfer rules apply to data collected there, each with a country that
// stands for its area.
struct Origin {
  const char* area;
  const char* country;
};
constexpr Origin kTransferOrigins[] = {{"the EEA", "DE"}, {"the UK", "GB"}, {"Switzerland", "CH"}};

std::string DescribePeriod(const Period& p) {
  std::string out;
  if (p.months) out = std::to_string(p.months) + (p.months == 1 ? " month" : " months");
  if (p.days) {
    out += (out.empty() ? "" : " and ") + std::to_string(p.days) + (p.days == 1 ? " day" : " days");
  }
  return out.empty() ? "no time" : out;
}

class Validator {
 public:
  Validator(const Policy& p, const Taxonomy& t, const Jurisdictions& j,
            std::vector<PolicyDiagnostic>& out)
      : p_(p), tax_(t), jur_(j), out_(out) {}

  void Run() {
    CheckDeclaredCategories();
    CheckPurposes();
    CheckTopics();
    CheckPoints();
    CheckRecipients();
    CheckCookies();
    CheckRights();
  }

 private:
  void Report(PolicyDiagnostic::Severity severity, SourcePos pos, std::string key,
              std::string message) {
    out_.push_back({severity, p_.file, pos.line, pos.column, std::move(key), std::move(message)});
  }
  void Error(SourcePos pos, std::string key, std::string message) {
    Report(PolicyDiagnostic::Severity::kError, pos, std::move(key), std::move(message));
  }
  void Warning(SourcePos pos, std::string key, std::string message) {
    Report(PolicyDiagnostic::Severity::kWarning, pos, std::move(key), std::move(message));
  }

  bool Declared(const std::string& category) const {
    return std::any_of(p_.data_categories.begin(), p_.data_categories.end(),
                       [&](const std::string& d) {
                         return tax_.Covers(TaxonomyKind::kDataCategory, d, category);
                       });
  }
  // The prohibited category that overlaps `category` (either contains the other), or "".
  std::string Prohibited(const std::string& category) const {
    for (const auto& q : p_.prohibited_categories) {
      if (tax_.Covers(TaxonomyKind::kDataCategory, q, category) ||
          tax_.Covers(TaxonomyKind::kDataCategory, category, q)) {
        return q;
      }
    }
    return "";
  }
  bool SubjectDeclared(const std::string& subject) const {
    return std::find(p_.data_subjects.begin(), p_.data_subjects.end(), subject) !=
           p_.data_subjects.end();
  }
  bool IsMarketing(const Purpose& purpose) const {
    return tax_.Covers(TaxonomyKind::kDataUse, "marketing", purpose.data_use);
  }

  void CheckDeclaredCategories() {
    for (const auto& c : p_.data_categories) {
      if (std::string q = Prohibited(c); !q.empty()) {
        Error({}, "data_categories",
              "'" + c + "' is declared as collected but overlaps the prohibited category '" + q +
                  "'; remove it from one of the two lists");
      }
    }
  }

  void CheckPurposes() {
    for (const auto& [id, purpose] : p_.purposes) {
      std::string path = "purposes." + id;
      for (const auto& c : purpose.categories) {
        if (!Declared(c)) {
          Error(purpose.pos, path + ".categories",
                "'" + c + "' is not among data_categories; declare it there or remove it here");
        }
        if (std::string q = Prohibited(c); !q.empty()) {
          Error(purpose.pos, path + ".categories",
                "'" + c + "' overlaps the prohibited category '" + q + "'");
        }
      }
      for (const auto& s : purpose.subjects) {
        if (!SubjectDeclared(s)) {
          Error(purpose.pos, path + ".subjects", "'" + s + "' is not among data_subjects");
        }
      }
      if (purpose.retention.statutory) CheckStatutory(purpose, path);
      if (purpose.legal_basis.empty()) continue;  // reported by the loader
      if (!purpose.legal_basis.count("default")) {
        std::vector<std::string> missing;
        for (const Regime* regime : jur_.Regimes()) {
          if (!purpose.legal_basis.count(regime->id)) missing.push_back(regime->id);
        }
        if (!missing.empty()) {
          std::string list;
          for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
          Error(purpose.pos, path + ".legal_basis",
                "no legal basis for the regimes " + list + "; add them or a 'default' basis");
        }
      }
      if (tax_.Covers(TaxonomyKind::kDataUse, "marketing.communications", purpose.data_use)) {
        for (const Regime* regime : jur_.Regimes()) {
          if (regime->marketing_email != MarketingConsent::kOptIn) continue;
          auto it = purpose.legal_basis.find(regime->id);
          if (it == purpose.legal_basis.end()) it = purpose.legal_basis.find("default");
          if (it != purpose.legal_basis.end() && it->second != LegalBasis::kConsent) {
            Error(purpose.pos, path + ".legal_basis",
                  "marketing communications need consent under " + regime->id +
                      " (its rule is opt-in), but the basis here is " + LegalBasisName(it->second) +
                      "; set " + regime->id + ": consent");
          }
        }
      }
    }
  }

  // Data kept despite an erasure request must rest on a legal obligation, and the person is told
  // why in their language.
  void CheckStatutory(const Purpose& purpose, const std::string& path) {
    bool obligation = false;
    for (const auto& [regime, basis] : purpose.legal_basis) {
      obligation = obligation || basis == LegalBasis::kLegalObligation;
    }
    if (!obligation) {
      Error(purpose.pos, path + ".retention.statutory",
            "statutory retention needs the legal basis legal_obligation under at least one "
            "regime (e.g. legal_basis: {default: legal_obligation})");
    }
    for (const auto& language : p_.languages) {
      auto it = purpose.retention.reason.find(language);
      if (it == purpose.retention.reason.end() || it->second.empty()) {
        Error(purpose.pos, path + ".retention.reason",
              "statutory retention needs a reason in every statement language (missing: " +
                  language + "); it is what a person asking for erasure is told");
      }
    }
  }

  void CheckTopics() {
    for (const auto& [id, topic] : p_.topics) {
      auto purpose = p_.purposes.find(topic.purpose);
      if (purpose == p_.purposes.end()) {
        Error(topic.pos, "subscription_topics." + id + ".purpose",
              "no purpose is called '" + topic.purpose + "'");
        continue;
      }
      if (topic.kind == TopicKind::kMarketing && !IsMarketing(purpose->second)) {
        Error(topic.pos, "subscription_topics." + id + ".purpose",
              "a marketing topic must serve a purpose whose data_use is under 'marketing'");
      }
    }
  }

  void CheckPoints() {
    for (const auto& [id, point] : p_.collection_points) {
      std::string path = "collection_points." + id;
      std::vector<const Purpose*> purposes;
      for (const auto& pid : point.purposes) {
        auto it = p_.purposes.find(pid);
        if (it == p_.purposes.end()) {
          Error(point.pos, path + ".purposes", "no purpose is called '" + pid + "'");
        } else {
          purposes.push_back(&it->second);
        }
      }
      for (const auto& tid : point.topics) {
        if (!p_.topics.count(tid)) {
          Error(point.pos, path + ".topics", "no subscription topic is called '" + tid + "'");
        }
      }
      for (const auto& s : point.subjects) {
        if (!SubjectDeclared(s)) {
          Error(point.pos, path + ".subjects", "'" + s + "' is not among data_subjects");
        }
      }
      for (const auto& field : point.fields) {
        if (field.category.empty()) continue;
        std::string fpath = path + ".fields." + field.name + ".category";
        if (std::string q = Prohibited(field.category); !q.empty()) {
          Error(field.pos, fpath,
                "'" + field.category + "' overlaps the prohibited category '" + q +
                    "': it may not be collected anywhere");
          continue;
        }
        if (!Declared(field.category)) {
          Error(field.pos, fpath,
                "'" + field.category +
                    "' is not among data_categories; declare it there or collect something else");
        }
        bool served = std::any_of(purposes.begin(), purposes.end(), [&](const Purpose* pu) {
          return std::any_of(pu->categories.begin(), pu->categories.end(),
                             [&](const std::string& c) {
                               return tax_.Covers(TaxonomyKind::kDataCategory, c, field.category);
                             });
        });
        if (!served && !purposes.empty()) {
          Error(field.pos, fpath,
                "no purpose of this point uses '" + field.category +
                    "'; add the category to one of its purposes or drop the field");
        }
      }
      if (point.channel == Channel::kReferral) {
        if (!point.topics.empty()) {
          Error(point.pos, path + ".topics",
                "a referral point may not subscribe the referred person to anything");
        }
        for (const Purpose* pu : purposes) {
          if (IsMarketing(*pu)) {
            Error(point.pos, path + ".purposes",
                  "a referral point may not feed marketing (purpose '" + pu->id + "')");
          }
        }
      }
      CheckOrigins(point, path);
      if (point.new_subjects && point.channel != Channel::kEnrichmentImport) {
        Error(point.pos, path + ".new_subjects",
              "only an enrichment_import point adds people from a third party's data");
      }
      bool public_channel =
          point.channel == Channel::kWebForm || point.channel == Channel::kForum ||
          point.channel == Channel::kEmailResponse || point.channel == Channel::kCandidate ||
          point.channel == Channel::kReferral;
      if (public_channel && point.age_signal == AgeSignal::kNone) {
        Warning(point.pos, path + ".age_signal",
                "collects from the public without an age signal: people under " +
                    std::to_string(point.minimum_age.value_or(p_.minimum_age)) +
                    " are refused only if they say so; consider age_signal: attestation");
      }
    }
  }

  // Browser origins are "https://host" or "https://host:port" (http only for localhost), and a
  // redirect goes to a page of one of them: never anywhere a submitter chooses.
  void CheckOrigins(const CollectionPoint& point, const std::string& path) {
    for (const auto& origin : point.cors_origins) {
      if (!IsWebOrigin(origin)) {
        Error(point.pos, path + ".cors_origins",
              "'" + origin +
                  "' is not a web origin; write scheme and host only, e.g. "
                  "https://www.example.com");
      }
    }
    for (const auto& [key, url] :
         {std::pair<std::string, std::string>{"success", point.success_url},
          {"failure", point.failure_url}}) {
      if (url.empty()) continue;
      bool under = std::any_of(point.cors_origins.begin(), point.cors_origins.end(),
                               [&](const std::string& o) { return url.starts_with(o + "/"); });
      if (!under) {
        Error(point.pos, path + ".redirect." + key,
              "a redirect must go to a page of one of the point's cors_origins");
      }
    }
  }

  static bool IsWebOrigin(const std::string& origin) {
    std::string_view rest = origin;
    bool local = false;
    if (rest.starts_with("https://")) {
      rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
      rest.remove_prefix(7);
      local = true;
    } else {
      return false;
    }
    std::string_view host = rest.substr(0, rest.find(':'));
    if (local && host != "localhost" && host != "127.0.0.1") return false;
    if (host.empty()) return false;
    return std::all_of(rest.begin(), rest.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '.' || c == '-' || c == ':';
    });
  }

  void CheckRecipients() {
    for (const auto& [id, r] : p_.recipients) {
      std::string path = "recipients." + id;
      for (const auto& c : r.categories) {
        if (!Declared(c)) {
          Error(r.pos, path + ".categories",
                "'" + c +
                    "' is not among data_categories: a recipient may receive only what "
                    "the statement declares");
        }
      }
      for (const auto& pid : r.purposes) {
        if (!p_.purposes.count(pid)) {
          Error(r.pos, path + ".purposes", "no purpose is called '" + pid + "'");
        }
      }
      auto has = [&](Safeguard s) {
        return std::find(r.safeguards.begin(), r.safeguards.end(), s) != r.safeguards.end();
      };
      bool contractual =
          has(Safeguard::kScc) || has(Safeguard::kBcr) || has(Safeguard::kIntercompanyAgreement);
      // (No countries: already reported by the loader; say nothing more about them.)
      if (has(Safeguard::kDpf) && !r.countries.empty() &&
          std::find(r.countries.begin(), r.countries.end(), "US") == r.countries.end()) {
        Error(r.pos, path + ".safeguards",
              "the Data Privacy Framework covers recipients in the US only, and none of this "
              "recipient's countries is the US; remove dpf");
      }
      for (const auto& country : r.countries) {
        for (const auto& origin : kTransferOrigins) {
          auto answer =
              jur_.Adequacy(origin.country, country, p_.effective_date, has(Safeguard::kDpf));
          if (answer.adequate || contractual) continue;
          Error(r.pos, path + ".safeguards",
                "data from " + std::string(origin.area) + " going to " + country +
                    " has no adequacy decision" +
                    (country == "US" ? " unless the recipient is DPF-certified" : "") +
                    "; add a safeguard: scc, bcr or intercompany_agreement" +
                    (country == "US" ? ", or dpf" : ""));
        }
      }
      if (has(Safeguard::kAdequacy)) {
        for (const auto& country : r.countries) {
          for (const auto& origin : kTransferOrigins) {
            if (!jur_.Adequacy(origin.country, country, p_.effective_date, has(Safeguard::kDpf))
                     .adequate) {
              Error(r.pos, path + ".safeguards",
                    "'adequacy' is claimed, but " + country +
                        " has no adequacy decision for data from " + origin.area);
              break;
            }
          }
        }
      }
    }
  }

  void CheckCookies() {
    for (const auto& [id, c] : p_.cookie_categories) {
      if (!p_.purposes.count(c.purpose)) {
        Error({}, "cookies.categories." + id + ".purpose",
              "no purpose is called '" + c.purpose + "'");
      }
    }
    for (const auto& [id, v] : p_.cookie_vendors) {
      if (!p_.cookie_categories.count(v.category)) {
        Error({}, "cookies.vendors." + id + ".category",
              "no cookie category is called '" + v.category + "'");
      }
    }
  }

  void CheckRights() {
    bool complaint = std::find(p_.rights.rights.begin(), p_.rights.rights.end(),
                               Right::kComplaint) != p_.rights.rights.end();
    if (complaint && p_.complaint_routes.empty()) {
      Error({}, "complaint_routes",
            "the right to complain is listed, but no complaint route says where to complain");
    }
    // A promised deadline may be shorter than the law's, never longer, whatever day a request
    // arrives: compare from the first and the last day of every month of a leap and a common
    // year. The fallback regime states no law of its own, so the policy's promise stands there.
    std::vector<Micros> starts;
    for (int year : {2027, 2028}) {
      for (unsigned month = 1; month <= 12; ++month) {
        std::chrono::year_month_day first{std::chrono::year(year), std::chrono::month(month),
                                          std::chrono::day(1)};
        std::chrono::year_month_day_last last{
            std::chrono::year(year), std::chrono::month_day_last(std::chrono::month(month))};
        for (auto day : {std::chrono::sys_days(first), std::chrono::sys_days(last)}) {
          starts.push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(day.time_since_epoch())
                  .count());
        }
      }
    }
    for (const auto& [regime_id, d] : p_.rights.deadlines) {
      std::vector<const Regime*> regimes;
      if (regime_id == "default") {
        regimes = jur_.Regimes();
      } else if (const Regime* r = jur_.FindRegime(regime_id)) {
        regimes.push_back(r);
      }
      Period promised{d.deadline.years * 12 + d.deadline.months, d.deadline.days};
      for (const Regime* r : regimes) {
        if (regime_id == "default" && p_.rights.deadlines.count(r->id)) continue;
        if (r->id == jur_.RegimeFor("").id) continue;
        bool longer = std::any_of(starts.begin(), starts.end(), [&](Micros start) {
          return AddPeriod(start, promised, r->rule) > AddPeriod(start, r->deadline, r->rule);
        });
        if (longer) {
          Error({}, "rights.deadlines." + regime_id,
                "the promised deadline is longer than " + r->id + " allows (" +
                    DescribePeriod(r->deadline) + "); add a 'rights.deadlines." + r->id +
                    "' entry of at most that");
        }
      }
    }
  }

  const Policy& p_;
  const Taxonomy& tax_;
  const Jurisdictions& jur_;
  std::vector<PolicyDiagnostic>& out_;
};

}  // namespace

void ValidatePolicy(const Policy& policy, const Taxonomy& taxonomy,
                    const Jurisdictions& jurisdictions, std::vector<PolicyDiagnostic>& out) {
  Validator(policy, taxonomy, jurisdictions, out).Run();
}

}  // namespace privacyd
