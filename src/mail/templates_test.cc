#include "mail/templates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace privacyd::mail {
namespace {

using nlohmann::json;

// Values that are words of no language, so that a test can tell the template's own words from
// them.
json CommonVars() {
  return {{"controller_name", "Qzx Corp"},
          {"controller_address", "Zz 1, 99999 Qq"},
          {"privacy_contact", "dpo@qzx.example"},
          {"unsubscribe_url", "https://qzx.example/u/tok1"}};
}

// Every variable of `kind` (and the common ones).
json VarsFor(const std::string& kind) {
  json vars = CommonVars();
  if (kind == "double_opt_in") {
    vars["topics"] = {"Tq1", "Tq2"};
    vars["confirm_url"] = "https://qzx.example/c/tok2";
    vars["expires_hours"] = 48;
  } else if (kind == "address_change") {
    vars["confirm_url"] = "https://qzx.example/a/tok5";
    vars["expires_hours"] = 48;
  } else if (kind == "one_time_code") {
    vars["code"] = "482913";
    vars["minutes"] = 15;
    vars["purpose_text"] = "Pq9";
    vars["confirm_url"] = "";
  } else if (kind == "unsubscribe_confirmation") {
    vars["topic_name"] = "Tq3";
    vars["preferences_url"] = "https://qzx.example/p/tok3";
  } else if (kind == "referral") {
    vars["preferences_url"] = "https://qzx.example/p/tok4";
  } else if (kind == "statement_change") {
    vars["version"] = "2026.2";
    vars["effective_date"] = "2026-03-01";
    vars["changes"] = {"Cq1", "Cq2", "Cq3"};
    vars["statement_url"] = "https://qzx.example/s";
  } else if (kind == "request_extended") {
    vars["request_id"] = "req_q1";
    vars["due_date"] = "2026-04-28";
    vars["reason"] = "Rq1";
  } else if (kind == "request_complaint_dpo") {
    vars["request_id"] = "req_q2";
    vars["regime"] = "gdpr";
    vars["email"] = "q2@qzx.example";
    vars["received_date"] = "2026-01-31";
    vars["due_date"] = "2026-02-28";
  } else if (kind == "request_complaint_received") {
    vars["request_id"] = "req_q3";
    vars["routes"] = {"Aq1: https://qzx.example/a"};
    vars["due_date"] = "2026-02-28";
  } else if (kind == "request_tenant_routed") {
    vars["request_id"] = "req_q4";
    vars["rights"] = {"access"};
    vars["email"] = "q4@qzx.example";
    vars["tenant_name"] = "Xq4";
    vars["received_date"] = "2026-01-31";
  } else if (kind == "request_processor_notice") {
    vars["request_id"] = "req_q5";
    vars["tenant_name"] = "Xq5";
    vars["end_user_text"] = "Eq5";
  } else if (kind == "request_completed") {
    vars["request_id"] = "req_q6";
    vars["download_until"] = "2026-02-07";
    vars["reasons"] = "Rq6";
  }
  return vars;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(MailTemplates, EveryKindRendersInEveryLanguageWithItsVariables) {
  for (const auto& language : MailTemplateLanguages()) {
    for (const auto& kind : MailTemplateKinds()) {
      SCOPED_TRACE(kind + " in " + language);
      json vars = VarsFor(kind);
      auto mail = RenderTemplate(kind, language, vars);
      ASSERT_TRUE(mail.ok()) << mail.error().message();
      EXPECT_FALSE(mail->subject.empty());
      EXPECT_EQ(mail->subject.find('\n'), std::string::npos);
      EXPECT_NE(mail->html.find("<html lang=\"" + language + "\">"), std::string::npos);
      EXPECT_NE(mail->html.find("<title>" + mail->subject + "</title>"), std::string::npos);
      for (const auto& [name, value] : vars.items()) {
        if (name == "unsubscribe_url" && !IsMarketingMail(kind)) {
          EXPECT_EQ(mail->text.find(value.get<std::string>()), std::string::npos);
          continue;
        }
        std::vector<std::string> values;
        if (value.is_array()) {
          for (const auto& v : value) values.push_back(v.get<std::string>());
        } else {
          values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
        }
        for (const auto& v : values) {
          EXPECT_NE((mail->subject + mail->text).find(v), std::string::npos) << name;
          EXPECT_NE(mail->html.find(v), std::string::npos) << name;
        }
      }
      for (const auto& l : {"Tq1", "Tq2", "Cq1", "Cq2", "Cq3"}) {
        if (vars.dump().find(l) == std::string::npos) continue;
        EXPECT_NE(mail->text.find("- " + std::string(l) + "\n"), std::string::npos) << l;
        EXPECT_NE(mail->html.find("<li>" + std::string(l) + "</li>"), std::string::npos) << l;
      }
    }
  }
}

TEST(MailTemplates, DoubleOptInInEnglishReadsExactly) {
  auto mail = RenderTemplate("double_opt_in", "en", VarsFor("double_opt_in"));
  ASSERT_TRUE(mail.ok());
  EXPECT_EQ(mail->subject, "Please confirm your subscription");
  EXPECT_EQ(mail->text,
            "Hello,\n"
            "\n"
            "someone, hopefully you, asked to receive these emails from Qzx Corp at\n"
            "this address:\n"
            "- Tq1\n"
            "- Tq2\n"
            "\n"
            "Please confirm with this link:\n"
            "\n"
            "Confirm my subscription: https://qzx.example/c/tok2\n"
            "\n"
            "The link stays valid for 48 hours. If you did not ask for this, ignore\n"
            "this email: without your confirmation you will not receive anything from\n"
            "us.\n"
            "\n"
            "-- \n"
            "Qzx Corp, Zz 1, 99999 Qq\n"
            "Questions about your personal data: dpo@qzx.example\n");
  EXPECT_NE(mail->html.find("<p>Please confirm with this link:</p>\n"
                            "<p><a href=\"https://qzx.example/c/tok2\">Confirm my "
                            "subscription</a></p>\n"),
            std::string::npos)
      << mail->html;
  EXPECT_NE(mail->html.find("<ul>\n<li>Tq1</li>\n<li>Tq2</li>\n</ul>\n"), std::string::npos);
  EXPECT_NE(mail->html.find("<footer style=\"font-size: 0.875em; color: #555;\">\n"
                            "<p>Qzx Corp, Zz 1, 99999 Qq<br>\n"
                            "Questions about your personal data: dpo@qzx.example</p>\n"
                            "</footer>"),
            std::string::npos)
      << mail->html;
}

TEST(MailTemplates, MarketingMailEndsWithTheUnsubscribeLink) {
  auto mail = RenderTemplate("statement_change", "de", VarsFor("statement_change"));
  ASSERT_TRUE(mail.ok());
  EXPECT_EQ(mail->subject, "Unsere Datenschutzerklärung ändert sich am 2026-03-01");
  EXPECT_TRUE(mail->text.ends_with("\nAbmelden: https://qzx.example/u/tok1\n")) << mail->text;
  EXPECT_NE(mail->html.find("<a href=\"https://qzx.example/u/tok1\">Abmelden</a>"),
            std::string::npos);
  EXPECT_TRUE(IsMarketingMail("referral"));
  EXPECT_TRUE(IsMarketingMail("statement_change"));
  EXPECT_FALSE(IsMarketingMail("double_opt_in"));
  EXPECT_FALSE(IsMarketingMail("one_time_code"));
}

TEST(MailTemplates, GermanAndFrenchMailHasNoEnglishLeft) {
  const char* english[] = {"hello",     "please", "unsubscribe",  "questions about", " your ",
                           " you ",     " the ",  " this ",       " with ",          "privacy ",
                           "this link", "email ", "subscription", " code is ",       "valid for"};
  for (const char* language : {"de", "fr"}) {
    for (const auto& kind : MailTemplateKinds()) {
      SCOPED_TRACE(kind + " in " + language);
      auto mail = RenderTemplate(kind, language, VarsFor(kind));
      ASSERT_TRUE(mail.ok()) << mail.error().message();
      std::string words = Lower(" " + mail->subject + " " + mail->text + " ");
      for (const char* e : english) EXPECT_EQ(words.find(e), std::string::npos) << e;
      EXPECT_NE(words.find(std::string(language) == "de" ? "personenbezogenen daten"
                                                         : "données personnelles"),
                std::string::npos);
    }
  }
  EXPECT_EQ(RenderTemplate("double_opt_in", "de", VarsFor("double_opt_in"))->subject,
            "Bitte bestätigen Sie Ihr Abonnement");
  EXPECT_EQ(RenderTemplate("double_opt_in", "fr", VarsFor("double_opt_in"))->subject,
            "Veuillez confirmer votre abonnement");
  // French puts a space before the colon.
  EXPECT_NE(RenderTemplate("double_opt_in", "fr", VarsFor("double_opt_in"))
                ->text.find("\nConfirmer mon abonnement : https://qzx.example/c/tok2\n"),
            std::string::npos);
  EXPECT_NE(RenderTemplate("double_opt_in", "de", VarsFor("double_opt_in"))
                ->text.find("\nAbonnement bestätigen: https://qzx.example/c/tok2\n"),
            std::string::npos);
  EXPECT_NE(RenderTemplate("one_time_code", "de", VarsFor("one_time_code"))
                ->text.find("Der Code ist 15 Minuten gültig"),
            std::string::npos);
  EXPECT_NE(RenderTemplate("one_time_code", "fr", VarsFor("one_time_code"))
                ->text.find("Ce code est valable 15 minutes"),
            std::string::npos);
}

TEST(MailTemplates, ACodeMailCarriesItsLinkOnlyWhenThereIsOne) {
  json vars = VarsFor("one_time_code");
  EXPECT_EQ(RenderTemplate("one_time_code", "en", vars)->text.find("link"), std::string::npos);
  vars["confirm_url"] = "https://qzx.example/r/tok6";
  auto en = RenderTemplate("one_time_code", "en", vars);
  ASSERT_TRUE(en.ok());
  EXPECT_NE(en->text.find("Confirm with this link: https://qzx.example/r/tok6\n"),
            std::string::npos)
      << en->text;
  EXPECT_NE(en->html.find("<a href=\"https://qzx.example/r/tok6\">Confirm with this link</a>"),
            std::string::npos)
      << en->html;
  EXPECT_NE(RenderTemplate("one_time_code", "de", vars)
                ->text.find("Mit diesem Link bestätigen: https://qzx.example/r/tok6\n"),
            std::string::npos);
  EXPECT_NE(RenderTemplate("one_time_code", "fr", vars)
                ->text.find("Confirmer avec ce lien : https://qzx.example/r/tok6\n"),
            std::string::npos);
}

TEST(MailTemplates, UnsubscribeConfirmationNamesTheTopicOrAllMarketing) {
  json vars = VarsFor("unsubscribe_confirmation");
  EXPECT_NE(RenderTemplate("unsubscribe_confirmation", "en", vars)
                ->text.find("you will no longer receive \"Tq3\" from Qzx Corp."),
            std::string::npos);
  EXPECT_NE(RenderTemplate("unsubscribe_confirmation", "de", vars)
                ->text.find("keine E-Mails zu „Tq3“ mehr."),
            std::string::npos);
  vars["topic_name"] = "";
  EXPECT_NE(RenderTemplate("unsubscribe_confirmation", "en", vars)
                ->text.find("you will no longer receive any marketing emails from Qzx Corp."),
            std::string::npos);
  EXPECT_NE(RenderTemplate("unsubscribe_confirmation", "de", vars)
                ->text.find("keine Werbe-E-Mails mehr."),
            std::string::npos);
  EXPECT_NE(RenderTemplate("unsubscribe_confirmation", "fr", vars)
                ->text.find("vous ne recevrez plus aucun e-mail commercial de Qzx Corp."),
            std::string::npos);
}

TEST(MailTemplates, UnknownLanguageFallsBackToEnglishAndRegionsAreIgnored) {
  json vars = VarsFor("test");
  auto en = RenderTemplate("test", "en", vars);
  ASSERT_TRUE(en.ok());
  EXPECT_EQ(RenderTemplate("test", "es", vars)->text, en->text);
  EXPECT_EQ(RenderTemplate("test", "", vars)->text, en->text);
  EXPECT_EQ(RenderTemplate("test", "de-AT", vars)->subject,
            "Testnachricht von privacyd: Zustellung geprüft");
  EXPECT_EQ(RenderTemplate("test", "FR", vars)->subject, "Message de test de privacyd");
}

TEST(MailTemplates, UnknownKindAndMissingVariablesAreErrors) {
  auto unknown = RenderTemplate("newsletter", "en", CommonVars());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), "unknown_mail_template");
  EXPECT_EQ(unknown.error().kind(), ErrorKind::kInvalidArgument);

  for (const auto& kind : MailTemplateKinds()) {
    json full = VarsFor(kind);
    for (const auto& [name, value] : full.items()) {
      if (name == "unsubscribe_url" && !IsMarketingMail(kind)) continue;
      json vars = full;
      vars.erase(name);
      auto mail = RenderTemplate(kind, "fr", vars);
      ASSERT_FALSE(mail.ok()) << kind << " without " << name;
      EXPECT_EQ(mail.error().code(), "missing_mail_variable") << kind << " without " << name;
      EXPECT_NE(mail.error().message().find(name), std::string::npos) << mail.error().message();
    }
  }
  EXPECT_EQ(RenderTemplate("test", "en", json::array()).error().code(), "missing_mail_variable");
}

TEST(MailTemplates, ValuesAreEscapedInHtmlAndLinksMustBeHttp) {
  json vars = VarsFor("double_opt_in");
  vars["controller_name"] = "<script>alert(1)</script> & \"Co\"";
  vars["topics"] = {"<b>bold</b>"};
  vars["confirm_url"] = "https://qzx.example/c?a=1&b=\"2\"";
  auto mail = RenderTemplate("double_opt_in", "en", vars);
  ASSERT_FALSE(mail.ok());  // '"' is not allowed in a URL
  EXPECT_EQ(mail.error().code(), "invalid_mail_url");

  vars["confirm_url"] = "https://qzx.example/c?a=1&b=2";
  mail = RenderTemplate("double_opt_in", "en", vars);
  ASSERT_TRUE(mail.ok()) << mail.error().message();
  EXPECT_EQ(mail->html.find("<script>"), std::string::npos);
  EXPECT_EQ(mail->html.find("<b>"), std::string::npos);
  EXPECT_NE(mail->html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"),
            std::string::npos);
  EXPECT_NE(mail->html.find("<li>&lt;b&gt;bold&lt;/b&gt;</li>"), std::string::npos);
  EXPECT_NE(mail->html.find("href=\"https://qzx.example/c?a=1&amp;b=2\""), std::string::npos);
  // Plain text shows values as they are.
  EXPECT_NE(mail->text.find("<script>alert(1)</script> & \"Co\""), std::string::npos);

  for (const char* bad : {"javascript:alert(1)", "data:text/html,x", "ftp://qzx.example/",
                          "https://", "https://qzx.example/a b", "//qzx.example/x"}) {
    vars["confirm_url"] = bad;
    auto r = RenderTemplate("double_opt_in", "en", vars);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), "invalid_mail_url") << bad;
  }
  vars["confirm_url"] = "HTTP://qzx.example/x";
  EXPECT_TRUE(RenderTemplate("double_opt_in", "en", vars).ok());
}

TEST(MailTemplates, ValuesOfTheWrongTypeAreErrors) {
  json vars = VarsFor("one_time_code");
  vars["code"] = true;
  EXPECT_EQ(RenderTemplate("one_time_code", "en", vars).error().code(), "invalid_mail_variable");
  vars["code"] = json::array({"1"});
  EXPECT_EQ(RenderTemplate("one_time_code", "en", vars).error().code(), "invalid_mail_variable");
  vars = VarsFor("double_opt_in");
  vars["topics"] = 3;
  EXPECT_EQ(RenderTemplate("double_opt_in", "en", vars).error().code(), "invalid_mail_variable");
  // A line break may not reach the subject.
  vars = VarsFor("statement_change");
  vars["effective_date"] = "2026-03-01\nBcc: x@example.com";
  EXPECT_EQ(RenderTemplate("statement_change", "en", vars).error().code(), "invalid_mail_variable");
}

TEST(MailTemplates, ValuesCannotAddStructure) {
  // A value that looks like a list item, a link or a paragraph break stays text.
  json vars = VarsFor("one_time_code");
  vars["purpose_text"] = "- [x]({{code}})\n\n- y";
  auto mail = RenderTemplate("one_time_code", "en", vars);
  ASSERT_TRUE(mail.ok());
  EXPECT_NE(mail->html.find("Purpose: - [x]({{code}})\n\n- y</p>"), std::string::npos)
      << mail->html;
  EXPECT_EQ(mail->html.find("<li>y"), std::string::npos);
  EXPECT_EQ(mail->html.find("href"), std::string::npos);
}

}  // namespace
}  // namespace privacyd::mail
