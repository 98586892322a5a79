// Test support: the consent ledger over the collection fixture, with link keys, an outbox and
// helpers to make people and read what the ledger and the outbox hold.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "crypto/sealing.h"
#include "testing/collection_fixture.h"

namespace privacyd::testing {

class ConsentFixture : public CollectionFixture {
 protected:
  void SetUp() override {
    CollectionFixture::SetUp();
    SecureRandom key_random;
    std::vector<LinkKey> keys;
    keys.push_back({"0a0b0c0d", NewSymmetricKey(key_random)});
    links_ = std::make_unique<LinkSigner>(std::move(keys));
    outbox_ = std::make_unique<Outbox>(*registry_, random_, clock_, "mail.example.com");
    codes_ = std::make_unique<OneTimeCodes>(*keyring_, clock_, random_);
    ledger_ = std::make_unique<ConsentLedger>(*store_, *registry_, policy_,
                                              Jurisdictions::Default(), audit_, clock_, *outbox_,
                                              *links_, "https://privacy.example.com", codes_.get());
  }

  // A new subject with an email, under `regime`.
  std::string Person(const std::string& email, const std::string& regime) {
    Collected data;
    data.identities = {{"email", email}};
    data.provenance = "{}";
    data.regime = regime;
    AccessContext pub{{"", "", ""}, "collection", "req_c"};
    auto into = registry_->Collect(pub, data);
    EXPECT_TRUE(into.ok());
    return into.ok() ? into->subject_id : "";
  }

  ConsentSource Source(const std::string& method) {
    ConsentSource s;
    s.method = method;
    s.language = "de";
    s.country = "DE";
    s.user_agent = "firefox";
    s.request_id = "req_1";
    return s;
  }

  std::vector<ConsentEventRecord> Events(const std::string& subject) {
    return *ReadValue<std::vector<ConsentEventRecord>>(
        *store_, [&](Tx& tx) { return tx.ListConsentEvents(subject); });
  }

  std::vector<JobRecord> MailJobs() {
    auto jobs = ReadValue<std::vector<JobRecord>>(
        *store_, [](Tx& tx) { return tx.ListJobs(std::nullopt, 1000); });
    std::vector<JobRecord> out;
    for (auto& j : *jobs) {
      if (j.kind == kMailJob) out.push_back(j);
    }
    return out;
  }

  std::string Verdict(const std::string& topic, const std::string& identity) {
    AccessContext sender{{"usr_m", "mia", "marketing"}, "marketing", "req_chk"};
    auto items = ledger_->Check(sender, topic, {identity});
    EXPECT_TRUE(items.ok()) << (items.ok() ? "" : items.error().message());
    return items.ok() ? ConsentVerdictName((*items)[0].verdict) : "error";
  }

  Status FormTopics(const std::string& subject, const std::vector<std::string>& topics) {
    return store_->Write([&](Tx& tx) {
      return ledger_->TopicsFromForm(tx, subject, topics, Source(kMethodCollectionForm));
    });
  }

  std::unique_ptr<LinkSigner> links_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<OneTimeCodes> codes_;
  std::unique_ptr<ConsentLedger> ledger_;
};

}  // namespace privacyd::testing
