// The country an IP address is allocated to, for the consent ledger: it records where a consent
// came from as a country, never the address itself.
//
// Two sources of data:
//   - Debian's tor-geoipdb tables (`geoip` and `geoip6`, by default under /usr/share/tor), read
//     into memory at load: sorted arrays of ranges, looked up by binary search;
//   - a MaxMind-format database (.mmdb: GeoLite2/GeoIP2 Country or City, DB-IP Country Lite),
//     memory-mapped and read through libmaxminddb.
//
// Answers are ISO 3166-1 alpha-2 codes in upper case ("DE"). The data's "UK" is answered as
// "GB". Codes that name no country ("??", "ZZ", the regions "EU" and "AP", and codes with a
// digit such as "A1" anonymous proxy, "A2" satellite, "O1" other) are answered as unknown. Other
// codes are answered as the data has them, including withdrawn ones; callers that need an
// officially assigned code check it (Jurisdictions::IsKnownCountry).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace privacyd {

class IpCountry {
 public:
  virtual ~IpCountry() = default;

  // Reads tor-geoipdb's `dir/geoip` (lines "INTIPLOW,INTIPHIGH,CC", decimal IPv4 integers) and
  // `dir/geoip6` (lines "IPV6LOW,IPV6HIGH,CC"); lines starting with '#' and empty lines are
  // skipped, ranges include both ends and must be sorted and must not overlap. Errors:
  //   not_found "geoip_missing"      a file does not exist (the message names it);
  //   unavailable "geoip_unreadable" a file exists but cannot be read;
  //   data_loss "geoip_corrupt"      a line is malformed, out of order or overlaps the one
  //                                  before (the message names the file and the line), or a
  //                                  file holds no ranges.
  static Result<std::unique_ptr<IpCountry>> LoadTor(const std::filesystem::path& dir);

  // Opens a MaxMind-format database. An address's country is the record's country.iso_code,
  // or, when it has none (e.g. anycast networks), its registered_country.iso_code. Errors:
  //   not_found "geoip_missing"      the file does not exist;
  //   unavailable "geoip_unreadable" it exists but cannot be read;
  //   data_loss "geoip_corrupt"      it is not a MaxMind DB file, or its metadata or search
  //                                  tree is invalid.
  static Result<std::unique_ptr<IpCountry>> LoadMaxMind(const std::filesystem::path& mmdb);

  // The country of `ip`: dotted IPv4 ("192.0.2.1"), IPv6 ("2001:db8::1") or IPv4-mapped IPv6
  // ("::ffff:192.0.2.1", answered as the IPv4 address), as accepted by inet_pton; no brackets,
  // ports or zone ids. Returns nullopt for invalid text, for addresses that are not globally
  // routed (private, carrier-grade NAT, loopback, link-local, unique-local, multicast,
  // documentation, reserved), and for addresses the data has no country for. Allocates
  // nothing but the returned string. Thread-safe.
  virtual std::optional<std::string> Lookup(std::string_view ip) const = 0;

  // Where the data comes from, for provenance next to what it decided: "tor-geoipdb 2026-06-25"
  // (the date the tables were generated, when their header says; otherwise "tor-geoipdb"), or
  // "mmdb:GeoLite2-Country 2026-06-24" (database type and build date).
  virtual std::string source() const = 0;
};

// The configured source: LoadMaxMind(`database`) when `database` (the key geoip.database) is not
// empty, otherwise LoadTor(`tor_dir`) (geoip.tor_dir). Errors are those of the chosen loader.
Result<std::unique_ptr<IpCountry>> OpenIpCountry(const std::string& database,
                                                 const std::string& tor_dir);

}  // namespace privacyd
