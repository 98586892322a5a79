// Delivery of privacyd's mail: the job handlers that turn queued mail into messages on the
// relay.
//
//   mail.send                 one message of the outbox (mail/outbox.h): the recipient's
//                             address is opened at send time (an erased person gets nothing),
//                             marketing mail is checked against the ledger once more right
//                             before it goes (someone who unsubscribed in between gets
//                             nothing), and every message carries the signed links it needs:
//                             List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) on
//                             marketing and subscription mail.
//   referral.email            the one message to a colleague someone referred; the address is
//                             deleted once it has gone.
//   statement.change_notice   fans a material change of the statement out to everyone
//                             subscribed to a service topic (Trust Center Update), one
//                             mail.send each, deduplicated per version and person.
//
// A message is rendered from the templates (mail/templates.h) in the person's language, signed
// with DKIM when configured, and handed to the transport. A relay that is down or answers 4xx
// fails the job, which the runner retries with backoff; after its last attempt it is a dead
// letter for staff to see (GET /v1/admin/outbox). Nothing personal reaches a log or a job's
// last_error.
#pragma once

#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "consent/consent_ledger.h"
#include "jobs/job_runner.h"
#include "mail/dkim.h"
#include "mail/mail_transport.h"
#include "mail/outbox.h"
#include "policy/policy_holder.h"
#include "registry/subject_registry.h"

namespace privacyd {

struct MailDeliverySettings {
  std::string from;                // the From header ("Privacy <privacy@example.com>")
  std::string unsubscribe_mailto;  // List-Unsubscribe's mailto address, or ""
};

class MailDelivery {
 public:
  // `transport` sends; `dkim` signs when not null. All must outlive the delivery.
  MailDelivery(Store& store, const SubjectRegistry& registry, PolicyHolder& policy,
               const ConsentLedger& consent, const Outbox& outbox, mail::MailTransport& transport,
               const mail::DkimSigner* dkim, MailDeliverySettings settings, const AuditLog& audit,
               const Clock& clock);

  // Registers the three handlers.
  Status RegisterWith(JobRunner& runner);

  Status SendQueued(const JobRecord& job);
  Status SendReferral(const JobRecord& job);
  Status FanOutChangeNotice(const JobRecord& job);

  // The List-Unsubscribe and List-Unsubscribe-Post values for mail about `topic` to a subject
  // (also given to senders by the consent check).
  struct UnsubscribeHeaders {
    std::string url;
    std::string list_unsubscribe;
    std::string list_unsubscribe_post;
  };
  static UnsubscribeHeaders HeadersFor(const ConsentLedger& consent, const std::string& mailto,
                                       const std::string& subject_id, const std::string& topic,
                                       const std::string& message_id);

 private:
  // Renders, signs and sends one message to `address`.
  Status Deliver(const std::string& address, const std::string& template_name,
                 const std::string& language, nlohmann::json vars, const std::string& message_id,
                 const UnsubscribeHeaders* unsubscribe);
  nlohmann::json CommonVars(const Policy& policy) const;

  Store& store_;
  const SubjectRegistry& registry_;
  PolicyHolder& policy_;
  const ConsentLedger& consent_;
  const Outbox& outbox_;
  mail::MailTransport& transport_;
  const mail::DkimSigner* dkim_;
  MailDeliverySettings settings_;
  const AuditLog& audit_;
  const Clock& clock_;
};

}  // namespace privacyd
