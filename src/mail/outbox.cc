#include "mail/outbox.h"

#include "crypto/secret.h"
#include "mail/message.h"

namespace privacyd {
namespace {

std::string VarsContext(const std::string& message_id) { return "mail:" + message_id; }

}  // namespace

Result<std::string> Outbox::Enqueue(Tx& tx, const OutgoingMail& mail) const {
  const Micros now = clock_.Now();
  std::string message_id = mail::NewMessageId(random_, domain_);
  PD_ASSIGN_OR_RETURN(std::string sealed, registry_.SealFor(tx, mail.subject_id, mail.vars.dump(),
                                                            VarsContext(message_id)));
  JobRecord job;
  job.kind = kMailJob;
  job.payload = nlohmann::json{{"message_id", message_id},   {"subject", mail.subject_id},
                               {"kind", mail.identity_kind}, {"template", mail.template_name},
                               {"language", mail.language},  {"topic", mail.topic},
                               {"vars", ToHex(sealed)}}
                    .dump();
  job.dedupe_key = mail.dedupe_key.empty() ? "mail:" + message_id : mail.dedupe_key;
  job.run_at = now;
  job.created_at = now;
  job.updated_at = now;
  PD_RETURN_IF_ERROR(tx.EnqueueJob(job));
  return message_id;
}

Result<QueuedMail> Outbox::Parse(const std::string& payload) {
  nlohmann::json j = nlohmann::json::parse(payload, nullptr, false);
  QueuedMail mail;
  auto text = [&](const char* key, std::string& out) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return false;
    out = j[key].get<std::string>();
    return true;
  };
  std::string hex;
  if (!text("message_id", mail.message_id) || !text("subject", mail.subject_id) ||
      !text("template", mail.template_name) || !text("language", mail.language) ||
      !text("topic", mail.topic) || !text("vars", hex) || !FromHex(hex, &mail.sealed_vars)) {
    return Error(ErrorKind::kDataLoss, "invalid_mail_job", "a queued mail job is malformed");
  }
  // Jobs queued before the member existed went to the subject's email.
  if (j.contains("kind") && !text("kind", mail.identity_kind)) {
    return Error(ErrorKind::kDataLoss, "invalid_mail_job", "a queued mail job is malformed");
  }
  return mail;
}

Result<nlohmann::json> Outbox::OpenVars(Tx& tx, const QueuedMail& mail) const {
  PD_ASSIGN_OR_RETURN(std::string vars, registry_.OpenFor(tx, mail.subject_id, mail.sealed_vars,
                                                          VarsContext(mail.message_id)));
  nlohmann::json j = nlohmann::json::parse(vars, nullptr, false);
  if (!j.is_object()) {
    return Error(ErrorKind::kDataLoss, "invalid_mail_job",
                 "a queued mail's variables are malformed");
  }
  return j;
}

}  // namespace privacyd
