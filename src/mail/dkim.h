// DKIM signatures (RFC 6376) on rendered messages, with an RSA key (rsa-sha256) or an Ed25519
// key (ed25519-sha256, RFC 8463), canonicalisation relaxed/relaxed. The receiving side finds
// the public key in DNS at SELECTOR._domainkey.DOMAIN (docs/mail.md shows the record).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace privacyd::mail {

class DkimSigner {
 public:
  enum class Algorithm { kRsaSha256, kEd25519Sha256 };

  // Reads a PEM private key (PKCS#8 "PRIVATE KEY", or "RSA PRIVATE KEY") from `key_file`.
  // Errors:
  //   - kInvalidArgument "invalid_dkim_setting": domain or selector empty or not made of
  //     letters, digits, '-', '_' and '.';
  //   - kFailedPrecondition "dkim_key_unreadable": the file does not exist or cannot be read;
  //   - kFailedPrecondition "dkim_key_permissions": the file may be read by group or others
  //     (the message says to chmod 600 it);
  //   - kFailedPrecondition "dkim_key_invalid": not a PEM private key, not RSA or Ed25519, or an
  //     RSA key shorter than 1024 bits (receivers ignore those; use 2048).
  static Result<DkimSigner> Load(std::string_view domain, std::string_view selector,
                                 const std::string& key_file);

  // The DKIM-Signature header field for `rendered_message` (as Render writes it: CRLF line
  // ends, headers, an empty line, the body), folded and CRLF-terminated, to be put in front of
  // the message unchanged. h= lists, in this order, those of from, to, subject, date,
  // message-id, mime-version, content-type, list-unsubscribe, list-unsubscribe-post and
  // auto-submitted that the message has (each as many times as it occurs); t= is the
  // message's Date, so that signing is deterministic (no t= when the Date cannot be read).
  // Errors: kInvalidArgument "invalid_mail_message" when there is no empty line after the
  // headers or no From header; kInternal "dkim_sign_failed" when OpenSSL fails.
  // Thread-safe.
  Result<std::string> Sign(std::string_view rendered_message) const;

  Algorithm algorithm() const { return algorithm_; }
  const std::string& domain() const { return domain_; }
  const std::string& selector() const { return selector_; }

 private:
  DkimSigner(std::string domain, std::string selector, Algorithm algorithm,
             std::shared_ptr<EVP_PKEY> key)
      : domain_(std::move(domain)),
        selector_(std::move(selector)),
        algorithm_(algorithm),
        key_(std::move(key)) {}

  std::string domain_;
  std::string selector_;
  Algorithm algorithm_;
  std::shared_ptr<EVP_PKEY> key_;  // immutable after Load; shared by copies
};

// Relaxed canonicalisation (RFC 6376 section 3.4), exposed for tests.
// A header field "Name: value" (unfolded or folded, without its final CRLF) becomes
// "name:value" with runs of whitespace as one space and none at the ends, plus CRLF.
std::string DkimRelaxedHeader(std::string_view field);
// A body: trailing whitespace of every line removed, inner runs of whitespace as one space,
// empty lines at the end removed, one CRLF at the end unless the body is empty.
std::string DkimRelaxedBody(std::string_view body);

// The signer that mail.dkim.* configure, or none when mail.dkim.domain is empty. Errors:
// kInvalidArgument "invalid_config" when the domain is set without selector and key file; those
// of Load.
Result<std::optional<DkimSigner>> DkimSignerFromConfig(const Config& config);

}  // namespace privacyd::mail
