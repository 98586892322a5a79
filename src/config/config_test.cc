#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/test_store.h"

namespace privacyd {
namespace {

TEST(Config, DefaultsThenFileThenEnvironmentThenFlags) {
  testing::TempDir dir;
  auto file = (dir.path() / "privacyd.yaml").string();
  {
    std::ofstream(file) << "listen: 0.0.0.0:9000\nhttp:\n  max_body_bytes: 2048\n"
                           "  idle_timeout_ms: 5\npublic_url: https://privacy.example.com\n";
  }
  auto config = Config::Load(file,
                             {{"PRIVACYD_HTTP_MAX_BODY_BYTES", "4096"},
                              {"PRIVACYD_PUBLIC_URL", "https://env.example.com"}},
                             {{"public_url", "https://flag.example.com"}});
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->Get("data"), "./var");                              // default
  EXPECT_EQ(config->Get("listen"), "0.0.0.0:9000");                     // file
  EXPECT_EQ(*config->GetInt("http.idle_timeout_ms", 1, 100), 5);        // file
  EXPECT_EQ(*config->GetInt("http.max_body_bytes", 1, 1 << 30), 4096);  // env over file
  EXPECT_EQ(config->Get("public_url"), "https://flag.example.com");     // flag over env
}

TEST(Config, EnvironmentNamesFollowTheKeys) {
  EXPECT_EQ(EnvNameForKey("data"), "PRIVACYD_DATA");
  EXPECT_EQ(EnvNameForKey("http.max_body_bytes"), "PRIVACYD_HTTP_MAX_BODY_BYTES");
  EXPECT_EQ(EnvNameForKey("public_url"), "PRIVACYD_PUBLIC_URL");
}

TEST(Config, UnknownKeysAreErrorsWithASuggestionAndPosition) {
  testing::TempDir dir;
  auto file = (dir.path() / "c.yaml").string();
  { std::ofstream(file) << "http:\n  max_body_byte: 10\n"; }
  auto config = Config::Load(file, {}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code(), "unknown_config_key");
  EXPECT_NE(config.error().message().find(file + ":2:3"), std::string::npos)
      << config.error().message();
  EXPECT_NE(config.error().message().find("did you mean 'http.max_body_bytes'"), std::string::npos);
}

TEST(Config, MalformedFilesAndValuesAreReported) {
  testing::TempDir dir;
  auto file = (dir.path() / "c.yaml").string();
  { std::ofstream(file) << "listen: [unclosed\n"; }
  EXPECT_EQ(Config::Load(file, {}, {}).error().code(), "config_unreadable");
  EXPECT_EQ(Config::Load((dir.path() / "missing.yaml").string(), {}, {}).error().code(),
            "config_unreadable");

  auto config = Config::Load(std::nullopt, {{"PRIVACYD_HTTP_WORKER_THREADS", "many"}}, {});
  ASSERT_TRUE(config.ok());
  auto threads = config->GetInt("http.worker_threads", 1, 1024);
  ASSERT_FALSE(threads.ok());
  EXPECT_EQ(threads.error().code(), "invalid_config");
  EXPECT_NE(threads.error().message().find("PRIVACYD_HTTP_WORKER_THREADS"), std::string::npos);
  auto access = Config::Load(std::nullopt, {{"PRIVACYD_LOG_ACCESS", "perhaps"}}, {});
  EXPECT_EQ(access->GetBool("log.access").error().code(), "invalid_config");
}

}  // namespace
}  // namespace privacyd
