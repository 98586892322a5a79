#include "http/form_fields.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

HttpRequest Post(const std::string& content_type, const std::string& body) {
  HttpRequest r;
  r.method = "POST";
  r.headers["content-type"] = content_type;
  r.body = body;
  return r;
}

TEST(FormFields, UrlEncodedBodiesAreDecoded) {
  auto fields = ParseFormFields(
      Post("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click&a=b+c%21"));
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->find("List-Unsubscribe")->second, "One-Click");
  EXPECT_EQ(fields->find("a")->second, "b c!");
}

TEST(FormFields, MultipartAsMailProvidersSendTheOneClickPost) {
  // What RFC 8058 section 3.1 shows, with CRLF line ends.
  std::string body =
      "--AaB03x\r\n"
      "Content-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
      "\r\n"
      "One-Click\r\n"
      "--AaB03x--\r\n";
  auto fields = ParseFormFields(Post("multipart/form-data; boundary=AaB03x", body));
  ASSERT_TRUE(fields.ok()) << fields.error().message();
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ(fields->find("List-Unsubscribe")->second, "One-Click");
}

TEST(FormFields, MultipartWithQuotedBoundarySeveralPartsAndAFile) {
  std::string body =
      "preamble\r\n"
      "--b-1\r\n"
      "Content-Disposition: form-data; name=\"a\"\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "line one\r\nline two\r\n"
      "--b-1\r\n"
      "content-disposition: form-data; name=\"upload\"; filename=\"x.txt\"\r\n"
      "\r\n"
      "file content\r\n"
      "--b-1\r\n"
      "Content-Disposition: form-data; name=\"b\"\r\n"
      "\r\n"
      "\r\n"
      "--b-1--";
  auto fields = ParseFormFields(Post("multipart/form-data; boundary=\"b-1\"", body));
  ASSERT_TRUE(fields.ok()) << fields.error().message();
  EXPECT_EQ(fields->find("a")->second, "line one\r\nline two");
  EXPECT_EQ(fields->count("upload"), 0u);
  EXPECT_EQ(fields->find("b")->second, "");
}

TEST(FormFields, MalformedBodiesAndOtherTypesAreRefused) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"multipart/form-data", "--x\r\n\r\nv\r\n--x--"},  // no boundary
      {"multipart/form-data; boundary=x", "no delimiter at all"},
      {"multipart/form-data; boundary=x",
       "--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--"},
      {"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=a\r\n\r\nv"},
      {"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=a"},
      {"multipart/form-data; boundary=\"x", "--x--"},
      {"application/x-www-form-urlencoded", "a=%zz"},
  };
  for (const auto& [type, body] : bad) {
    auto fields = ParseFormFields(Post(type, body));
    ASSERT_FALSE(fields.ok()) << type << " | " << body;
    EXPECT_EQ(fields.error().code(), "invalid_form_body") << body;
  }
  EXPECT_EQ(ParseFormFields(Post("application/json", "{}")).error().code(),
            "unsupported_form_type");
}

}  // namespace
}  // namespace privacyd
