#include "mail/dkim.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "mail/private_file.h"

namespace privacyd::mail {
namespace {

constexpr size_t kMaxLine = 78;

// Signed when present, in this order.
constexpr std::array<std::string_view, 10> kSignedHeaders = {"from",
                                                             "to",
                                                             "subject",
                                                             "date",
                                                             "message-id",
                                                             "mime-version",
                                                             "content-type",
                                                             "list-unsubscribe",
                                                             "list-unsubscribe-post",
                                                             "auto-submitted"};

struct Field {
  std::string name;        // lower case
  std::string_view whole;  // "Name: value" with its folding, without the final CRLF
};

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsDnsName(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Sha256Raw(std::string_view data) {
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

// Splits the header section into fields; a line starting with whitespace continues the field
// before it.
std::vector<Field> ParseFields(std::string_view headers) {
  std::vector<Field> fields;
  size_t start = 0;
  while (start < headers.size()) {
    size_t end = start;
    while (true) {
      size_t crlf = headers.find("\r\n", end);
      if (crlf == std::string_view::npos) {
        end = headers.size();
        break;
      }
      end = crlf;
      if (crlf + 2 < headers.size() && IsWsp(headers[crlf + 2])) {
        end = crlf + 2;
        continue;
      }
      break;
    }
    std::string_view whole = headers.substr(start, end - start);
    size_t colon = whole.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = whole.substr(0, colon);
      while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
      fields.push_back(Field{Lower(name), whole});
    }
    start = end + 2;
  }
  return fields;
}

// The Date header's time as Unix seconds, for t=; -1 when it cannot be read.
int64_t ParseDate(std::string_view value) {
  std::string v(value);
  size_t comma = v.find(',');
  if (comma != std::string::npos) v = v.substr(comma + 1);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char month[4] = {0};
  char zone[6] = {0};
  if (std::sscanf(v.c_str(), " %d %3s %d %d:%d:%d %5s", &day, month, &year, &hour, &minute, &second,
                  zone) != 7) {
    return -1;
  }
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto it = std::find(kMonths.begin(), kMonths.end(), std::string_view(month));
  if (it == kMonths.end() || (zone[0] != '+' && zone[0] != '-')) return -1;
  for (int i = 1; i < 5; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(zone[i]))) return -1;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = static_cast<int>(it - kMonths.begin());
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t t = timegm(&tm);
  int offset = ((zone[1] - '0') * 10 + (zone[2] - '0')) * 3600 +
               ((zone[3] - '0') * 10 + (zone[4] - '0')) * 60;
  return zone[0] == '+' ? t - offset : t + offset;
}

// Appends pieces to a header field, breaking the line (CRLF and a space) before a piece that
// would pass 78 characters. A piece glued to the one before it gets no space when it stays on
// the same line; the folding whitespace is allowed there (between tags, around the colons of
// h=, inside base64 values).
class Folder {
 public:
  explicit Folder(std::string start) : out_(std::move(start)), line_(out_.size()) {}

  void Add(std::string_view piece, bool glued) {
    if (line_ + (glued ? 0 : 1) + piece.size() > kMaxLine && line_ > 1) {
      out_ += "\r\n ";
      line_ = 1;
    } else if (!glued) {
      out_ += ' ';
      ++line_;
    }
    out_ += piece;
    line_ += piece.size();
  }

  // Base64 in as many pieces as the lines need.
  void AddBase64(std::string_view value) {
    while (!value.empty()) {
      size_t room = kMaxLine > line_ ? kMaxLine - line_ : 0;
      if (room < 8) {
        out_ += "\r\n ";
        line_ = 1;
        continue;
      }
      size_t n = std::min(room, value.size());
      out_ += value.substr(0, n);
      line_ += n;
      value.remove_prefix(n);
    }
  }

  const std::string& text() const { return out_; }

 private:
  std::string out_;
  size_t line_;
};

Error KeyError(const std::string& code, const std::string& message) {
  return Error(ErrorKind::kFailedPrecondition, code, message);
}

int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

std::string DkimRelaxedHeader(std::string_view field) {
  size_t colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : field.substr(colon + 1);
  while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
  std::string out = Lower(name) + ":";
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfold
    if (IsWsp(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
    any = true;
  }
  out += "\r\n";
  return out;
}

std::string DkimRelaxedBody(std::string_view body) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= body.size()) {
    size_t crlf = body.find("\r\n", start);
    size_t end = crlf == std::string_view::npos ? body.size() : crlf;
    std::string line;
    bool pending_space = false;
    for (char c : body.substr(start, end - start)) {
      if (IsWsp(c)) {
        pending_space = true;
        continue;
      }
      if (pending_space) line += ' ';
      pending_space = false;
      line += c;
    }
    lines.push_back(std::move(line));
    if (crlf == std::string_view::npos) break;
    start = crlf + 2;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& line : lines) out += line + "\r\n";
  return out;
}

Result<DkimSigner> DkimSigner::Load(std::string_view domain, std::string_view selector,
                                    const std::string& key_file) {
  if (!IsDnsName(domain) || !IsDnsName(selector)) {
    return Error(ErrorKind::kInvalidArgument, "invalid_dkim_setting",
                 "mail.dkim.domain and mail.dkim.selector must both be set, as DNS names "
                 "(letters, digits, '-', '_' and '.')");
  }
  PD_ASSIGN_OR_RETURN(
      std::string pem,
      ReadPrivateFile(key_file, "DKIM key file", "dkim_key_unreadable", "dkim_key_permissions"));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* raw =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassphrase, nullptr) : nullptr;
  sodium_memzero(pem.data(), pem.size());
  if (raw == nullptr) {
    ERR_clear_error();  // leave no stale error for the next OpenSSL user on this thread
    return KeyError("dkim_key_invalid",
                    "DKIM key file " + key_file +
                        " does not hold an unencrypted PEM private key; create one with: openssl "
                        "genpkey -algorithm ed25519 (or RSA, -pkeyopt rsa_keygen_bits:2048)");
  }
  std::shared_ptr<EVP_PKEY> key(raw, &EVP_PKEY_free);
  Algorithm algorithm;
  switch (EVP_PKEY_get_base_id(raw)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(raw) < 1024) {
        return KeyError("dkim_key_invalid", "the RSA key in " + key_file + " has " +
                                                std::to_string(EVP_PKEY_get_bits(raw)) +
                                                " bits; receivers ignore DKIM keys shorter than "
                                                "1024 bits; use a 2048-bit key");
      }
      algorithm = Algorithm::kRsaSha256;
      break;
    case EVP_PKEY_ED25519:
      algorithm = Algorithm::kEd25519Sha256;
      break;
    default:
      return KeyError("dkim_key_invalid", "the key in " + key_file +
                                              " is neither RSA nor Ed25519, the two key types "
                                              "DKIM defines");
  }
  return DkimSigner(std::string(domain), std::string(selector), algorithm, std::move(key));
}

Result<std::string> DkimSigner::Sign(std::string_view rendered_message) const {
  size_t split = rendered_message.find("\r\n\r\n");
  if (split == std::string_view::npos) {
    return Error(ErrorKind::kInvalidArgument, "invalid_mail_message",
                 "a message to sign must have its headers, an empty line, and its body");
  }
  std::vector<Field> fields = ParseFields(rendered_message.substr(0, split + 2));
  std::string_view body = rendered_message.substr(split + 4);

  // h= and the header fields it names, each occurrence taken from the bottom up (RFC 6376
  // section 5.4.2).
  std::vector<std::string> h;
  std::string signed_headers;
  int64_t date = -1;
  bool has_from = false;
  for (std::string_view name : kSignedHeaders) {
    for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
      if (it->name != name) continue;
      h.emplace_back(name);
      signed_headers += DkimRelaxedHeader(it->whole);
      if (name == "from") has_from = true;
      if (name == "date" && date < 0) {
        date = ParseDate(it->whole.substr(it->whole.find(':') + 1));
      }
    }
  }
  if (!has_from) {
    return Error(ErrorKind::kInvalidArgument, "invalid_mail_message",
                 "a message to sign must have a From header");
  }

  Folder folder("DKIM-Signature:");
  folder.Add("v=1;", false);
  folder.Add(algorithm_ == Algorithm::kRsaSha256 ? "a=rsa-sha256;" : "a=ed25519-sha256;", false);
  folder.Add("c=relaxed/relaxed;", false);
  folder.Add("d=" + domain_ + ";", false);
  folder.Add("s=" + selector_ + ";", false);
  if (date >= 0) folder.Add("t=" + std::to_string(date) + ";", false);
  for (size_t i = 0; i < h.size(); ++i) {
    folder.Add((i == 0 ? "h=" : "") + h[i] + (i + 1 < h.size() ? ":" : ";"), i != 0);
  }
  folder.Add("bh=" + Base64(Sha256Raw(DkimRelaxedBody(body))) + ";", false);
  folder.Add("b=", false);

  // The signature covers the signed fields and this field with an empty b=, without its final
  // CRLF (RFC 6376 section 3.7).
  std::string data = signed_headers + DkimRelaxedHeader(folder.text());
  data.resize(data.size() - 2);

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string input = data;
  const EVP_MD* md = EVP_sha256();
  if (algorithm_ == Algorithm::kEd25519Sha256) {
    // RFC 8463: Ed25519 signs the SHA-256 of the data, as PureEdDSA (no digest of its own).
    input = Sha256Raw(data);
    md = nullptr;
  }
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Error(ErrorKind::kInternal, "dkim_sign_failed", "OpenSSL could not sign the message");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Error(ErrorKind::kInternal, "dkim_sign_failed", "OpenSSL could not sign the message");
  }
  signature.resize(length);
  folder.AddBase64(Base64(signature));
  return folder.text() + "\r\n";
}

Result<std::optional<DkimSigner>> DkimSignerFromConfig(const Config& config) {
  const std::string& domain = config.Get("mail.dkim.domain");
  if (domain.empty()) return std::optional<DkimSigner>();
  const std::string& selector = config.Get("mail.dkim.selector");
  const std::string& key_file = config.Get("mail.dkim.key_file");
  if (selector.empty() || key_file.empty()) {
    return Error(ErrorKind::kInvalidArgument, "invalid_config",
                 "mail.dkim.domain is set, so mail.dkim.selector and mail.dkim.key_file must be "
                 "set too");
  }
  PD_ASSIGN_OR_RETURN(DkimSigner signer, DkimSigner::Load(domain, selector, key_file));
  return std::optional<DkimSigner>(std::move(signer));
}

}  // namespace privacyd::mail
