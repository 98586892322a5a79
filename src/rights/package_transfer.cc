#include "rights/package_transfer.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace privacyd {
namespace {

Error InvalidUrl(const std::string& why) {
  return Error(
      ErrorKind::kInvalidArgument, "invalid_transfer_url",
      "transfer_url " + why + "; give the https:// address the receiving service gave you");
}

bool NonPublicV4(uint32_t a) {
  auto in = [a](uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
         in(0x0A000000, 8) ||   // 10/8
         in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
         in(0x7F000000, 8) ||   // 127/8 loopback
         in(0xA9FE0000, 16) ||  // 169.254/16 link-local (and cloud metadata services)
         in(0xAC100000, 12) ||  // 172.16/12
         in(0xC0A80000, 16) ||  // 192.168/16
         in(0xE0000000, 4) ||   // 224/4 multicast
         in(0xF0000000, 4);     // 240/4 reserved and broadcast
}

struct PostState {
  bool allow_private = false;
  bool refused_address = false;
};

curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto* state = static_cast<PostState*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN ||
      (!state->allow_private && IsNonPublicAddress(&address->addr))) {
    state->refused_address = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

Result<std::string> CheckTransferUrl(std::string_view url) {
  if (url.empty() || url.size() > 2048) return InvalidUrl("must have 1 to 2048 characters");
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), &curl_url_cleanup);
  if (!parsed) return Error(ErrorKind::kInternal, "out_of_memory", "cannot parse a URL");
  std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return InvalidUrl("is not a URL");
  }
  auto part = [&](CURLUPart which) {
    char* value = nullptr;
    std::string out;
    if (curl_url_get(parsed.get(), which, &value, 0) == CURLUE_OK && value != nullptr) out = value;
    curl_free(value);
    return out;
  };
  std::string scheme = part(CURLUPART_SCHEME);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "https") return InvalidUrl("must start with https://");
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty()) {
    return InvalidUrl("must not carry a user name or password");
  }
  if (!part(CURLUPART_FRAGMENT).empty()) return InvalidUrl("must not have a #fragment");
  std::string host = part(CURLUPART_HOST);
  if (host.empty()) return InvalidUrl("has no host");
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

bool IsNonPublicAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return NonPublicV4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return true;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  const uint8_t* b = a.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    uint32_t v4 =
        (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return NonPublicV4(v4);
  }
  return IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a) ||
         IN6_IS_ADDR_SITELOCAL(&a) || IN6_IS_ADDR_MULTICAST(&a) ||
         (b[0] & 0xfe) == 0xfc;  // fc00::/7 unique local
}

Result<int> HttpsPackageTransport::Post(const std::string& url, const std::string& body,
                                        const std::string& request_id) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Error(ErrorKind::kInternal, "out_of_memory", "cannot start a transfer");
  PostState state;
  state.allow_private = settings_.allow_private_addresses;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr,
                                                                      &curl_slist_free_all);
  for (const std::string& h : {std::string("Content-Type: application/zip"),
                               "X-Privacyd-Request: " + request_id, std::string("Expect:")}) {
    curl_slist* next = curl_slist_append(headers.get(), h.c_str());
    if (next == nullptr) return Error(ErrorKind::kInternal, "out_of_memory", "cannot set headers");
    headers.release();
    headers.reset(next);
  }
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout / 1000));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "privacyd");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &state);
  CURLcode result = curl_easy_perform(c);
  if (state.refused_address) {
    return Error(ErrorKind::kUnavailable, "transfer_failed",
                 "the destination is not a public address; privacyd sends packages only to the "
                 "public internet");
  }
  if (result != CURLE_OK) {
    return Error(ErrorKind::kUnavailable, "transfer_failed",
                 std::string("cannot deliver the package: ") + curl_easy_strerror(result));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return Error(ErrorKind::kUnavailable, "transfer_refused",
                 "the destination answered HTTP " + std::to_string(status));
  }
  return static_cast<int>(status);
}

}  // namespace privacyd
