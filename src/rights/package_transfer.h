// Portability to a third party (GDPR Art. 20(2)): the package of a completed portability request
// sent to an HTTPS address the person gave, instead of (and beside) the download.
//
// The destination is checked at intake (CheckTransferUrl): https only, a host, no credentials in
// the URL. It is reached only over verified TLS, never by following a redirect, and never at an
// address that is not public (loopback, private, link-local, CGNAT, multicast, unspecified)
// unless TransferSettings::allow_private_addresses says so: the address checked is the one the
// connection is actually opened to, so a name that resolves to an inner address at the last
// moment is refused as well. Proxies from the environment are not used.
//
// The package is posted as `application/zip` with `X-Privacyd-Request: <request id>`; any 2xx
// answer is a delivery. The request service records the outcome (RequestService::Transfer).
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

struct sockaddr;

namespace privacyd {

struct TransferSettings {
  std::string ca_file;                   // trusted CAs (PEM); "" = the system's
  bool allow_private_addresses = false;  // for closed networks and tests only
  Micros timeout = 60 * kMicrosPerSecond;
};

// The host of a destination a person gave, lower-cased, when it is one privacyd may send to.
// Errors: kInvalidArgument "invalid_transfer_url" (says what is wrong).
Result<std::string> CheckTransferUrl(std::string_view url);

// True when a connection to `address` (AF_INET or AF_INET6) would stay inside a network rather
// than reach the public internet: loopback, RFC 1918, CGNAT (100.64/10), link-local,
// unique-local (fc00::/7), multicast, unspecified, and IPv4 mapped into IPv6 the same way.
bool IsNonPublicAddress(const sockaddr* address);

// Sends a package somewhere. Thread-safe.
class PackageTransport {
 public:
  virtual ~PackageTransport() = default;
  // Posts `body` to `url`. Ok only for a 2xx answer, with its status. Errors: kUnavailable
  // "transfer_failed" (connection, TLS, timeout, refused address: the message says which) and
  // "transfer_refused" (the destination answered with another status).
  virtual Result<int> Post(const std::string& url, const std::string& body,
                           const std::string& request_id) = 0;
};

// The real transport, over libcurl.
class HttpsPackageTransport final : public PackageTransport {
 public:
  explicit HttpsPackageTransport(TransferSettings settings) : settings_(std::move(settings)) {}
  Result<int> Post(const std::string& url, const std::string& body,
                   const std::string& request_id) override;

 private:
  TransferSettings settings_;
};

}  // namespace privacyd
