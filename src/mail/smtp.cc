#include "mail/smtp.h"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "mail/message.h"
#include "mail/private_file.h"

namespace privacyd::mail {
namespace {

Error InvalidConfig(const std::string& message) {
  return Error(ErrorKind::kInvalidArgument, "invalid_config", message);
}

// libcurl's global state is set up once, before the first transfer, from whichever thread
// sends first.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

// A password given to libcurl as a C string; wiped when done (libcurl keeps its own copy).
class PasswordString {
 public:
  explicit PasswordString(const SecretBytes& secret)
      : text_(reinterpret_cast<const char*>(secret.data()), secret.size()) {}
  ~PasswordString() { sodium_memzero(text_.data(), text_.size()); }
  PasswordString(const PasswordString&) = delete;
  PasswordString& operator=(const PasswordString&) = delete;
  const char* c_str() const { return text_.c_str(); }

 private:
  std::string text_;
};

Status Classify(CURLcode code, long reply, const std::string& relay) {
  if (code == CURLE_OK) return Ok();
  if (reply >= 400 && reply < 500) {
    return Error(ErrorKind::kUnavailable, "smtp_temporary_failure",
                 "the relay " + relay + " answered " + std::to_string(reply) +
                     " (a temporary failure); try again later");
  }
  if (reply >= 500 && reply < 600) {
    if (code == CURLE_LOGIN_DENIED) {
      return Error(ErrorKind::kFailedPrecondition, "smtp_auth_failed",
                   "the relay " + relay + " refused the user name and password (" +
                       std::to_string(reply) +
                       "); check mail.smtp.user and mail.smtp.password_file");
    }
    return Error(ErrorKind::kFailedPrecondition, "smtp_rejected",
                 "the relay " + relay + " rejected the message with " + std::to_string(reply) +
                     " (a permanent failure); it will not be accepted as it is");
  }
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PARTIAL_FILE:
      return Error(ErrorKind::kUnavailable, "smtp_unavailable",
                   "cannot reach the relay " + relay + " (" + curl_easy_strerror(code) +
                       "); try again later");
    case CURLE_USE_SSL_FAILED:
      return Error(ErrorKind::kFailedPrecondition, "smtp_starttls_unavailable",
                   "the relay " + relay +
                       " does not offer STARTTLS, which mail.smtp.tls=starttls requires; nothing "
                       "was sent. Use a relay that offers it, tls for implicit TLS, or none only "
                       "for a relay on this machine");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
      return Error(ErrorKind::kFailedPrecondition, "smtp_tls_failed",
                   "TLS with the relay " + relay + " failed (" + curl_easy_strerror(code) +
                       "); check mail.smtp.tls and mail.smtp.port, and that the relay's "
                       "certificate is valid for its host name");
    case CURLE_LOGIN_DENIED:
      return Error(ErrorKind::kFailedPrecondition, "smtp_auth_failed",
                   "the relay " + relay +
                       " refused the user name and password; check mail.smtp.user and "
                       "mail.smtp.password_file");
    default:
      return Error(ErrorKind::kInternal, "smtp_failed",
                   std::string("sending through the relay ") + relay + " failed (" +
                       curl_easy_strerror(code) + ")");
  }
}

}  // namespace

const char* SmtpTlsName(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kNone:
      return "none";
    case SmtpTls::kStartTls:
      return "starttls";
    case SmtpTls::kTls:
      return "tls";
  }
  return "starttls";
}

std::string SmtpSettings::Relay() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<SmtpSettings> SmtpSettingsFromConfig(const Config& config) {
  SmtpSettings settings;
  settings.host = config.Get("mail.smtp.host");
  if (settings.host.empty()) return settings;
  if (settings.host.find_first_of(" \t\r\n/@?#") != std::string::npos) {
    return InvalidConfig(
        "mail.smtp.host must be a host name or IP address, without a scheme, "
        "port or path");
  }
  PD_ASSIGN_OR_RETURN(int64_t port, config.GetInt("mail.smtp.port", 1, 65535));
  settings.port = static_cast<uint16_t>(port);
  const std::string& tls = config.Get("mail.smtp.tls");
  if (tls == "none") {
    settings.tls = SmtpTls::kNone;
  } else if (tls == "starttls") {
    settings.tls = SmtpTls::kStartTls;
  } else if (tls == "tls") {
    settings.tls = SmtpTls::kTls;
  } else {
    return InvalidConfig("mail.smtp.tls must be none, starttls or tls");
  }
  PD_ASSIGN_OR_RETURN(settings.timeout_ms, config.GetInt("mail.smtp.timeout_ms", 100, 3'600'000));
  settings.from = config.Get("mail.from");
  if (settings.from.empty()) {
    return InvalidConfig(
        "mail.from is not set; privacyd's mail needs a From address, e.g. \"Privacy "
        "<privacy@example.com>\"");
  }
  if (auto from = ParseMailAddress(settings.from); !from.ok()) {
    return InvalidConfig("mail.from: " + from.error().message());
  }
  settings.user = config.Get("mail.smtp.user");
  const std::string& password_file = config.Get("mail.smtp.password_file");
  if (settings.user.empty() != password_file.empty()) {
    return InvalidConfig(
        "mail.smtp.user and mail.smtp.password_file go together: set both for SMTP AUTH, or "
        "neither");
  }
  if (!password_file.empty()) {
    PD_ASSIGN_OR_RETURN(std::string content, ReadPrivateFile(password_file, "SMTP password file",
                                                             "smtp_password_file_unreadable",
                                                             "smtp_password_file_permissions"));
    size_t end = content.find_first_of("\r\n");
    size_t length = end == std::string::npos ? content.size() : end;
    settings.password = SecretBytes(reinterpret_cast<const uint8_t*>(content.data()), length);
    sodium_memzero(content.data(), content.size());
    if (settings.password.empty()) {
      return Error(ErrorKind::kFailedPrecondition, "smtp_password_empty",
                   "the SMTP password file " + password_file +
                       " is empty; write the password on its first line");
    }
  }
  return settings;
}

SmtpTransport::SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {
  InitCurlOnce();
}

Status SmtpTransport::Send(const std::string& envelope_from, const std::string& recipient,
                           const std::string& rendered) {
  if (settings_.host.empty()) {
    return Error(ErrorKind::kFailedPrecondition, "mail_not_configured",
                 "mail.smtp.host is not set; set it to the SMTP relay privacyd sends through");
  }
  PD_ASSIGN_OR_RETURN(MailAddress from, ParseMailAddress(envelope_from));
  PD_ASSIGN_OR_RETURN(MailAddress to, ParseMailAddress(recipient));
  if (!from.display_name.empty() || !to.display_name.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_mail_address",
                 "envelope addresses are bare addr-specs, without a display name");
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    return Error(ErrorKind::kInternal, "smtp_failed", "libcurl could not start a transfer");
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
      curl_slist_append(nullptr, ("<" + to.address + ">").c_str()), &curl_slist_free_all);
  std::string url =
      std::string(settings_.tls == SmtpTls::kTls ? "smtps://" : "smtp://") + settings_.Relay();
  std::string mail_from = "<" + from.address + ">";
  Upload upload{&rendered};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // Proxy variables of the environment do not apply to privacyd's relay.
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL,
                   settings_.tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                                   : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(rendered.size()));
  std::unique_ptr<PasswordString> password;
  if (!settings_.user.empty()) {
    password = std::make_unique<PasswordString>(settings_.password);
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password->c_str());
  }

  CURLcode code = curl_easy_perform(c);
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  return Classify(code, reply, settings_.Relay());
}

}  // namespace privacyd::mail
