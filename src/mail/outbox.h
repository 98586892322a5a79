// The outbox: every mail privacyd sends is a durable job ("mail.send") queued in the
// transaction of the change that causes it, so a mail exists exactly when that change does,
// survives restarts, is retried with backoff, and ends as a dead letter staff can see when the
// relay keeps refusing it. The job is deduplicated by its Message-ID: a mail is queued once.
//
// The payload names the recipient by subject id only. Whatever the mail carries that is
// personal or secret (names, codes, signed links) is sealed with the recipient's data key, so
// it is unreadable in the store and dies with the person: mail still queued for someone who is
// erased is dropped, not sent.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "registry/subject_registry.h"
#include "store/store.h"

namespace privacyd {

inline constexpr char kMailJob[] = "mail.send";

struct OutgoingMail {
  std::string subject_id;  // the recipient: the subject's identity of kind identity_kind
  // "email", or "email_pending" for the confirmation of an address the person asked to change to.
  std::string identity_kind = "email";
  std::string template_name;                       // a mail template kind ("double_opt_in", ...)
  std::string language;                            // "en", "de", "fr"
  nlohmann::json vars = nlohmann::json::object();  // the template's variables; sealed
  // Marketing mail: the topic it is about, which gives it List-Unsubscribe headers. "" for
  // service mail (codes, confirmations).
  std::string topic;
  // At most one mail is ever queued per key (e.g. "notice:<version>:<subject>" for a mail
  // that a job fanning out to many people may queue again after a crash). "" = the Message-ID.
  std::string dedupe_key;
};

// What a queued mail job holds, as Outbox::Enqueue wrote it.
struct QueuedMail {
  std::string message_id;
  std::string subject_id;
  std::string identity_kind = "email";
  std::string template_name;
  std::string language;
  std::string topic;
  std::string sealed_vars;
};

class Outbox {
 public:
  // `mail_domain` is the right-hand side of the Message-IDs (the From address's domain).
  Outbox(const SubjectRegistry& registry, Random& random, const Clock& clock,
         std::string mail_domain)
      : registry_(registry), random_(random), clock_(clock), domain_(std::move(mail_domain)) {}

  // Queues `mail` inside `tx` and returns its Message-ID (without angle brackets). Errors:
  // kNotFound "subject_not_found" when the recipient was erased; the store's errors.
  Result<std::string> Enqueue(Tx& tx, const OutgoingMail& mail) const;

  // The queued mail of a job's payload. kDataLoss "invalid_mail_job" when malformed.
  static Result<QueuedMail> Parse(const std::string& payload);
  // The variables of a queued mail, opened with the recipient's key. kNotFound
  // "subject_not_found" once the recipient was erased.
  Result<nlohmann::json> OpenVars(Tx& tx, const QueuedMail& mail) const;

  const std::string& domain() const { return domain_; }

 private:
  const SubjectRegistry& registry_;
  Random& random_;
  const Clock& clock_;
  std::string domain_;
};

}  // namespace privacyd
