#include "http/api.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "http/openapi.h"
#include "keys/key_manager.h"
#include "policy/example_policy.h"
#include "policy/policy_loader.h"
#include "staff/staff_directory.h"
#include "staff/staff_sessions.h"
#include "testing/test_store.h"

namespace privacyd {
namespace {

// The router exactly as `serve` builds it, over a real store.
class ApiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path());
    auto keyring = OpenKeyring(dir_.path(), *store_, random_, true);
    ASSERT_TRUE(keyring.ok());
    registry_ = std::make_unique<SubjectRegistry>(*store_, *keyring, audit_, clock_, random_);
    jobs_ = std::make_unique<JobQueue>(*store_, clock_, random_);
    PolicyLoad load =
        LoadPolicyText(kExamplePolicy, "example", Taxonomy::Default(), Jurisdictions::Default());
    ASSERT_TRUE(load.ok());
    holder_ = std::make_unique<PolicyHolder>(load.policy);
    versions_ = std::make_unique<PolicyVersions>(*store_, *jobs_, audit_, clock_,
                                                 Taxonomy::Default(), Jurisdictions::Default());
    manager_ = std::make_unique<PolicyManager>(*holder_, *versions_, Taxonomy::Default(),
                                               Jurisdictions::Default());
    auto guard = guard::Guard::Create(guard::GuardOptions{});
    ASSERT_TRUE(guard.ok()) << guard.error().message();
    guard_ = std::move(guard).value();
    auto link_keys = LoadLinkKeys(*store_, **keyring, random_, clock_.Now());
    ASSERT_TRUE(link_keys.ok());
    links_ = std::make_unique<LinkSigner>(std::move(*link_keys));
    outbox_ = std::make_unique<Outbox>(*registry_, random_, clock_, "privacy.test");
    consent_ =
        std::make_unique<ConsentLedger>(*store_, *registry_, *holder_, Jurisdictions::Default(),
                                        audit_, clock_, *outbox_, *links_, "http://privacy.test");
    ApiServices services{metrics_,
                         [] { return Ok(); },
                         *store_,
                         audit_,
                         *registry_,
                         clock_,
                         random_,
                         *holder_,
                         *versions_,
                         *manager_,
                         "http://privacy.test",
                         guard_.get()};
    services.consent = consent_.get();
    services.unsubscribe_mailto = "unsubscribe@privacy.test";
    codes_ = std::make_unique<OneTimeCodes>(**keyring, clock_, random_);
    requests_ = std::make_unique<RequestService>(*store_, *registry_, *keyring, *holder_,
                                                 Jurisdictions::Default(), audit_, *codes_, clock_,
                                                 random_);
    services.requests = requests_.get();
    evidence_ = std::make_unique<RequestEvidenceBuilder>(*store_, *requests_, audit_, *holder_,
                                                         clock_, "privacy.test");
    services.request_evidence = evidence_.get();
    disclosures_ = std::make_unique<DisclosureLog>(*registry_, *holder_, clock_, random_);
    services.disclosures = disclosures_.get();
    staff_ = std::make_unique<StaffDirectory>(*store_, audit_, clock_, random_);
    staff_sessions_ = std::make_unique<StaffSessions>(*store_, *staff_, audit_, clock_, random_);
    console_ = std::make_unique<ConsoleSessionGate>(*staff_sessions_, "http://privacy.test");
    services.console = console_.get();
    AddApiRoutes(router_, services);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  SecureRandom random_;
  FakeClock clock_;
  AuditLog audit_{clock_};
  std::unique_ptr<SubjectRegistry> registry_;
  std::unique_ptr<JobQueue> jobs_;
  std::unique_ptr<PolicyHolder> holder_;
  std::unique_ptr<PolicyVersions> versions_;
  std::unique_ptr<PolicyManager> manager_;
  std::unique_ptr<guard::Guard> guard_;
  std::unique_ptr<LinkSigner> links_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ConsentLedger> consent_;
  std::unique_ptr<OneTimeCodes> codes_;
  std::unique_ptr<RequestService> requests_;
  std::unique_ptr<RequestEvidenceBuilder> evidence_;
  std::unique_ptr<DisclosureLog> disclosures_;
  std::unique_ptr<StaffDirectory> staff_;
  std::unique_ptr<StaffSessions> staff_sessions_;
  std::unique_ptr<ConsoleSessionGate> console_;
  Metrics metrics_;
  Router router_;
};

// Every route the router knows is described in /openapi.json, with its roles, and the document
// describes nothing the router does not serve.
TEST_F(ApiRoutesTest, DescribesExactlyTheRoutesTheRouterServes) {
  auto doc = nlohmann::json::parse(kOpenApiJson);
  ASSERT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : router_.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    served.insert({route.pattern, method});
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern << " is not documented";
    const auto& path = doc["paths"][route.pattern];
    ASSERT_TRUE(path.contains(method))
        << route.method << " " << route.pattern << " is not documented";
    const auto& op = path[method];
    EXPECT_TRUE(op.contains("operationId")) << route.pattern;
    if (route.roles.empty()) continue;
    ASSERT_TRUE(op.contains("x-roles")) << route.method << " " << route.pattern;
    std::vector<std::string> documented = op["x-roles"];
    std::vector<std::string> required = route.roles;
    std::sort(documented.begin(), documented.end());
    std::sort(required.begin(), required.end());
    EXPECT_EQ(documented, required) << route.method << " " << route.pattern;
    ASSERT_TRUE(op.contains("security")) << route.method << " " << route.pattern;
    // Every staff operation takes an API token or the console's session cookie.
    EXPECT_EQ(op["security"],
              nlohmann::json::parse(R"([{"bearerAuth": []}, {"consoleSession": []}])"))
        << route.method << " " << route.pattern;
  }
  for (const auto& [pattern, item] : doc["paths"].items()) {
    for (const auto& [method, _] : item.items()) {
      if (method == "parameters") continue;
      EXPECT_TRUE(served.count({pattern, method}))
          << method << " " << pattern << " is documented but not served";
    }
  }
}

// The routes that honour Idempotency-Key are exactly the operations documenting it, and each
// documents what the header adds: 409 (in use), 422 (reused) and Idempotent-Replayed on success.
TEST_F(ApiRoutesTest, DocumentsIdempotencyKeyOnExactlyTheIdempotentRoutes) {
  const auto doc = nlohmann::json::parse(kOpenApiJson);
  const nlohmann::json key_ref = {{"$ref", "#/components/parameters/IdempotencyKey"}};
  int idempotent_routes = 0;
  for (const auto& route : router_.routes()) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const auto& op = doc.at("paths").at(route.pattern).at(method);
    const auto params = op.value("parameters", nlohmann::json::array());
    const bool documented = std::find(params.begin(), params.end(), key_ref) != params.end();
    EXPECT_EQ(documented, route.idempotent) << route.method << " " << route.pattern;
    if (!route.idempotent) continue;
    ++idempotent_routes;
    EXPECT_EQ(route.method, "POST") << route.pattern;
    const auto& responses = op.at("responses");
    EXPECT_TRUE(responses.contains("409")) << route.pattern;
    // 422 is a shared response that documents `idempotency_key_reused` (alone, or beside the
    // route's own 422, as for refused submissions).
    std::string ref = responses.value("422", nlohmann::json::object()).value("$ref", "");
    const std::string prefix = "#/components/responses/";
    ASSERT_TRUE(ref.starts_with(prefix)) << route.pattern;
    std::string described =
        doc.at("components").at("responses").at(ref.substr(prefix.size())).at("description");
    EXPECT_NE(described.find("`idempotency_key_reused`"), std::string::npos) << route.pattern;
    bool replay_documented = false;
    for (const auto& [status, response] : responses.items()) {
      if (status.front() == '2' && response.contains("headers") &&
          response["headers"].contains("Idempotent-Replayed")) {
        replay_documented = true;
      }
    }
    EXPECT_TRUE(replay_documented) << route.pattern << ": no success response has "
                                   << "Idempotent-Replayed";
  }
  EXPECT_GE(idempotent_routes, 1);
}

}  // namespace
}  // namespace privacyd
