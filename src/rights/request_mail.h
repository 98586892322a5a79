// Delivery of the mail of data subject requests (jobs kRequestMailJob, queued by
// RequestService in the transaction of the change that causes them).
//
// A job names its recipient by role, never by address: "requester" (the person's address,
// opened from the request at send time), "dpo" (the policy's DPO address) or "tenant:<id>"
// (that customer's privacy contact in the policy). Its variables are sealed with the request's
// key, so a request that was deleted in the meantime takes its queued mail with it: the job is
// dropped, not sent. Nothing personal reaches a log, a job's last_error or the audit trail.
#pragma once

#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "jobs/job_runner.h"
#include "mail/dkim.h"
#include "mail/mail_transport.h"
#include "policy/policy_holder.h"
#include "rights/package_transfer.h"
#include "rights/request_service.h"
#include "store/store.h"

namespace privacyd {

class RequestMail {
 public:
  // `from` is the From header of privacyd's mail, `domain` the right-hand side of Message-IDs.
  // All references must outlive this object.
  RequestMail(Store& store, std::shared_ptr<const Keyring> keyring, PolicyHolder& policy,
              mail::MailTransport& transport, const mail::DkimSigner* dkim, std::string from,
              std::string domain, const AuditLog& audit, const Clock& clock)
      : store_(store),
        keyring_(std::move(keyring)),
        policy_(policy),
        transport_(transport),
        dkim_(dkim),
        from_(std::move(from)),
        domain_(std::move(domain)),
        audit_(audit),
        clock_(clock) {}

  // Registers the kRequestMailJob handler.
  Status RegisterWith(JobRunner& runner);
  Status Send(const JobRecord& job);

 private:
  Store& store_;
  std::shared_ptr<const Keyring> keyring_;
  PolicyHolder& policy_;
  mail::MailTransport& transport_;
  const mail::DkimSigner* dkim_;
  std::string from_;
  std::string domain_;
  const AuditLog& audit_;
  const Clock& clock_;
};

// Registers the kRequestPurgeJob handler, which runs RequestService::PurgeIfUnverified, and the
// kRequestPackagePurgeJob handler, which runs RequestService::PurgePackageIfExpired.
Status RegisterRequestPurge(JobRunner& runner, RequestService& service);

// Registers the kRequestRetentionSweepJob handler: RequestService::SweepClosed, then the next
// run a kRetentionSweepInterval later (ScheduleRetentionSweep). `clock` and `service` must
// outlive the runner.
Status RegisterRequestRetentionSweep(JobRunner& runner, RequestService& service,
                                     const Clock& clock);

// Registers the kRequestTransferJob handler, which runs RequestService::Transfer over
// `transport` (package_transfer.h); both must outlive the runner.
Status RegisterRequestTransfer(JobRunner& runner, RequestService& service,
                               PackageTransport& transport);

}  // namespace privacyd
