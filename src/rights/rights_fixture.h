// Test support for the rights services: the consent fixture with a collector, and people who
// filled in the example policy's forms.
#pragma once

#include <memory>
#include <string>

#include "collect/collector.h"
#include "collect/enrichment_import.h"
#include "guard/guard.h"
#include "policy/policy_holder.h"
#include "rights/access_package.h"
#include "rights/request_service.h"
#include "testing/consent_fixture.h"
#include "testing/fake_guard.h"

namespace privacyd::testing {

// A policy whose quotes are kept for two years from collection despite erasure (statutory
// retention, rights/erasure.h).
inline std::shared_ptr<const Policy> WithStatutoryQuotes() {
  return ExamplePolicyWith(
      "    legal_basis: {default: contract}\n"
      "    retention:\n"
      "      keep: {years: 2}\n"
      "      from: last_interaction\n"
      "  marketing_email:",
      "    legal_basis: {default: legal_obligation}\n"
      "    retention:\n"
      "      keep: {years: 2}\n"
      "      from: collection\n"
      "      statutory: true\n"
      "      reason:\n"
      "        en: Commercial law requires it.\n"
      "        de: Das Handelsrecht schreibt es vor.\n"
      "        fr: Le droit commercial l'exige.\n"
      "  marketing_email:");
}

class RightsFixture : public ConsentFixture {
 protected:
  void SetUp() override {
    ConsentFixture::SetUp();
    collector_ = std::make_unique<Collector>(policy_, *registry_, &no_findings_, clock_, random_);
  }

  // Submits `values` at `point` as the public; returns the subject id.
  std::string Submit(const std::string& point, const std::map<std::string, std::string>& values) {
    Submission s;
    for (const auto& [k, v] : values) s[k].text = v;
    auto outcome = collector_->Collect(point, s, Submitter{});
    EXPECT_TRUE(outcome.ok()) << (outcome.ok() ? "" : outcome.error().message());
    if (!outcome.ok()) return "";
    EXPECT_TRUE(outcome->receipt) << (outcome->problems.empty() ? "" : outcome->problems[0].code);
    return outcome->receipt ? outcome->receipt->subject_id : "";
  }

  std::vector<AuditRecord> AuditOf(const std::string& action) {
    AuditQuery q;
    q.action = action;
    q.limit = 100;
    return *ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) { return tx.ListAudit(q); });
  }

  AccessContext officer_{{"usr_2", "olga", "privacy_officer"}, "rights_request", "req_42"};
  AccessContext agent_{{"usr_3", "sam", "support_agent"}, "rights_request", "req_43"};
  // The collection points' guard finds nothing sensitive in these tests' free text.
  FakeGuard no_findings_{std::vector<FakeGuard::Needle>{}};
  std::unique_ptr<Collector> collector_;
};

// A request service that carries out the rights it completes (the access package with the real
// guard, so that its redaction runs), without the workflow's own checks (confirmation,
// approval), which request_service_test.cc tests; and the person most tests ask about.
class FulfilmentFixture : public RightsFixture {
 protected:
  void SetUp() override {
    RightsFixture::SetUp();
    RequestSettings settings;
    settings.confirm_rights = {};
    settings.approval_rights = {};
    service_ = std::make_unique<RequestService>(*store_, *registry_, keyring_, policy_,
                                                Jurisdictions::Default(), audit_, *codes_, clock_,
                                                random_, settings);
    service_->UseConsent(ledger_.get());
    auto guard = guard::Guard::Create({});
    ASSERT_TRUE(guard.ok()) << guard.error().message();
    guard_ = std::move(guard).value();
    packages_ = std::make_unique<AccessPackage>(*registry_, policy_, *guard_, clock_);
    service_->UseAccessPackage(packages_.get());
  }

  std::string Erika() {
    return Submit("contact", {{"name", "Erika Mustermann"},
                              {"email", "erika@qzx.example"},
                              {"company", "Musterfirma Unikat GmbH"},
                              {"message", "Bitte rufen Sie mich zurück"}});
  }

  // A request received by post from `email`, the identity checked by staff (Olga, privacy
  // officer), work started.
  std::string Started(std::vector<std::string> rights, const std::string& email) {
    const Principal officer{"usr_o", "olga", "privacy_officer"};
    NewRequest in;
    in.rights = std::move(rights);
    in.email = email;
    in.country = "DE";
    in.language = "de";
    in.channel = "post";
    in.attested = true;
    auto view = service_->Submit(in, &officer, "hr_1");
    EXPECT_TRUE(view.ok()) << (view.ok() ? "" : view.error().code());
    if (!view.ok()) return "";
    auto started = service_->Transition(officer, view->id, "start", "", "hr_2");
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().code());
    return view->id;
  }

  std::unique_ptr<guard::Guard> guard_;
  std::unique_ptr<AccessPackage> packages_;
  std::unique_ptr<RequestService> service_;
};

}  // namespace privacyd::testing
