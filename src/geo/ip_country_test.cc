#include "geo/ip_country.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testing/test_store.h"

namespace privacyd {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// 1.0.0.0-1.0.0.255 AU, 1.0.1.0-1.0.3.255 CN, a gap, 8.8.8.0/24 US, 10.0.0.0/8 DE (private:
// never answered), 20.0.0.0/24 "??", 20.0.1.0/24 "uk", 20.0.2.0/24 "A1", 20.0.3.0/24 "eu".
constexpr const char* kGeoip =
    "# This file has been converted from the IPFire Location database\n"
    "#\n"
    "# Generated: Thu, 25 Jun 2026 04:33:59 GMT\n"
    "#\n"
    "16777216,16777471,AU\n"
    "16777472,16778239,CN\n"
    "134744064,134744319,US\n"
    "167772160,184549375,DE\n"
    "335544320,335544575,??\n"
    "335544576,335544831,uk\n"
    "335544832,335545087,A1\n"
    "335545088,335545343,EU\n"
    "4026531840,4294967295,ZZ\n";

// 2a00:1450::/32 IE; in 2a01:4f8:0:0::/64 ::0-::ff DE and ::100-::1ff FR, then a gap, and from
// 2a01:4f8:0:1:: NL to the end of 2a01:4f8::/32; a range from the middle of one /64 to the
// middle of the next, SE; fc00::/7 US (unique-local: never answered).
constexpr const char* kGeoip6 =
    "# Generated: Thu, 25 Jun 2026 04:33:59 GMT\n"
    "2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,IE\n"
    "2a01:4f8::,2a01:4f8::ff,DE\n"
    "2a01:4f8::100,2a01:4f8::1ff,FR\n"
    "2a01:4f8:0:1::,2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff,NL\n"
    "2a02:100::8000:0:0:0,2a02:100:0:1:7fff:ffff:ffff:ffff,SE\n"
    "fc00::,fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,US\n";

class IpCountryTor : public ::testing::Test {
 protected:
  std::unique_ptr<IpCountry> Load(const std::string& geoip = kGeoip,
                                  const std::string& geoip6 = kGeoip6) {
    WriteFile(dir_.path() / "geoip", geoip);
    WriteFile(dir_.path() / "geoip6", geoip6);
    auto loaded = IpCountry::LoadTor(dir_.path());
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message());
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }

  Error LoadError(const std::string& geoip, const std::string& geoip6 = kGeoip6) {
    WriteFile(dir_.path() / "geoip", geoip);
    WriteFile(dir_.path() / "geoip6", geoip6);
    auto loaded = IpCountry::LoadTor(dir_.path());
    EXPECT_FALSE(loaded.ok());
    return loaded.ok() ? Error(ErrorKind::kInternal, "loaded", "") : loaded.error();
  }

  testing::TempDir dir_;
};

TEST_F(IpCountryTor, Ipv4RangesIncludeBothEnds) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("1.0.0.0"), "AU");
  EXPECT_EQ(geo->Lookup("1.0.0.255"), "AU");
  EXPECT_EQ(geo->Lookup("1.0.1.0"), "CN");
  EXPECT_EQ(geo->Lookup("1.0.3.255"), "CN");
  EXPECT_EQ(geo->Lookup("8.8.8.0"), "US");
  EXPECT_EQ(geo->Lookup("8.8.8.8"), "US");
  EXPECT_EQ(geo->Lookup("8.8.8.255"), "US");
}

TEST_F(IpCountryTor, Ipv4OutsideEveryRangeIsUnknown) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("0.255.255.255"), std::nullopt);  // reserved, and before the first
  EXPECT_EQ(geo->Lookup("1.0.4.0"), std::nullopt);        // the gap after CN
  EXPECT_EQ(geo->Lookup("8.8.7.255"), std::nullopt);
  EXPECT_EQ(geo->Lookup("8.8.9.0"), std::nullopt);
  EXPECT_EQ(geo->Lookup("20.0.4.0"), std::nullopt);
  EXPECT_EQ(geo->Lookup("223.255.255.255"), std::nullopt);  // after the last public range
}

TEST_F(IpCountryTor, CodesThatNameNoCountryAreUnknownAndUkIsGb) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("20.0.0.1"), std::nullopt);  // ??
  EXPECT_EQ(geo->Lookup("20.0.1.1"), "GB");          // uk
  EXPECT_EQ(geo->Lookup("20.0.2.1"), std::nullopt);  // A1
  EXPECT_EQ(geo->Lookup("20.0.3.1"), std::nullopt);  // EU
}

TEST_F(IpCountryTor, Ipv6IncludingRangesInsideOneSlash64) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("2a00:1450::"), "IE");
  EXPECT_EQ(geo->Lookup("2a00:1450:4001:80b::200e"), "IE");
  EXPECT_EQ(geo->Lookup("2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff"), "IE");
  EXPECT_EQ(geo->Lookup("2a00:1451::"), std::nullopt);
  EXPECT_EQ(geo->Lookup("2a01:4f7:ffff:ffff:ffff:ffff:ffff:ffff"), std::nullopt);

  EXPECT_EQ(geo->Lookup("2a01:4f8::"), "DE");
  EXPECT_EQ(geo->Lookup("2a01:4f8::ff"), "DE");
  EXPECT_EQ(geo->Lookup("2a01:4f8::100"), "FR");
  EXPECT_EQ(geo->Lookup("2a01:4f8::1ff"), "FR");
  EXPECT_EQ(geo->Lookup("2a01:4f8::200"), std::nullopt);
  EXPECT_EQ(geo->Lookup("2a01:4f8::ffff:ffff:ffff:ffff"), std::nullopt);
  EXPECT_EQ(geo->Lookup("2a01:4f8:0:1::"), "NL");
  EXPECT_EQ(geo->Lookup("2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff"), "NL");
  EXPECT_EQ(geo->Lookup("2a01:4f9::"), std::nullopt);

  EXPECT_EQ(geo->Lookup("2a02:100::7fff:ffff:ffff:ffff"), std::nullopt);
  EXPECT_EQ(geo->Lookup("2a02:100::8000:0:0:0"), "SE");
  EXPECT_EQ(geo->Lookup("2a02:100::ffff:ffff:ffff:ffff"), "SE");
  EXPECT_EQ(geo->Lookup("2a02:100:0:1::"), "SE");
  EXPECT_EQ(geo->Lookup("2a02:100:0:1:7fff:ffff:ffff:ffff"), "SE");
  EXPECT_EQ(geo->Lookup("2a02:100:0:1:8000::"), std::nullopt);
  EXPECT_EQ(geo->Lookup("2a02:100:0:2::"), std::nullopt);
}

TEST_F(IpCountryTor, Ipv4MappedIpv6IsLookedUpAsIpv4) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("::ffff:1.0.0.1"), "AU");
  EXPECT_EQ(geo->Lookup("::FFFF:8.8.8.8"), "US");
  EXPECT_EQ(geo->Lookup("::ffff:808:808"), "US");
  EXPECT_EQ(geo->Lookup("::ffff:10.1.2.3"), std::nullopt);
}

TEST_F(IpCountryTor, AddressesThatAreNotGloballyRoutedHaveNoCountry) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  // The data says DE for 10.0.0.0/8 and US for fc00::/7; neither is answered.
  for (const char* ip : {"10.1.2.3", "127.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1",
                         "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1", "::",
                         "::1", "fd12:3456::1", "fc00::1", "fe80::1", "ff02::1", "2001:db8::1"}) {
    EXPECT_EQ(geo->Lookup(ip), std::nullopt) << ip;
  }
}

TEST_F(IpCountryTor, InvalidTextHasNoCountry) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  for (const char* text :
       {"", "1.0.0", "1.0.0.1.2", "256.0.0.1", "01.0.0.1", " 1.0.0.1", "1.0.0.1 ", "1.0.0.1:80",
        "[2a00:1450::1]", "2a00:1450::1%eth0", "2a00:1450:::1", "gggg::1", "localhost",
        "1.0.0.1/24", "16777217", "0x01000001"}) {
    EXPECT_EQ(geo->Lookup(text), std::nullopt) << text;
  }
  EXPECT_EQ(geo->Lookup(std::string_view("1.0.0.1\0junk", 12)), std::nullopt);
  EXPECT_EQ(geo->Lookup(std::string(1000, '1')), std::nullopt);
}

TEST_F(IpCountryTor, SourceNamesTheGenerationDate) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->source(), "tor-geoipdb 2026-06-25");
  auto undated = Load("16777216,16777471,AU\n", "2a00:1450::,2a00:1450::ff,IE\n");
  ASSERT_NE(undated, nullptr);
  EXPECT_EQ(undated->source(), "tor-geoipdb");
}

TEST_F(IpCountryTor, AcceptsWindowsLineEndsAndNoFinalNewline) {
  auto geo = Load("# comment\r\n16777216,16777471,AU\r\n\r\n16777472,16778239,CN",
                  "2a00:1450::,2a00:1450::ff,IE");
  ASSERT_NE(geo, nullptr);
  EXPECT_EQ(geo->Lookup("1.0.0.1"), "AU");
  EXPECT_EQ(geo->Lookup("1.0.3.255"), "CN");
  EXPECT_EQ(geo->Lookup("2a00:1450::ff"), "IE");
}

TEST_F(IpCountryTor, CorruptLinesNameTheFileAndLine) {
  struct Corrupt {
    std::string geoip;
    std::string geoip6;
    std::string where;  // "<file> line <n>:"
  };
  const std::string good6 = "2a00:1450::,2a00:1450::ff,IE\n";
  const std::string good4 = "16777216,16777471,AU\n";
  const std::vector<Corrupt> cases = {
      {"# header\n16777216,16777471\n", good6, "geoip line 2:"},
      {"16777216,16777471,AU,x\n", good6, "geoip line 1:"},
      {"16777216;16777471;AU\n", good6, "geoip line 1:"},
      {good4 + "x,16777471,AU\n", good6, "geoip line 2:"},
      {good4 + "-5,16777471,AU\n", good6, "geoip line 2:"},
      {"4294967296,4294967296,AU\n", good6, "geoip line 1:"},
      {"1.0.0.0,1.0.0.255,AU\n", good6, "geoip line 1:"},
      {good4 + "16777472,16778239,CHN\n", good6, "geoip line 2:"},
      {good4 + "16777472,16778239,C\n", good6, "geoip line 2:"},
      {good4 + "16777472,16778239,\n", good6, "geoip line 2:"},
      {good4 + "16777472,16778239,C-\n", good6, "geoip line 2:"},
      {"16777471,16777216,AU\n", good6, "geoip line 1:"},              // ends before start
      {good4 + "16777300,16778239,CN\n", good6, "geoip line 2:"},      // overlaps
      {good4 + "16777471,16778239,CN\n", good6, "geoip line 2:"},      // shares an end
      {"16777472,16778239,CN\n" + good4, good6, "geoip line 2:"},      // unsorted
      {"4026531840,4294967295,ZZ\n1,2,AU\n", good6, "geoip line 2:"},  // after the end
      {"# only comments\n\n", good6, "geoip:"},                        // no ranges
      {"", good6, "geoip:"},                                           // empty
      {good4, "2a00:1450::,zz::,IE\n", "geoip6 line 1:"},
      {good4, "16777216,16777471,AU\n", "geoip6 line 1:"},
      {good4, "2a00:1450::ff,2a00:1450::,IE\n", "geoip6 line 1:"},
      {good4, good6 + "2a00:1450::80,2a00:1450::1ff,DE\n", "geoip6 line 2:"},
      {good4, "# x\n\n" + good6 + "::1,::2,DE\n", "geoip6 line 4:"},
  };
  for (const Corrupt& c : cases) {
    Error error = LoadError(c.geoip, c.geoip6);
    EXPECT_EQ(error.code(), "geoip_corrupt") << c.geoip << " | " << c.geoip6;
    EXPECT_EQ(error.kind(), ErrorKind::kDataLoss);
    EXPECT_THAT(error.message(), HasSubstr((dir_.path() / c.where).string()))
        << c.geoip << " | " << c.geoip6;
  }
}

TEST_F(IpCountryTor, MissingFilesAreNamed) {
  auto none = IpCountry::LoadTor(dir_.path());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), "geoip_missing");
  EXPECT_EQ(none.error().kind(), ErrorKind::kNotFound);
  EXPECT_THAT(none.error().message(), StartsWith((dir_.path() / "geoip").string() + " "));
  EXPECT_THAT(none.error().message(), HasSubstr("install Debian's tor-geoipdb package"));
  EXPECT_THAT(none.error().message(), HasSubstr("geoip.database"));

  WriteFile(dir_.path() / "geoip", kGeoip);
  auto no_v6 = IpCountry::LoadTor(dir_.path());
  ASSERT_FALSE(no_v6.ok());
  EXPECT_EQ(no_v6.error().code(), "geoip_missing");
  EXPECT_THAT(no_v6.error().message(), StartsWith((dir_.path() / "geoip6").string() + " "));
}

TEST_F(IpCountryTor, UnreadableFileIsUnavailable) {
  std::filesystem::create_directory(dir_.path() / "geoip");
  WriteFile(dir_.path() / "geoip6", kGeoip6);
  auto loaded = IpCountry::LoadTor(dir_.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), "geoip_unreadable");
  EXPECT_EQ(loaded.error().kind(), ErrorKind::kUnavailable);
}

TEST_F(IpCountryTor, ConcurrentLookupsAgree) {
  auto geo = Load();
  ASSERT_NE(geo, nullptr);
  const std::vector<std::pair<std::string, std::optional<std::string>>> expected = {
      {"1.0.0.7", "AU"},       {"8.8.8.8", "US"},         {"10.0.0.1", std::nullopt},
      {"2a01:4f8::150", "FR"}, {"2a02:100:0:1::1", "SE"}, {"::ffff:1.0.2.1", "CN"}};
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const auto& [ip, country] = expected[static_cast<size_t>(i) % expected.size()];
        if (geo->Lookup(ip) != country) ++mismatches[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(IpCountryOpen, ChoosesMaxMindWhenADatabaseIsConfigured) {
  testing::TempDir dir;
  auto mmdb = OpenIpCountry((dir.path() / "missing.mmdb").string(), dir.path().string());
  ASSERT_FALSE(mmdb.ok());
  EXPECT_EQ(mmdb.error().code(), "geoip_missing");
  EXPECT_THAT(mmdb.error().message(), HasSubstr("missing.mmdb"));

  WriteFile(dir.path() / "geoip", kGeoip);
  WriteFile(dir.path() / "geoip6", kGeoip6);
  auto tor = OpenIpCountry("", dir.path().string());
  ASSERT_TRUE(tor.ok()) << tor.error().message();
  EXPECT_EQ((*tor)->Lookup("8.8.8.8"), "US");
}

// Debian's tables, when installed. The expectations are allocations the installed files
// themselves state and that have not moved in decades (Google's public DNS, Deutsche Telekom).
TEST(IpCountryTorData, DebianTables) {
  const std::filesystem::path dir = "/usr/share/tor";
  if (!std::filesystem::exists(dir / "geoip") || !std::filesystem::exists(dir / "geoip6")) {
    GTEST_SKIP() << "tor-geoipdb is not installed";
  }
  auto geo = IpCountry::LoadTor(dir);
  ASSERT_TRUE(geo.ok()) << geo.error().message();
  EXPECT_THAT((*geo)->source(), StartsWith("tor-geoipdb"));
  EXPECT_EQ((*geo)->Lookup("8.8.8.8"), "US");
  EXPECT_EQ((*geo)->Lookup("194.25.0.60"), "DE");
  EXPECT_EQ((*geo)->Lookup("2001:4860:4860::8888"), "US");
  EXPECT_EQ((*geo)->Lookup("2003::1"), "DE");
  EXPECT_EQ((*geo)->Lookup("192.168.0.1"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// MaxMind DB

// Writes a small MaxMind DB (format 2.0: an IPv6 search tree with 24-bit records, a data
// section, metadata), enough for libmaxminddb to open and search, so that the MaxMind path is
// tested without a licensed database. IPv4 networks go where the format puts them, ::a.b.c.d.
class MmdbWriter {
 public:
  // Data-section values.
  static std::string String(std::string_view s) { return Control(2, s.size()) + std::string(s); }
  static std::string Map(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out = Control(7, entries.size());
    for (const auto& [key, value] : entries) out += String(key) + value;
    return out;
  }
  static std::string Uint16(uint16_t v) { return Control(5, 2) + BigEndian(v, 2); }
  static std::string Uint32(uint32_t v) { return Control(6, 4) + BigEndian(v, 4); }
  static std::string Uint64(uint64_t v) { return Control(9, 8) + BigEndian(v, 8); }
  static std::string Array(const std::vector<std::string>& items) {
    std::string out = Control(11, items.size());
    for (const auto& item : items) out += item;
    return out;
  }

  MmdbWriter() : nodes_(1) {}

  void Insert(const std::string& cidr, const std::string& value) {
    const size_t slash = cidr.find('/');
    const std::string ip = cidr.substr(0, slash);
    int length = std::stoi(cidr.substr(slash + 1));
    std::array<unsigned char, 16> bytes{};
    if (ip.find(':') == std::string::npos) {
      ASSERT_EQ(inet_pton(AF_INET, ip.c_str(), bytes.data() + 12), 1);
      length += 96;
    } else {
      ASSERT_EQ(inet_pton(AF_INET6, ip.c_str(), bytes.data()), 1);
    }
    const uint32_t data_offset = static_cast<uint32_t>(data_.size());
    data_ += value;
    size_t node = 0;
    for (int bit = 0; bit < length; ++bit) {
      const int side = (bytes[static_cast<size_t>(bit / 8)] >> (7 - bit % 8)) & 1;
      Child& child = nodes_[node][static_cast<size_t>(side)];
      if (bit == length - 1) {
        child = {Child::kData, data_offset};
      } else {
        if (child.kind != Child::kNode) {
          child = {Child::kNode, static_cast<uint32_t>(nodes_.size())};
          nodes_.emplace_back();
        }
        node = nodes_[node][static_cast<size_t>(side)].value;
      }
    }
  }

  std::string Build(const std::string& database_type, uint64_t build_epoch) const {
    const auto node_count = static_cast<uint32_t>(nodes_.size());
    std::string out;
    for (const auto& node : nodes_) {
      for (const Child& child : node) {
        uint32_t record = node_count;  // empty
        if (child.kind == Child::kNode) record = child.value;
        if (child.kind == Child::kData) record = node_count + 16 + child.value;
        out += BigEndian(record, 3);
      }
    }
    out += std::string(16, '\0');
    out += data_;
    out += "\xAB\xCD\xEFMaxMind.com";
    out += Map({{"binary_format_major_version", Uint16(2)},
                {"binary_format_minor_version", Uint16(0)},
                {"build_epoch", Uint64(build_epoch)},
                {"database_type", String(database_type)},
                {"description", Map({{"en", String("privacyd test database")}})},
                {"ip_version", Uint16(6)},
                {"languages", Array({String("en")})},
                {"node_count", Uint32(node_count)},
                {"record_size", Uint16(24)}});
    return out;
  }

 private:
  struct Child {
    enum Kind { kEmpty, kNode, kData } kind = kEmpty;
    uint32_t value = 0;
  };

  // The control byte(s) of a value: type in the top three bits (types above 7 are "extended",
  // written as 0 with type - 7 in the next byte), size in the low five.
  static std::string Control(int type, size_t size) {
    EXPECT_LT(size, 29u);  // longer values need size bytes this writer does not produce
    std::string out;
    if (type <= 7) {
      out += static_cast<char>(type << 5 | static_cast<int>(size));
    } else {
      out += static_cast<char>(size);
      out += static_cast<char>(type - 7);
    }
    return out;
  }

  static std::string BigEndian(uint64_t v, int bytes) {
    std::string out;
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
    return out;
  }

  std::vector<std::array<Child, 2>> nodes_;
  std::string data_;
};

std::string CountryRecord(const char* key, const char* iso_code) {
  return MmdbWriter::Map({{key, MmdbWriter::Map({{"iso_code", MmdbWriter::String(iso_code)}})}});
}

class IpCountryMaxMind : public ::testing::Test {
 protected:
  // 2026-06-24T00:00:00Z
  static constexpr uint64_t kBuildEpoch = 1782259200;

  std::filesystem::path WriteDatabase() {
    MmdbWriter writer;
    writer.Insert(
        "1.2.3.0/24",
        MmdbWriter::Map(
            {{"country", MmdbWriter::Map({{"iso_code", MmdbWriter::String("DE")}})},
             {"registered_country", MmdbWriter::Map({{"iso_code", MmdbWriter::String("AT")}})}}));
    writer.Insert("5.6.0.0/16", CountryRecord("registered_country", "FR"));
    writer.Insert("9.9.9.0/24", MmdbWriter::Map({{"continent", MmdbWriter::Map({})}}));
    writer.Insert("10.0.0.0/8", CountryRecord("country", "DE"));
    writer.Insert("20.0.0.0/24", CountryRecord("country", "UK"));
    writer.Insert("2a01:4f8::/32", CountryRecord("country", "NL"));
    const std::filesystem::path path = dir_.path() / "test.mmdb";
    WriteFile(path, writer.Build("Test-Country", kBuildEpoch));
    return path;
  }

  testing::TempDir dir_;
};

TEST_F(IpCountryMaxMind, LooksUpCountryThenRegisteredCountry) {
  auto db = IpCountry::LoadMaxMind(WriteDatabase());
  ASSERT_TRUE(db.ok()) << db.error().message();
  const IpCountry& geo = **db;
  EXPECT_EQ(geo.Lookup("1.2.3.0"), "DE");
  EXPECT_EQ(geo.Lookup("1.2.3.255"), "DE");
  EXPECT_EQ(geo.Lookup("::ffff:1.2.3.4"), "DE");
  EXPECT_EQ(geo.Lookup("1.2.4.0"), std::nullopt);
  EXPECT_EQ(geo.Lookup("5.6.7.8"), "FR");          // registered_country only
  EXPECT_EQ(geo.Lookup("9.9.9.9"), std::nullopt);  // neither
  EXPECT_EQ(geo.Lookup("20.0.0.1"), "GB");
  EXPECT_EQ(geo.Lookup("2a01:4f8::1"), "NL");
  EXPECT_EQ(geo.Lookup("2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff"), "NL");
  EXPECT_EQ(geo.Lookup("2a01:4f9::"), std::nullopt);
  EXPECT_EQ(geo.Lookup("10.1.1.1"), std::nullopt);  // private, whatever the data says
  EXPECT_EQ(geo.Lookup("not an address"), std::nullopt);
  EXPECT_EQ(geo.source(), "mmdb:Test-Country 2026-06-24");
}

TEST_F(IpCountryMaxMind, MissingFile) {
  auto db = IpCountry::LoadMaxMind(dir_.path() / "GeoLite2-Country.mmdb");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), "geoip_missing");
  EXPECT_EQ(db.error().kind(), ErrorKind::kNotFound);
  EXPECT_THAT(db.error().message(), HasSubstr("GeoLite2-Country.mmdb"));
  EXPECT_THAT(db.error().message(), HasSubstr("geoip.database"));
}

TEST_F(IpCountryMaxMind, NotADatabaseIsCorrupt) {
  for (const std::string& content :
       {std::string("16777216,16777471,AU\n"), std::string(), std::string(4096, '\0')}) {
    const std::filesystem::path path = dir_.path() / "bad.mmdb";
    WriteFile(path, content);
    auto db = IpCountry::LoadMaxMind(path);
    ASSERT_FALSE(db.ok()) << content.size();
    EXPECT_EQ(db.error().code(), "geoip_corrupt") << content.size();
    EXPECT_EQ(db.error().kind(), ErrorKind::kDataLoss);
    EXPECT_THAT(db.error().message(), HasSubstr(path.string()));
  }
}

TEST_F(IpCountryMaxMind, TruncatedDatabaseIsCorrupt) {
  const std::filesystem::path path = WriteDatabase();
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WriteFile(path, bytes.substr(bytes.size() / 2));
  auto db = IpCountry::LoadMaxMind(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code(), "geoip_corrupt");
}

}  // namespace
}  // namespace privacyd
