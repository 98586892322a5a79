#include "policy/policy_diff.h"

#include <algorithm>
#include <map>
#include <set>

namespace privacyd {
namespace {

int64_t ApproxDays(const Duration& d) { return d.years * 365LL + d.months * 31LL + d.days; }

std::string DurationText(const Duration& d) {
  std::string out;
  auto part = [&](int n, const char* one, const char* many) {
    if (n == 0) return;
    if (!out.empty()) out += " ";
    out += std::to_string(n) + " " + (n == 1 ? one : many);
  };
  part(d.years, "year", "years");
  part(d.months, "month", "months");
  part(d.days, "day", "days");
  return out;
}

std::string RetentionText(const RetentionRule& r) {
  return DurationText(r.keep) + " from " + RetentionStartName(r.from);
}

std::string TextOf(const LocalizedText& t) {
  std::string out;
  for (const auto& [lang, text] : t) out += (out.empty() ? "" : " | ") + lang + ": " + text;
  return out;
}

class Differ {
 public:
  std::vector<PolicyChange> changes;

  void Changed(const std::string& clause, const std::string& before, const std::string& after,
               bool material = false, const std::string& why = "") {
    if (before == after) return;
    changes.push_back({PolicyChange::Kind::kChanged, clause, before, after, material, why});
  }
  void Added(const std::string& clause, const std::string& value, bool material = false,
             const std::string& why = "") {
    changes.push_back({PolicyChange::Kind::kAdded, clause, "", value, material, why});
  }
  void Removed(const std::string& clause, const std::string& value, bool material = false,
               const std::string& why = "") {
    changes.push_back({PolicyChange::Kind::kRemoved, clause, value, "", material, why});
  }

  // Set difference of two string lists; `added_material` marks additions material with `why`.
  void List(const std::string& clause, const std::vector<std::string>& before,
            const std::vector<std::string>& after, bool added_material = false,
            const std::string& why = "", bool removed_material = false,
            const std::string& removed_why = "") {
    std::set<std::string> b(before.begin(), before.end()), a(after.begin(), after.end());
    for (const auto& x : a) {
      if (!b.count(x)) Added(clause, x, added_material, why);
    }
    for (const auto& x : b) {
      if (!a.count(x)) Removed(clause, x, removed_material, removed_why);
    }
  }

  template <class T, class Fn>
  void Map(const std::string& clause, const std::map<std::string, T>& before,
           const std::map<std::string, T>& after, bool added_material, const std::string& why,
           Fn&& both) {
    for (const auto& [id, value] : after) {
      auto it = before.find(id);
      if (it == before.end()) {
        Added(clause, id, added_material, why);
      } else {
        both(clause + "." + id, it->second, value);
      }
    }
    for (const auto& [id, value] : before) {
      if (!after.count(id)) Removed(clause, id);
    }
  }
};

}  // namespace

const char* PolicyChangeKindName(PolicyChange::Kind kind) {
  switch (kind) {
    case PolicyChange::Kind::kAdded:
      return "added";
    case PolicyChange::Kind::kRemoved:
      return "removed";
    case PolicyChange::Kind::kChanged:
      return "changed";
  }
  return "changed";
}

std::vector<PolicyChange> DiffPolicies(const Policy& before, const Policy& after) {
  Differ d;
  d.Changed("statement.version", before.version, after.version);
  d.Changed("statement.title", TextOf(before.title), TextOf(after.title));
  d.List("statement.languages", before.languages, after.languages);
  d.Changed("controller", before.controller.name + ", " + before.controller.address,
            after.controller.name + ", " + after.controller.address);
  d.Changed("dpo.email", before.dpo.email, after.dpo.email);
  d.Changed("dpo.postal_address", before.dpo.postal_address, after.dpo.postal_address);
  d.Changed("sells_data", before.sells_data ? "true" : "false", after.sells_data ? "true" : "false",
            after.sells_data && !before.sells_data, "starts selling personal data");
  d.Changed("minimum_age", std::to_string(before.minimum_age), std::to_string(after.minimum_age),
            after.minimum_age < before.minimum_age, "lower minimum age");
  d.List("data_subjects", before.data_subjects, after.data_subjects, true,
         "new kind of data subject");
  d.List("data_categories", before.data_categories, after.data_categories, true,
         "new data category");
  d.List("prohibited_categories", before.prohibited_categories, after.prohibited_categories, false,
         "", true, "a category is no longer refused");

  d.Map("purposes", before.purposes, after.purposes, true, "new purpose",
        [&](const std::string& path, const Purpose& b, const Purpose& a) {
          d.Changed(path + ".name", TextOf(b.name), TextOf(a.name));
          d.Changed(path + ".description", TextOf(b.description), TextOf(a.description));
          d.Changed(path + ".data_use", b.data_use, a.data_use, true, "new use of data");
          d.List(path + ".categories", b.categories, a.categories, true,
                 "new data category for this purpose");
          d.List(path + ".subjects", b.subjects, a.subjects);
          std::set<std::string> regimes;
          for (const auto& [r, _] : b.legal_basis) regimes.insert(r);
          for (const auto& [r, _] : a.legal_basis) regimes.insert(r);
          for (const auto& r : regimes) {
            auto bi = b.legal_basis.find(r), ai = a.legal_basis.find(r);
            std::string bs = bi == b.legal_basis.end() ? "" : LegalBasisName(bi->second);
            std::string as = ai == a.legal_basis.end() ? "" : LegalBasisName(ai->second);
            bool away = bs == "consent" && as != "consent";
            if (bs.empty()) {
              d.Added(path + ".legal_basis." + r, as);
            } else if (as.empty()) {
              d.Removed(path + ".legal_basis." + r, bs, away, "legal basis no longer consent");
            } else {
              d.Changed(path + ".legal_basis." + r, bs, as, away,
                        "legal basis moves away from consent");
            }
          }
          d.Changed(path + ".retention", RetentionText(b.retention), RetentionText(a.retention),
                    ApproxDays(a.retention.keep) > ApproxDays(b.retention.keep),
                    "longer retention");
        });

  d.Map("subscription_topics", before.topics, after.topics, false, "",
        [&](const std::string& path, const SubscriptionTopic& b, const SubscriptionTopic& a) {
          d.Changed(path + ".name", TextOf(b.name), TextOf(a.name));
          d.Changed(path + ".description", TextOf(b.description), TextOf(a.description));
          d.Changed(path + ".purpose", b.purpose, a.purpose);
        });

  d.Map("collection_points", before.collection_points, after.collection_points, false, "",
        [&](const std::string& path, const CollectionPoint& b, const CollectionPoint& a) {
          std::vector<std::string> bf, af;
          for (const auto& f : b.fields) bf.push_back(f.name + " (" + f.category + ")");
          for (const auto& f : a.fields) af.push_back(f.name + " (" + f.category + ")");
          d.List(path + ".fields", bf, af);
          d.List(path + ".purposes", b.purposes, a.purposes);
          d.List(path + ".topics", b.topics, a.topics);
          // A point's own age only; a change of the policy-wide age is reported once, above.
          if (b.minimum_age || a.minimum_age) {
            int bm = b.minimum_age.value_or(before.minimum_age);
            int am = a.minimum_age.value_or(after.minimum_age);
            d.Changed(path + ".minimum_age", std::to_string(bm), std::to_string(am), am < bm,
                      "lower minimum age");
          }
        });

  d.Map("recipients", before.recipients, after.recipients, true, "new recipient",
        [&](const std::string& path, const Recipient& b, const Recipient& a) {
          d.Changed(path + ".name", TextOf(b.name), TextOf(a.name));
          d.Changed(path + ".description", TextOf(b.description), TextOf(a.description));
          d.Changed(path + ".role", RecipientRoleName(b.role), RecipientRoleName(a.role));
          d.List(path + ".countries", b.countries, a.countries, true, "new destination country");
          std::vector<std::string> bs, as;
          for (auto s : b.safeguards) bs.push_back(SafeguardName(s));
          for (auto s : a.safeguards) as.push_back(SafeguardName(s));
          d.List(path + ".safeguards", bs, as);
          d.List(path + ".categories", b.categories, a.categories, true,
                 "recipient receives a new data category");
          d.List(path + ".purposes", b.purposes, a.purposes, true,
                 "recipient receives data for a new purpose");
        });

  std::vector<std::string> br, ar;
  for (auto r : before.rights.rights) br.push_back(RightName(r));
  for (auto r : after.rights.rights) ar.push_back(RightName(r));
  d.List("rights.available", br, ar);

  std::map<std::string, std::string> texts_before, texts_after;
  for (const auto& [id, t] : before.texts) texts_before[id] = TextOf(t);
  for (const auto& [id, t] : after.texts) texts_after[id] = TextOf(t);
  d.Map("texts", texts_before, texts_after, false, "",
        [&](const std::string& path, const std::string& b, const std::string& a) {
          d.Changed(path, b, a);
        });

  std::stable_sort(
      d.changes.begin(), d.changes.end(),
      [](const PolicyChange& x, const PolicyChange& y) { return x.clause < y.clause; });
  return d.changes;
}

std::string FormatChange(const PolicyChange& c) {
  std::string out = c.material ? "material: " : "editorial: ";
  out += c.clause + ": ";
  switch (c.kind) {
    case PolicyChange::Kind::kAdded:
      out += "added " + c.after;
      break;
    case PolicyChange::Kind::kRemoved:
      out += "removed " + c.before;
      break;
    case PolicyChange::Kind::kChanged:
      out += c.before + " -> " + c.after;
      break;
  }
  if (c.material) out += " (" + c.why + ")";
  return out;
}

}  // namespace privacyd
