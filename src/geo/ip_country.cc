#include "geo/ip_country.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace privacyd {
namespace {

// A country code packed into 16 bits, first letter high: compact in the range arrays, and an
// answer is two bytes away. Zero is "no country".
using Packed = uint16_t;
constexpr Packed kNoCountry = 0;
// In the IPv6 first level: the /64 holds more than one range; look in the second level.
constexpr Packed kSplit = 0xFFFF;

constexpr Packed Pack(char a, char b) {
  return static_cast<Packed>(static_cast<unsigned char>(a) << 8 | static_cast<unsigned char>(b));
}

std::optional<std::string> Unpack(Packed packed) {
  if (packed == kNoCountry) return std::nullopt;
  return std::string{static_cast<char>(packed >> 8), static_cast<char>(packed & 0xFF)};
}

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool IsAsciiAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Reads a country field: two ASCII letters or digits, or "??". Returns false when `text` is
// not one; otherwise sets `*packed` to the code in upper case, or to kNoCountry for codes that
// name no country (see the header).
bool ParseCountryCode(std::string_view text, Packed* packed) {
  if (text == "??") {
    *packed = kNoCountry;
    return true;
  }
  if (text.size() != 2 || !IsAsciiAlnum(text[0]) || !IsAsciiAlnum(text[1])) return false;
  const char a = Upper(text[0]);
  const char b = Upper(text[1]);
  const Packed code = Pack(a, b);
  const bool has_digit = (a >= '0' && a <= '9') || (b >= '0' && b <= '9');
  if (has_digit || code == Pack('Z', 'Z') || code == Pack('E', 'U') || code == Pack('A', 'P')) {
    *packed = kNoCountry;
  } else if (code == Pack('U', 'K')) {
    *packed = Pack('G', 'B');
  } else {
    *packed = code;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Addresses

struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  auto operator<=>(const U128&) const = default;
};

U128 FromBytes(const unsigned char* b) {
  U128 v;
  for (int i = 0; i < 8; ++i) v.hi = v.hi << 8 | b[i];
  for (int i = 8; i < 16; ++i) v.lo = v.lo << 8 | b[i];
  return v;
}

struct IpAddress {
  bool v4 = false;
  uint32_t v4_value = 0;  // host order
  U128 v6_value;
};

// Parses dotted IPv4 or IPv6 text with inet_pton; an IPv4-mapped IPv6 address becomes its IPv4
// address. No allocation: inet_pton wants a terminated string, so the text is copied to the
// stack.
std::optional<IpAddress> ParseIp(std::string_view text) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1) return std::nullopt;
    ip.v4 = true;
    ip.v4_value = ntohl(a.s_addr);
    return ip;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) != 1) return std::nullopt;
  const unsigned char* b = a6.s6_addr;
  static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(b, kMappedPrefix, sizeof kMappedPrefix) == 0) {
    ip.v4 = true;
    ip.v4_value = static_cast<uint32_t>(b[12]) << 24 | static_cast<uint32_t>(b[13]) << 16 |
                  static_cast<uint32_t>(b[14]) << 8 | b[15];
    return ip;
  }
  ip.v6_value = FromBytes(b);
  return ip;
}

template <class Int>
struct Prefix {
  Int network;
  int length;
  bool Contains(Int value) const {
    constexpr int kBits = std::numeric_limits<Int>::digits;
    const Int mask = length == 0 ? Int{0} : static_cast<Int>(~Int{0} << (kBits - length));
    return (value & mask) == network;
  }
};

// IPv4 blocks that are not globally routed (IANA special-purpose registry, RFC 6890 and after):
// no country can be said for them whatever a database holds.
constexpr Prefix<uint32_t> kNonGlobalV4[] = {
    {0x00000000, 8},   // 0.0.0.0/8 "this network"
    {0x0A000000, 8},   // 10.0.0.0/8 private
    {0x64400000, 10},  // 100.64.0.0/10 carrier-grade NAT
    {0x7F000000, 8},   // 127.0.0.0/8 loopback
    {0xA9FE0000, 16},  // 169.254.0.0/16 link-local
    {0xAC100000, 12},  // 172.16.0.0/12 private
    {0xC0000000, 24},  // 192.0.0.0/24 protocol assignments
    {0xC0000200, 24},  // 192.0.2.0/24 documentation
    {0xC0A80000, 16},  // 192.168.0.0/16 private
    {0xC6120000, 15},  // 198.18.0.0/15 benchmarking
    {0xC6336400, 24},  // 198.51.100.0/24 documentation
    {0xCB007100, 24},  // 203.0.113.0/24 documentation
    {0xE0000000, 4},   // 224.0.0.0/4 multicast
    {0xF0000000, 4},   // 240.0.0.0/4 reserved, broadcast
};

// The same for IPv6, as prefixes of the upper 64 bits; :: and ::1 are checked apart.
constexpr Prefix<uint64_t> kNonGlobalV6[] = {
    {0x0100000000000000, 64},  // 100::/64 discard-only
    {0x20010DB800000000, 32},  // 2001:db8::/32 documentation
    {0xFC00000000000000, 7},   // fc00::/7 unique-local
    {0xFE80000000000000, 10},  // fe80::/10 link-local
    {0xFEC0000000000000, 10},  // fec0::/10 site-local (deprecated)
    {0xFF00000000000000, 8},   // ff00::/8 multicast
};

bool IsGlobal(const IpAddress& ip) {
  if (ip.v4) {
    return std::none_of(std::begin(kNonGlobalV4), std::end(kNonGlobalV4),
                        [&](const auto& p) { return p.Contains(ip.v4_value); });
  }
  if (ip.v6_value.hi == 0 && ip.v6_value.lo <= 1) return false;
  return std::none_of(std::begin(kNonGlobalV6), std::end(kNonGlobalV6),
                      [&](const auto& p) { return p.Contains(ip.v6_value.hi); });
}

std::optional<IpAddress> ParseGlobalIp(std::string_view text) {
  auto ip = ParseIp(text);
  if (!ip || !IsGlobal(*ip)) return std::nullopt;
  return ip;
}

// ---------------------------------------------------------------------------------------------
// tor-geoipdb

bool IsMax(uint32_t v) { return v == std::numeric_limits<uint32_t>::max(); }
bool IsMax(U128 v) { return ~v.hi == 0 && ~v.lo == 0; }
uint32_t Successor(uint32_t v) { return v + 1; }
U128 Successor(U128 v) { return v.lo == ~uint64_t{0} ? U128{v.hi + 1, 0} : U128{v.hi, v.lo + 1}; }

// Turns the file's sorted, disjoint ranges into the boundaries of a partition of the whole
// address space: starts[i] is where countries[i] begins, and it holds up to starts[i + 1]. Gaps
// between ranges become entries without a country, and neighbours with the same country are
// merged, so a lookup is one upper_bound.
template <class Key>
class PartitionBuilder {
 public:
  // Returns nullptr, or what is wrong with the range.
  const char* Add(Key low, Key high, Packed country) {
    if (high < low) return "the range ends before it starts";
    if (full_ || (any_ && low < next_)) {
      return "the range starts before the previous one ends (lines unsorted or overlapping)";
    }
    if (low != next_) Push(next_, kNoCountry);
    Push(low, country);
    any_ = true;
    full_ = IsMax(high);
    if (!full_) next_ = Successor(high);
    return nullptr;
  }

  bool empty() const { return !any_; }

  // Closes the partition after the last range.
  void Finish(std::vector<Key>* starts, std::vector<Packed>* countries) {
    if (!full_) Push(next_, kNoCountry);
    starts_.shrink_to_fit();
    countries_.shrink_to_fit();
    *starts = std::move(starts_);
    *countries = std::move(countries_);
  }

 private:
  void Push(Key start, Packed country) {
    if (!countries_.empty() && countries_.back() == country) return;
    starts_.push_back(start);
    countries_.push_back(country);
  }

  std::vector<Key> starts_;
  std::vector<Packed> countries_;
  Key next_{};
  bool any_ = false;
  bool full_ = false;
};

// Splits "a,b,c" into three trimmed fields; false unless there are exactly three.
bool SplitFields(std::string_view line, std::string_view (&fields)[3]) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    return s;
  };
  for (int i = 0; i < 3; ++i) {
    const size_t comma = line.find(',');
    if ((comma == std::string_view::npos) != (i == 2)) return false;
    fields[i] = trim(line.substr(0, comma));
    if (comma != std::string_view::npos) line.remove_prefix(comma + 1);
  }
  return true;
}

bool ParseKey(std::string_view text, uint32_t* value) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      v > std::numeric_limits<uint32_t>::max()) {
    return false;
  }
  *value = static_cast<uint32_t>(v);
  return true;
}

bool ParseKey(std::string_view text, U128* value) {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) != 1) return false;
  *value = FromBytes(a6.s6_addr);
  return true;
}

Error Missing(const std::filesystem::path& file, const std::string& what_to_do) {
  return Error(ErrorKind::kNotFound, "geoip_missing",
               file.string() + " does not exist: " + what_to_do);
}

Error Unreadable(const std::filesystem::path& file, int err) {
  return Error(ErrorKind::kUnavailable, "geoip_unreadable",
               "cannot read " + file.string() + ": " + std::strerror(err));
}

Error Corrupt(const std::filesystem::path& file, size_t line, const std::string& what) {
  return Error(ErrorKind::kDataLoss, "geoip_corrupt",
               file.string() + " line " + std::to_string(line) + ": " + what +
                   "; reinstall tor-geoipdb or set geoip.database");
}

constexpr const char* kInstallTor =
    "install Debian's tor-geoipdb package, set geoip.tor_dir to the directory holding geoip and "
    "geoip6, or set geoip.database to a MaxMind-format database";

// Calls `on_line(line)` for each line of `file`, without its "\n" (or "\r\n"), stopping at the
// first error it returns. The file is read in chunks, so that memory holds one chunk and the
// tables being built rather than the whole text.
template <class OnLine>
Status ForEachLine(const std::filesystem::path& file, OnLine on_line) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return Missing(file, kInstallTor);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (f == nullptr) return Unreadable(file, errno);
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return on_line(line);
  };
  std::string pending;
  std::vector<char> chunk(size_t{1} << 16);
  size_t n;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), f.get())) > 0) {
    pending.append(chunk.data(), n);
    size_t start = 0;
    for (size_t eol; (eol = pending.find('\n', start)) != std::string::npos; start = eol + 1) {
      PD_RETURN_IF_ERROR(emit(std::string_view(pending).substr(start, eol - start)));
    }
    pending.erase(0, start);
  }
  if (std::ferror(f.get())) return Unreadable(file, errno != 0 ? errno : EIO);
  if (!pending.empty()) PD_RETURN_IF_ERROR(emit(pending));
  return Ok();
}

// "2026-06-25" from the header line "# Generated: Thu, 25 Jun 2026 04:33:59 GMT" that tor's
// geoip-db-tool copies from the IPFire export; empty when there is none.
std::string GeneratedDate(std::string_view comment) {
  constexpr std::string_view kKey = "Generated:";
  const size_t at = comment.find(kKey);
  if (at == std::string_view::npos) return "";
  const std::string rest(comment.substr(at + kKey.size()));
  int day = 0;
  int year = 0;
  char month[4] = {};
  if (std::sscanf(rest.c_str(), " %*[A-Za-z], %d %3s %d", &day, month, &year) != 3) return "";
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int m = 0; m < 12; ++m) {
    if (std::strcmp(month, kMonths[m]) == 0 && day >= 1 && day <= 31 && year >= 1970) {
      char date[48];
      std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, m + 1, day);
      return date;
    }
  }
  return "";
}

// Parses one tor-geoipdb file into a partition. `*date` receives the generation date from its
// header, if any.
template <class Key>
Status ParseTorFile(const std::filesystem::path& file, std::vector<Key>* starts,
                    std::vector<Packed>* countries, std::string* date) {
  PartitionBuilder<Key> builder;
  size_t line_number = 0;
  PD_RETURN_IF_ERROR(ForEachLine(file, [&](std::string_view line) -> Status {
    ++line_number;
    if (line.empty()) return Ok();
    if (line.front() == '#') {
      if (builder.empty() && date->empty()) *date = GeneratedDate(line);
      return Ok();
    }
    std::string_view fields[3];
    Key low{};
    Key high{};
    Packed country = kNoCountry;
    if (!SplitFields(line, fields)) {
      return Corrupt(file, line_number, "expected three comma-separated fields LOW,HIGH,CC");
    }
    if (!ParseKey(fields[0], &low) || !ParseKey(fields[1], &high)) {
      return Corrupt(file, line_number,
                     std::is_same_v<Key, uint32_t>
                         ? "an address is not a decimal IPv4 integer (0 to 4294967295)"
                         : "an address is not an IPv6 address");
    }
    if (!ParseCountryCode(fields[2], &country)) {
      return Corrupt(file, line_number, "the country is not a two-letter code or \"??\"");
    }
    if (const char* wrong = builder.Add(low, high, country)) {
      return Corrupt(file, line_number, wrong);
    }
    return Ok();
  }));
  if (builder.empty()) {
    return Error(ErrorKind::kDataLoss, "geoip_corrupt",
                 file.string() +
                     ": the file holds no address ranges; reinstall tor-geoipdb or "
                     "set geoip.database");
  }
  builder.Finish(starts, countries);
  return Ok();
}

class TorIpCountry final : public IpCountry {
 public:
  static Result<std::unique_ptr<IpCountry>> Load(const std::filesystem::path& dir) {
    auto table = std::unique_ptr<TorIpCountry>(new TorIpCountry());
    std::string date;
    std::string date6;  // geoip6 carries the same header; geoip's date stands for both
    PD_RETURN_IF_ERROR(
        ParseTorFile(dir / "geoip", &table->v4_starts_, &table->v4_countries_, &date));
    std::vector<U128> v6_starts;
    std::vector<Packed> v6_countries;
    PD_RETURN_IF_ERROR(ParseTorFile(dir / "geoip6", &v6_starts, &v6_countries, &date6));
    table->BuildV6(v6_starts, v6_countries);
    table->source_ = date.empty() ? "tor-geoipdb" : "tor-geoipdb " + date;
    return std::unique_ptr<IpCountry>(std::move(table));
  }

  std::optional<std::string> Lookup(std::string_view text) const override {
    auto ip = ParseGlobalIp(text);
    if (!ip) return std::nullopt;
    if (ip->v4) return Unpack(Find(v4_starts_, v4_countries_, ip->v4_value));
    Packed country = Find(v6_blocks_, v6_block_countries_, ip->v6_value.hi);
    if (country == kSplit) country = Find(v6_split_starts_, v6_split_countries_, ip->v6_value);
    return Unpack(country);
  }

  std::string source() const override { return source_; }

 private:
  TorIpCountry() = default;

  // The country of the partition entry holding `key`; starts[0] is the lowest key, so there
  // always is one.
  template <class Key, class Value>
  static Packed Find(const std::vector<Key>& starts, const std::vector<Packed>& countries,
                     const Value& key) {
    const auto it = std::upper_bound(starts.begin(), starts.end(), key);
    return countries[static_cast<size_t>(it - starts.begin()) - 1];
  }

  // IPv6 in two levels, because 128-bit keys would nearly double the memory for little: almost
  // every boundary in the data falls on a /64. The first level partitions the upper 64 bits; a /64
  // that holds more than one entry is marked kSplit and found again, with full 128-bit keys, in
  // the second level, which starts it with an entry at its first address.
  void BuildV6(const std::vector<U128>& starts, const std::vector<Packed>& countries) {
    const size_t n = starts.size();
    for (size_t i = 0; i < n;) {
      const uint64_t block = starts[i].hi;
      size_t j = i + 1;
      while (j < n && starts[j].hi == block) ++j;
      if (j == i + 1 && starts[i].lo == 0) {
        v6_blocks_.push_back(block);
        v6_block_countries_.push_back(countries[i]);
        i = j;
        continue;
      }
      v6_blocks_.push_back(block);
      v6_block_countries_.push_back(kSplit);
      // starts[0] is ::, so a block not starting on its first address has an entry before it.
      if (starts[i].lo != 0) {
        v6_split_starts_.push_back(U128{block, 0});
        v6_split_countries_.push_back(countries[i - 1]);
      }
      for (size_t k = i; k < j; ++k) {
        v6_split_starts_.push_back(starts[k]);
        v6_split_countries_.push_back(countries[k]);
      }
      // The last entry runs on into the next /64 unless an entry of its own starts there.
      if (block != std::numeric_limits<uint64_t>::max() && (j == n || starts[j].hi != block + 1)) {
        v6_blocks_.push_back(block + 1);
        v6_block_countries_.push_back(countries[j - 1]);
      }
      i = j;
    }
    v6_blocks_.shrink_to_fit();
    v6_block_countries_.shrink_to_fit();
    v6_split_starts_.shrink_to_fit();
    v6_split_countries_.shrink_to_fit();
  }

  std::vector<uint32_t> v4_starts_;
  std::vector<Packed> v4_countries_;
  std::vector<uint64_t> v6_blocks_;
  std::vector<Packed> v6_block_countries_;
  std::vector<U128> v6_split_starts_;
  std::vector<Packed> v6_split_countries_;
  std::string source_;
};

// ---------------------------------------------------------------------------------------------
// MaxMind DB

class MaxMindIpCountry final : public IpCountry {
 public:
  static Result<std::unique_ptr<IpCountry>> Load(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return Missing(file,
                     "set geoip.database to a MaxMind-format database (.mmdb), or leave it empty "
                     "to use Debian's tor-geoipdb tables");
    }
    // An empty file cannot be mapped, which libmaxminddb reports as an I/O error.
    if (std::filesystem::is_regular_file(file, ec) && std::filesystem::file_size(file, ec) == 0) {
      return NotAMaxMindDb(file, "the file is empty");
    }
    auto db = std::unique_ptr<MaxMindIpCountry>(new MaxMindIpCountry());
    errno = 0;
    const int status = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &db->db_);
    if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) {
      return Unreadable(file, errno != 0 ? errno : EIO);
    }
    if (status != MMDB_SUCCESS) return NotAMaxMindDb(file, MMDB_strerror(status));
    db->open_ = true;
    const auto& meta = db->db_.metadata;
    std::string date;
    const auto epoch = static_cast<std::time_t>(meta.build_epoch);
    std::tm tm{};
    char buf[16];
    if (gmtime_r(&epoch, &tm) != nullptr && std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm) > 0) {
      date = buf;
    }
    db->source_ = std::string("mmdb:") + (meta.database_type ? meta.database_type : "unknown") +
                  (date.empty() ? "" : " " + date);
    return std::unique_ptr<IpCountry>(std::move(db));
  }

  ~MaxMindIpCountry() override {
    if (open_) MMDB_close(&db_);
  }
  MaxMindIpCountry(const MaxMindIpCountry&) = delete;
  MaxMindIpCountry& operator=(const MaxMindIpCountry&) = delete;

  std::optional<std::string> Lookup(std::string_view text) const override {
    auto ip = ParseGlobalIp(text);
    if (!ip) return std::nullopt;
    sockaddr_storage storage{};
    if (ip->v4) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl(ip->v4_value);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
      sin6->sin6_family = AF_INET6;
      for (int i = 0; i < 8; ++i) {
        sin6->sin6_addr.s6_addr[i] = static_cast<uint8_t>(ip->v6_value.hi >> (56 - 8 * i));
        sin6->sin6_addr.s6_addr[8 + i] = static_cast<uint8_t>(ip->v6_value.lo >> (56 - 8 * i));
      }
    }
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s found =
        MMDB_lookup_sockaddr(&db_, reinterpret_cast<const sockaddr*>(&storage), &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS || !found.found_entry) return std::nullopt;
    Packed country = IsoCode(&found.entry, "country");
    if (country == kNoCountry) country = IsoCode(&found.entry, "registered_country");
    return Unpack(country);
  }

  std::string source() const override { return source_; }

 private:
  MaxMindIpCountry() = default;

  static Error NotAMaxMindDb(const std::filesystem::path& file, const std::string& why) {
    return Error(ErrorKind::kDataLoss, "geoip_corrupt",
                 file.string() + " is not a usable MaxMind DB file (" + why +
                     "); replace it, or leave geoip.database empty to use tor-geoipdb");
  }

  // `key`.iso_code of the record, or kNoCountry.
  static Packed IsoCode(MMDB_entry_s* entry, const char* key) {
    MMDB_entry_data_s data{};
    if (MMDB_get_value(entry, &data, key, "iso_code", static_cast<const char*>(nullptr)) !=
            MMDB_SUCCESS ||
        !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING) {
      return kNoCountry;
    }
    Packed country = kNoCountry;
    if (!ParseCountryCode(std::string_view(data.utf8_string, data.data_size), &country)) {
      return kNoCountry;
    }
    return country;
  }

  MMDB_s db_{};
  bool open_ = false;
  std::string source_;
};

}  // namespace

Result<std::unique_ptr<IpCountry>> IpCountry::LoadTor(const std::filesystem::path& dir) {
  return TorIpCountry::Load(dir);
}

Result<std::unique_ptr<IpCountry>> IpCountry::LoadMaxMind(const std::filesystem::path& mmdb) {
  return MaxMindIpCountry::Load(mmdb);
}

Result<std::unique_ptr<IpCountry>> OpenIpCountry(const std::string& database,
                                                 const std::string& tor_dir) {
  if (!database.empty()) return IpCountry::LoadMaxMind(database);
  return IpCountry::LoadTor(tor_dir);
}

}  // namespace privacyd
