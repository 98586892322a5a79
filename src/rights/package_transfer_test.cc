// The checks on a portability destination (package_transfer.h).
#include "rights/package_transfer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace privacyd {
namespace {

std::string Host(const std::string& url) {
  auto host = CheckTransferUrl(url);
  return host.ok() ? *host : host.error().code();
}

bool NonPublic(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') == std::string::npos) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &v4->sin_addr), 1) << text;
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr), 1) << text;
  }
  return IsNonPublicAddress(reinterpret_cast<const sockaddr*>(&storage));
}

TEST(PackageTransferTest, OnlyHttpsAddressesWithAHostAndNoCredentialsAreTaken) {
  EXPECT_EQ(Host("https://Import.Example.NET/inbox?person=1"), "import.example.net");
  EXPECT_EQ(Host("HTTPS://import.example.net:8443/"), "import.example.net");
  EXPECT_EQ(Host("https://[2001:db8::1]/in"), "[2001:db8::1]");
  EXPECT_EQ(Host("http://import.example.net/"), "invalid_transfer_url");
  EXPECT_EQ(Host("ftp://import.example.net/"), "invalid_transfer_url");
  EXPECT_EQ(Host("file:///etc/passwd"), "invalid_transfer_url");
  EXPECT_EQ(Host("https://user:secret@import.example.net/"), "invalid_transfer_url");
  EXPECT_EQ(Host("https://import.example.net/#part"), "invalid_transfer_url");
  EXPECT_EQ(Host("import.example.net"), "invalid_transfer_url");
  EXPECT_EQ(Host("https://"), "invalid_transfer_url");
  EXPECT_EQ(Host(""), "invalid_transfer_url");
  EXPECT_EQ(Host("https://a.example/" + std::string(2040, 'x')), "invalid_transfer_url");
  auto error = CheckTransferUrl("http://import.example.net/");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().message(),
            "transfer_url must start with https://; give the https:// address the receiving "
            "service gave you");
}

TEST(PackageTransferTest, AddressesInsideANetworkAreNotPublic) {
  for (const char* inner : {"127.0.0.1",
                            "127.8.9.10",
                            "10.1.2.3",
                            "172.16.0.1",
                            "172.31.255.255",
                            "192.168.1.1",
                            "169.254.169.254",
                            "100.64.0.1",
                            "100.127.255.255",
                            "0.0.0.0",
                            "224.0.0.1",
                            "255.255.255.255",
                            "::",
                            "::1",
                            "fe80::1",
                            "fc00::1",
                            "fd12:3456::1",
                            "ff02::1",
                            "::ffff:127.0.0.1",
                            "::ffff:10.0.0.1"}) {
    EXPECT_TRUE(NonPublic(inner)) << inner;
  }
  for (const char* outer :
       {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.0.1", "100.128.0.1",
        "193.99.144.80", "2001:4860:4860::8888", "2a00:1450:4001::1", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(NonPublic(outer)) << outer;
  }
}

// A transport refuses a loopback destination unless it is allowed, before any byte is sent.
TEST(PackageTransferTest, TheTransportRefusesAnInnerAddressUnlessAllowed) {
  HttpsPackageTransport transport({});
  auto sent = transport.Post("https://127.0.0.1:9/inbox", "PK", "req_1");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), "transfer_failed");
  EXPECT_EQ(sent.error().message(),
            "the destination is not a public address; privacyd sends packages only to the public "
            "internet");
  // Plain HTTP is refused even where inner addresses are allowed.
  TransferSettings open;
  open.allow_private_addresses = true;
  HttpsPackageTransport plain(open);
  auto http = plain.Post("http://127.0.0.1:9/", "PK", "req_1");
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code(), "transfer_failed");
  EXPECT_EQ(http.error().message(), "cannot deliver the package: Unsupported protocol");
}

}  // namespace
}  // namespace privacyd
