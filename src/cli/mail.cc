#include "cli/mail.h"

#include <optional>

#include "mail/dkim.h"
#include "mail/message.h"
#include "mail/smtp.h"
#include "mail/templates.h"
#include "policy/jurisdictions.h"
#include "policy/policy_loader.h"
#include "policy/taxonomy.h"

namespace privacyd {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitSendFailed = 1;
constexpr int kExitError = 2;

int Fail(Environment& env, const Error& error, int code) {
  env.err << "privacyd: " << error.message() << " [" << error.code() << "]\n";
  return code;
}

}  // namespace

int RunMailTest(const MailTestCommand& command, const Config& config, Environment& env) {
  auto settings = mail::SmtpSettingsFromConfig(config);
  if (!settings.ok()) return Fail(env, settings.error(), kExitError);
  if (settings->host.empty()) {
    return Fail(env,
                Error(ErrorKind::kFailedPrecondition, "mail_not_configured",
                      "mail.smtp.host is not set; set it (and mail.from) in the config file or "
                      "as PRIVACYD_MAIL_SMTP_HOST to the SMTP relay privacyd sends through"),
                kExitError);
  }
  auto to = mail::ParseMailAddress(command.address);
  if (!to.ok()) return Fail(env, to.error(), kExitError);
  auto signer = mail::DkimSignerFromConfig(config);
  if (!signer.ok()) return Fail(env, signer.error(), kExitError);

  PolicyLoad policy =
      LoadPolicyFileOrExample(config.Get("policy"), Taxonomy::Default(), Jurisdictions::Default());
  if (!policy.ok()) {
    for (const auto& d : policy.diagnostics) env.err << d.Format() << "\n";
    return Fail(env,
                Error(ErrorKind::kInvalidArgument, "policy_invalid",
                      "the policy has errors (above); the test message names its controller"),
                kExitError);
  }
  auto from = mail::ParseMailAddress(settings->from);
  if (!from.ok()) return Fail(env, from.error(), kExitError);
  nlohmann::json vars = {
      {"controller_name", policy.policy->controller.name},
      {"controller_address", policy.policy->controller.address},
      {"privacy_contact",
       policy.policy->dpo.email.empty() ? from->address : policy.policy->dpo.email},
  };
  auto rendered = mail::RenderTemplate("test", command.language, vars);
  if (!rendered.ok()) return Fail(env, rendered.error(), kExitError);

  mail::Message message;
  message.from = settings->from;
  message.to = command.address;
  message.subject = rendered->subject;
  message.text = rendered->text;
  message.html = rendered->html;
  message.headers = {{"Auto-Submitted", "auto-generated"}};
  message.message_id = mail::NewMessageId(env.random, mail::AddressDomain(from->address));
  message.date = env.clock.Now();
  auto bytes = mail::Render(message);
  if (!bytes.ok()) return Fail(env, bytes.error(), kExitError);
  if (*signer) {
    auto signature = (*signer)->Sign(*bytes);
    if (!signature.ok()) return Fail(env, signature.error(), kExitError);
    *bytes = *signature + *bytes;
  }

  std::string relay = settings->Relay();
  mail::SmtpTransport transport(std::move(settings).value());
  Status sent = transport.Send(from->address, to->address, *bytes);
  if (!sent.ok()) return Fail(env, sent.error(), kExitSendFailed);
  env.out << "sent " << message.message_id << " to " << relay << "\n";
  return kExitOk;
}

}  // namespace privacyd
