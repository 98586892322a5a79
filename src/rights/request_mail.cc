#include "rights/request_mail.h"

#include <nlohmann/json.hpp>

#include "crypto/sealing.h"
#include "crypto/secret.h"
#include "mail/message.h"
#include "mail/templates.h"

namespace privacyd {
namespace {

using nlohmann::json;

Error Malformed() {
  return Error(ErrorKind::kDataLoss, "invalid_request_mail_job",
               "a queued request mail job is malformed");
}

}  // namespace

Status RequestMail::RegisterWith(JobRunner& runner) {
  return runner.Register(kRequestMailJob,
                         [this](const JobRecord& job, JobContext&) { return Send(job); });
}

Status RequestMail::Send(const JobRecord& job) {
  json payload = json::parse(job.payload, nullptr, false);
  auto text = [&](const char* key) -> std::string {
    if (!payload.is_object() || !payload.contains(key) || !payload[key].is_string()) return "";
    return payload[key].get<std::string>();
  };
  const std::string message_id = text("message_id"), request_id = text("request"), to = text("to"),
                    template_name = text("template"), language = text("language");
  std::string sealed;
  if (message_id.empty() || request_id.empty() || to.empty() || template_name.empty() ||
      !FromHex(text("vars"), &sealed)) {
    return Malformed();
  }
  std::shared_ptr<const Policy> policy = policy_.Current();
  std::optional<RequestRecord> request;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(request, tx.GetRequest(request_id));
    return Ok();
  }));
  if (!request) return Ok();  // deleted with its request: nothing to send, nobody to send to
  PD_ASSIGN_OR_RETURN(
      SecretBytes key,
      keyring_->Unwrap("request", request->id, request->master_key_id, request->wrapped_key));
  const std::string context = "request:" + request->id + ":";
  PD_ASSIGN_OR_RETURN(std::string vars_text, Open(key, sealed, context + "mail:" + message_id));
  json vars = json::parse(vars_text, nullptr, false);
  if (!vars.is_object()) return Malformed();

  std::string address;
  if (to == "requester") {
    PD_ASSIGN_OR_RETURN(address, Open(key, request->sealed_contact, context + "contact"));
  } else if (to == "dpo") {
    address = policy->dpo.email;
  } else if (to.rfind("tenant:", 0) == 0) {
    for (const auto& tenant : policy->tenants) {
      if ("tenant:" + tenant.id == to) address = tenant.privacy_contact;
    }
  } else {
    return Malformed();
  }
  if (address.empty()) {
    return Error(
        ErrorKind::kFailedPrecondition, "request_mail_no_address",
        "the policy names no address for " + to + " (dpo.email, tenants.*.privacy_contact)");
  }

  json all = {
      {"controller_name", policy->controller.name},
      {"controller_address", policy->controller.address},
      {"privacy_contact", policy->dpo.email.empty() ? policy->dpo.portal_url : policy->dpo.email}};
  for (auto& [k, v] : vars.items()) all[k] = std::move(v);
  // Mail to the organisation goes out in the policy's first language.
  const std::string mail_language = to == "requester" ? language : policy->languages.front();
  PD_ASSIGN_OR_RETURN(mail::RenderedMail rendered,
                      mail::RenderTemplate(template_name, mail_language, all));
  mail::Message message;
  message.headers.emplace_back("Auto-Submitted", "auto-generated");
  message.from = from_;
  message.to = address;
  message.subject = std::move(rendered.subject);
  message.text = std::move(rendered.text);
  message.html = std::move(rendered.html);
  message.message_id = message_id + "@" + domain_;
  message.date = clock_.Now();
  PD_ASSIGN_OR_RETURN(std::string bytes, mail::Render(message));
  if (dkim_ != nullptr) {
    PD_ASSIGN_OR_RETURN(std::string signature, dkim_->Sign(bytes));
    bytes = signature + bytes;
  }
  PD_ASSIGN_OR_RETURN(std::string envelope, mail::EnvelopeAddress(from_));
  PD_RETURN_IF_ERROR(transport_.Send(envelope, address, bytes));
  json detail = {
      {"message_id", message_id}, {"template", template_name}, {"to", to.substr(0, to.find(':'))}};
  return store_.Write([&](Tx& tx) {
    return StatusOf(audit_.Append(
        tx, {"system", "", "mail.sent", "request:" + request->id, "rights", "", detail.dump()}));
  });
}

Status RegisterRequestTransfer(JobRunner& runner, RequestService& service,
                               PackageTransport& transport) {
  return runner.Register(
      kRequestTransferJob, [&service, &transport](const JobRecord& job, JobContext&) -> Status {
        json payload = json::parse(job.payload, nullptr, false);
        if (!payload.is_object() || !payload.value("request", json()).is_string()) {
          return Error(ErrorKind::kDataLoss, "invalid_request_transfer_job",
                       "a request transfer job is malformed");
        }
        // The claim counts as an attempt: the last one records a failure instead of retrying.
        return service.Transfer(payload["request"].get<std::string>(), transport,
                                job.attempts >= job.max_attempts);
      });
}

Status RegisterRequestRetentionSweep(JobRunner& runner, RequestService& service,
                                     const Clock& clock) {
  return runner.Register(
      kRequestRetentionSweepJob, [&service, &clock](const JobRecord&, JobContext&) -> Status {
        PD_RETURN_IF_ERROR(StatusOf(service.SweepClosed()));
        return service.ScheduleRetentionSweep(clock.Now() + kRetentionSweepInterval);
      });
}

Status RegisterRequestPurge(JobRunner& runner, RequestService& service) {
  PD_RETURN_IF_ERROR(
      runner.Register(kRequestPurgeJob, [&service](const JobRecord& job, JobContext&) -> Status {
        json payload = json::parse(job.payload, nullptr, false);
        if (!payload.is_object() || !payload.value("request", json()).is_string()) {
          return Error(ErrorKind::kDataLoss, "invalid_request_purge_job",
                       "a request purge job is malformed");
        }
        return service.PurgeIfUnverified(payload["request"].get<std::string>());
      }));
  return runner.Register(
      kRequestPackagePurgeJob, [&service](const JobRecord& job, JobContext&) -> Status {
        json payload = json::parse(job.payload, nullptr, false);
        if (!payload.is_object() || !payload.value("request", json()).is_string()) {
          return Error(ErrorKind::kDataLoss, "invalid_request_package_purge_job",
                       "a request package purge job is malformed");
        }
        return service.PurgePackageIfExpired(payload["request"].get<std::string>());
      });
}

}  // namespace privacyd
