#include "http/form_fields.h"

#include <cctype>
#include <string_view>

#include "http/url_encoding.h"

namespace privacyd {
namespace {

Error Malformed(const std::string& what) {
  return Error(ErrorKind::kInvalidArgument, "invalid_form_body",
               "the form body is malformed (" + what + "); send it as a browser would");
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of parameter `name` in a header value such as `form-data; name="x"` or
// `multipart/form-data; boundary=abc`, unquoted; nullopt when absent.
std::optional<std::string> Parameter(std::string_view header, std::string_view name) {
  size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    ++pos;
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == '\t')) ++pos;
    size_t eq = header.find('=', pos);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string key = Lower(header.substr(pos, eq - pos));
    std::string value;
    size_t end;
    if (eq + 1 < header.size() && header[eq + 1] == '"') {
      end = eq + 2;
      while (end < header.size() && header[end] != '"') {
        if (header[end] == '\\' && end + 1 < header.size()) ++end;
        value.push_back(header[end++]);
      }
      if (end >= header.size()) return std::nullopt;  // unterminated quote
      ++end;
    } else {
      end = header.find(';', eq + 1);
      if (end == std::string_view::npos) end = header.size();
      value = std::string(header.substr(eq + 1, end - eq - 1));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    }
    if (key == name) return value;
    pos = header.find(';', end);
  }
  return std::nullopt;
}

Result<std::multimap<std::string, std::string>> ParseMultipart(std::string_view body,
                                                               const std::string& boundary) {
  if (boundary.empty() || boundary.size() > 70) return Malformed("no valid boundary");
  const std::string delimiter = "--" + boundary;
  std::multimap<std::string, std::string> out;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return Malformed("the boundary never occurs");
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return out;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return Malformed("a delimiter line has trailing text");
    pos += 2;
    size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) return Malformed("a part has no header end");
    std::string_view headers = body.substr(pos, headers_end - pos);
    size_t next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string_view::npos) return Malformed("a part is not closed");
    std::string_view content = body.substr(headers_end + 4, next - headers_end - 4);
    std::optional<std::string> name;
    bool file = false;
    size_t line_start = 0;
    while (line_start <= headers.size()) {
      size_t line_end = headers.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = headers.size();
      std::string_view line = headers.substr(line_start, line_end - line_start);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          Lower(line.substr(0, colon)) == "content-disposition") {
        std::string_view value = line.substr(colon + 1);
        name = Parameter(value, "name");
        file = Parameter(value, "filename").has_value();
      }
      line_start = line_end + 2;
    }
    if (!name) return Malformed("a part has no name");
    if (!file) out.emplace(*name, std::string(content));
    pos = next + 2;
  }
}

}  // namespace

Result<std::multimap<std::string, std::string>> ParseFormFields(const HttpRequest& request) {
  const std::string content_type = request.Header("content-type");
  const std::string media = MediaType(content_type);
  if (media == "application/x-www-form-urlencoded") {
    std::multimap<std::string, std::string> out;
    if (!ParseUrlEncoded(request.body, out)) return Malformed("bad percent-encoding");
    return out;
  }
  if (media == "multipart/form-data") {
    std::optional<std::string> boundary = Parameter(content_type, "boundary");
    if (!boundary) return Malformed("the Content-Type names no boundary");
    return ParseMultipart(request.body, *boundary);
  }
  return Error(ErrorKind::kInvalidArgument, "unsupported_form_type",
               "send the form as application/x-www-form-urlencoded or multipart/form-data");
}

}  // namespace privacyd
