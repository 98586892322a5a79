#include "store/store_conformance_test.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <tuple>
#include <vector>

namespace privacyd {

void StoreConformance::SetUp() {
  std::string pattern = ::testing::TempDir() + "store_conformance_XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  store_ = OpenMigrated();
  ASSERT_NE(store_, nullptr);
}

void StoreConformance::TearDown() {
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::unique_ptr<Store> StoreConformance::OpenMigrated() {
  auto opened = GetParam().open(dir_);
  if (!opened.ok()) {
    ADD_FAILURE() << "open: " << opened.error().code() << ": " << opened.error().message();
    return nullptr;
  }
  std::unique_ptr<Store> store = std::move(opened).value();
  Status migrated = store->Migrate();
  if (!migrated.ok()) {
    ADD_FAILURE() << "migrate: " << migrated.error().code() << ": " << migrated.error().message();
    return nullptr;
  }
  return store;
}

namespace {

constexpr Micros kT0 = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr Micros kSecond = kMicrosPerSecond;

// Records have no operator==; tests compare their fields as tuples (which gtest prints).
auto Fields(const SubjectRecord& r) {
  return std::tie(r.id, r.created_at, r.erased_at, r.restricted_at);
}
auto Fields(const IdentityRecord& r) {
  return std::tie(r.subject_id, r.kind, r.blind_index, r.sealed_value, r.created_at);
}
auto Fields(const AttributeRecord& r) {
  return std::tie(r.id, r.subject_id, r.name, r.sealed_value, r.provenance, r.created_at);
}
auto Fields(const DataKeyRecord& r) { return std::tie(r.subject_id, r.master_key_id, r.wrapped); }
auto Fields(const AuditRecord& r) {
  return std::tie(r.seq, r.time, r.actor, r.role, r.action, r.object, r.purpose, r.request_id,
                  r.detail, r.prev_hash, r.hash);
}
auto Fields(const UserRecord& r) {
  return std::tie(r.id, r.name, r.role, r.password_hash, r.disabled, r.created_at);
}
auto Fields(const TokenRecord& r) {
  return std::tie(r.id, r.user_id, r.secret_hash, r.label, r.created_at, r.expires_at,
                  r.revoked_at);
}
auto Fields(const StaffSessionRecord& r) {
  return std::tie(r.id, r.user_id, r.secret_hash, r.method, r.created_at, r.last_used_at,
                  r.expires_at, r.ended_at, r.ended_reason);
}
auto Fields(const JobRecord& r) {
  return std::tie(r.id, r.kind, r.payload, r.dedupe_key, r.state, r.attempts, r.max_attempts,
                  r.run_at, r.created_at, r.updated_at, r.claimed_by, r.heartbeat_at, r.last_error);
}
auto Fields(const IdempotencyRecord& r) {
  return std::tie(r.principal, r.key, r.fingerprint, r.state, r.status, r.content_type, r.headers,
                  r.body, r.created_at, r.expires_at);
}
template <class T>
auto Fields(const std::vector<T>& rows) {
  std::vector<decltype(std::apply([](const auto&... f) { return std::make_tuple(f...); },
                                  Fields(rows.front())))>
      out;
  for (const T& row : rows) {
    out.push_back(std::apply([](const auto&... f) { return std::make_tuple(f...); }, Fields(row)));
  }
  return out;
}

template <class R>
::testing::AssertionResult IsError(const R& result, ErrorKind kind, const std::string& code) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded, expected " << code;
  if (result.error().kind() != kind || result.error().code() != code) {
    return ::testing::AssertionFailure()
           << "got " << ErrorKindName(result.error().kind()) << "/" << result.error().code() << " ("
           << result.error().message() << "), expected " << ErrorKindName(kind) << "/" << code;
  }
  return ::testing::AssertionSuccess();
}

template <class R>
::testing::AssertionResult IsOk(const R& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ErrorKindName(result.error().kind()) << "/"
                                       << result.error().code() << ": " << result.error().message();
}

SubjectRecord Subject(const std::string& id, Micros at = kT0) { return {id, at, std::nullopt}; }

AuditRecord Audit(int64_t seq, Micros time, const std::string& actor, const std::string& action,
                  const std::string& object) {
  AuditRecord r;
  r.seq = seq;
  r.time = time;
  r.actor = actor;
  r.role = "support_agent";
  r.action = action;
  r.object = object;
  r.purpose = "support";
  r.request_id = "req-" + std::to_string(seq);
  r.detail = "{\"n\":" + std::to_string(seq) + "}";
  r.prev_hash = seq == 1 ? "" : "prev" + std::to_string(seq - 1);
  r.hash = "hash" + std::to_string(seq);
  return r;
}

JobRecord Job(const std::string& kind, Micros run_at, const std::string& dedupe_key = "") {
  JobRecord job;
  job.kind = kind;
  job.payload = "{\"kind\":\"" + kind + "\"}";
  job.dedupe_key = dedupe_key;
  job.max_attempts = 5;
  job.run_at = run_at;
  job.created_at = kT0;
  job.updated_at = kT0;
  return job;
}

// Subjects.

TEST_P(StoreConformance, SubjectRoundTripsAndDuplicateIdIsRefused) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1", 5)); }),
                      ErrorKind::kAlreadyExists, "subject_exists"));

  auto got = ReadValue<std::optional<SubjectRecord>>(*store_,
                                                     [](Tx& tx) { return tx.GetSubject("sub_1"); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(Fields(**got), Fields(Subject("sub_1")));

  auto missing = ReadValue<std::optional<SubjectRecord>>(
      *store_, [](Tx& tx) { return tx.GetSubject("sub_nobody"); });
  ASSERT_TRUE(IsOk(missing));
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformance, MarkSubjectErasedSetsTimeOrReportsMissingSubject) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  ASSERT_TRUE(
      IsOk(store_->Write([](Tx& tx) { return tx.MarkSubjectErased("sub_1", kT0 + 7 * kSecond); })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.MarkSubjectErased("sub_x", kT0); }),
                      ErrorKind::kNotFound, "subject_not_found"));
  auto got = ReadValue<std::optional<SubjectRecord>>(*store_,
                                                     [](Tx& tx) { return tx.GetSubject("sub_1"); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->erased_at, std::optional<Micros>(kT0 + 7 * kSecond));
}

TEST_P(StoreConformance, RestrictionIsSetAndLiftedOrReportsMissingSubject) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  auto restricted = [&]() {
    return (*ReadValue<std::optional<SubjectRecord>>(*store_,
                                                     [](Tx& tx) { return tx.GetSubject("sub_1"); }))
        ->restricted_at;
  };
  EXPECT_EQ(restricted(), std::nullopt);
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.SetSubjectRestricted("sub_1", kT0); })));
  EXPECT_EQ(restricted(), std::optional<Micros>(kT0));
  ASSERT_TRUE(
      IsOk(store_->Write([](Tx& tx) { return tx.SetSubjectRestricted("sub_1", std::nullopt); })));
  EXPECT_EQ(restricted(), std::nullopt);
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.SetSubjectRestricted("sub_x", kT0); }),
                      ErrorKind::kNotFound, "subject_not_found"));
}

TEST_P(StoreConformance, JobsAreListedByKindStateAndCursor) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (const char* kind : {"mail.send", "other", "mail.send", "referral.email", "mail.send"}) {
      PD_RETURN_IF_ERROR(StatusOf(tx.EnqueueJob(Job(kind, kT0))));
    }
    PD_ASSIGN_OR_RETURN(auto claimed, tx.ClaimJob({"referral.email"}, "w", kT0, kSecond));
    return tx.FailJob(claimed->id, "w", kT0, "smtp_rejected: 550", std::nullopt);
  })));
  auto ids = [&](std::vector<std::string> kinds, std::optional<JobState> state, int64_t after,
                 int limit) {
    std::vector<int64_t> out;
    auto jobs = ReadValue<std::vector<JobRecord>>(
        *store_, [&](Tx& tx) { return tx.ListJobsOfKinds(kinds, state, after, limit); });
    EXPECT_TRUE(IsOk(jobs));
    for (const auto& j : *jobs) out.push_back(j.id);
    return out;
  };
  EXPECT_EQ(ids({"mail.send", "referral.email"}, std::nullopt, 0, 10),
            (std::vector<int64_t>{1, 3, 4, 5}));
  EXPECT_EQ(ids({"mail.send", "referral.email"}, std::nullopt, 3, 2), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(ids({"mail.send", "referral.email"}, JobState::kDead, 0, 10),
            (std::vector<int64_t>{4}));
  EXPECT_EQ(ids({"other"}, JobState::kQueued, 0, 10), (std::vector<int64_t>{2}));
  EXPECT_TRUE(IsError(
      store_->Read([](Tx& tx) { return StatusOf(tx.ListJobsOfKinds({}, std::nullopt, 0, 10)); }),
      ErrorKind::kInvalidArgument, "invalid_job_kinds"));
}

TEST_P(StoreConformance, JobsAreListedByThePrefixOfTheirKey) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (const char* key :
         {"requests.mail:req_1:a", "requests.mail:req_12:b", "requests.mail:req_1:c",
          "requests.mail:req_2:d", "", "requests.mail;x"}) {
      JobRecord job = Job("requests.mail", kT0);
      job.dedupe_key = key;
      PD_RETURN_IF_ERROR(StatusOf(tx.EnqueueJob(job)));
    }
    return Ok();
  })));
  auto keys = [&](const std::string& prefix, int limit) {
    std::vector<std::string> out;
    auto jobs = ReadValue<std::vector<JobRecord>>(
        *store_, [&](Tx& tx) { return tx.ListJobsWithKeyPrefix(prefix, limit); });
    EXPECT_TRUE(IsOk(jobs));
    for (const auto& j : *jobs) out.push_back(j.dedupe_key);
    return out;
  };
  EXPECT_EQ(keys("requests.mail:req_1:", 10),
            (std::vector<std::string>{"requests.mail:req_1:a", "requests.mail:req_1:c"}));
  EXPECT_EQ(keys("requests.mail:req_1", 10),
            (std::vector<std::string>{"requests.mail:req_1:a", "requests.mail:req_12:b",
                                      "requests.mail:req_1:c"}));
  EXPECT_EQ(keys("requests.mail:", 2),
            (std::vector<std::string>{"requests.mail:req_1:a", "requests.mail:req_12:b"}));
  EXPECT_TRUE(keys("requests.mail:req_3", 10).empty());
  EXPECT_TRUE(
      IsError(store_->Read([](Tx& tx) { return StatusOf(tx.ListJobsWithKeyPrefix("", 10)); }),
              ErrorKind::kInvalidArgument, "invalid_job_key"));
}

TEST_P(StoreConformance, ASubjectIsFoundByIdentityAndItsEarliestSuppressionInOneLookup) {
  SubjectRecord subject = Subject("sub_1");
  subject.regime = "gdpr";
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(subject));
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_2")));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_1", "email", "e1", "s", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_1", "phone", "p1", "s", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_2", "email", "e2", "s", kT0}));
    PD_RETURN_IF_ERROR(tx.AddSuppression({"phone", "p1", "objection", kT0 + 5 * kSecond}));
    PD_RETURN_IF_ERROR(tx.AddSuppression({"email", "e1", "complaint", kT0 + 9 * kSecond}));
    // Same bytes, other kind: not this subject's.
    return tx.AddSuppression({"phone", "e1", "objection", kT0 + kSecond});
  })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto found, tx.FindSubjectRecordByIdentity("email", "e1"));
    EXPECT_TRUE(found.has_value());
    if (found) {
      EXPECT_EQ(found->id, "sub_1");
      EXPECT_EQ(found->regime, "gdpr");
    }
    PD_ASSIGN_OR_RETURN(auto none, tx.FindSubjectRecordByIdentity("phone", "e1"));
    EXPECT_FALSE(none.has_value());
    PD_ASSIGN_OR_RETURN(auto first, tx.EarliestSuppressionOfSubject("sub_1"));
    EXPECT_EQ(first, std::optional<Micros>(kT0 + 5 * kSecond));
    PD_ASSIGN_OR_RETURN(auto clean, tx.EarliestSuppressionOfSubject("sub_2"));
    EXPECT_EQ(clean, std::nullopt);
    return Ok();
  })));
}

TEST_P(StoreConformance, EveryConsentRelevantChangeIsLoggedInOrderAndPrunable) {
  ConsentEventRecord event;
  event.subject_id = "sub_1";
  event.target = "topic:news";
  event.action = "grant";
  event.created_at = kT0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_1")));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_1", "email", "e1", "sealed", kT0}));
    PD_RETURN_IF_ERROR(StatusOf(tx.AppendConsentEvent(event)));
    PD_RETURN_IF_ERROR(tx.AddSuppression({"email", "x9", "objection", kT0}));
    PD_RETURN_IF_ERROR(tx.SetSubjectRestricted("sub_1", kT0));
    PD_RETURN_IF_ERROR(tx.SetSubjectRegime("sub_1", "gdpr"));
    return tx.MarkSubjectErased("sub_1", kT0);
  })));
  // Writes that cannot change a verdict are not logged.
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.PutMeta("m", "v"));
    return StatusOf(tx.InsertAttribute({0, "sub_1", "name", "sealed", "{}", kT0}));
  })));
  using Row = std::tuple<std::string, std::string, std::string>;
  std::vector<Row> rows;
  std::vector<int64_t> seqs;
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto changes, tx.ListConsentChanges(0, 100));
    for (const auto& c : changes) {
      rows.emplace_back(c.subject_id, c.kind, c.blind_index);
      seqs.push_back(c.seq);
    }
    PD_ASSIGN_OR_RETURN(int64_t last, tx.LastConsentChange());
    EXPECT_EQ(last, seqs.empty() ? -1 : seqs.back());
    return Ok();
  })));
  EXPECT_EQ(rows, (std::vector<Row>{{"sub_1", "", ""},
                                    {"sub_1", "email", "e1"},
                                    {"sub_1", "", ""},
                                    {"", "email", "x9"},
                                    {"sub_1", "", ""},
                                    {"sub_1", "", ""},
                                    {"sub_1", "", ""}}));
  ASSERT_EQ(seqs.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(int64_t pruned, tx.PruneConsentChanges(seqs[4]));
    EXPECT_EQ(pruned, 5);
    return Ok();
  })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto rest, tx.ListConsentChanges(0, 100));
    EXPECT_EQ(rest.size(), 2u);
    PD_ASSIGN_OR_RETURN(auto after, tx.ListConsentChanges(seqs[5], 100));
    EXPECT_EQ(after.size(), 1u);
    PD_ASSIGN_OR_RETURN(auto limited, tx.ListConsentChanges(0, 1));
    EXPECT_EQ(limited.size(), 1u);
    EXPECT_TRUE(IsError(StatusOf(tx.ListConsentChanges(0, 0)), ErrorKind::kInvalidArgument,
                        "invalid_limit"));
    return Ok();
  })));
  // Pruning everything keeps the last seq.
  ASSERT_TRUE(
      IsOk(store_->Write([&](Tx& tx) { return StatusOf(tx.PruneConsentChanges(seqs.back())); })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(int64_t last, tx.LastConsentChange());
    EXPECT_EQ(last, seqs.back());
    return Ok();
  })));
}

TEST_P(StoreConformance, DeleteIdentityRemovesExactlyThatIdentity) {
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_1")));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_1", "email", "e1", "s", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_1", "email_pending", "e1", "s", kT0}));
    return tx.DeleteIdentity("email_pending", "e1");
  })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.DeleteIdentity("email", "e2"); }),
                      ErrorKind::kNotFound, "identity_not_found"));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto left, tx.ListIdentities("sub_1"));
    EXPECT_EQ(left.size(), 1u);
    if (!left.empty()) {
      EXPECT_EQ(left[0].kind, "email");
    }
    return Ok();
  })));
}

TEST_P(StoreConformance, ScansPassEveryRowInTheirOrderAndStopOnAnError) {
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    for (const char* id : {"sub_b", "sub_a", "sub_c"})
      PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_a", "phone", "p1", "sealed", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_b", "email", "e2", "sealed", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertIdentity({"sub_a", "email", "e1", "sealed", kT0}));
    ConsentEventRecord e;
    e.target = "marketing";
    e.action = "object";
    for (const char* id : {"sub_b", "sub_a", "sub_b"}) {
      e.subject_id = id;
      PD_RETURN_IF_ERROR(StatusOf(tx.AppendConsentEvent(e)));
    }
    return tx.AddSuppression({"email", "e2", "objection", kT0 + kSecond});
  })));
  std::vector<std::string> subjects, identities, events, suppressions;
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.ScanSubjects([&](const SubjectRecord& s) {
      subjects.push_back(s.id);
      return Ok();
    }));
    PD_RETURN_IF_ERROR(tx.ScanIdentityIndexes([&](const IdentityRecord& i) {
      EXPECT_EQ(i.sealed_value, "");
      identities.push_back(i.kind + ":" + i.blind_index + ":" + i.subject_id);
      return Ok();
    }));
    PD_RETURN_IF_ERROR(tx.ScanConsentEvents([&](const ConsentEventRecord& e) {
      events.push_back(e.subject_id + "#" + std::to_string(e.seq));
      return Ok();
    }));
    return tx.ScanSuppressions([&](const SuppressionRecord& s) {
      suppressions.push_back(s.kind + ":" + s.blind_index + ":" + s.reason);
      EXPECT_EQ(s.created_at, kT0 + kSecond);
      return Ok();
    });
  })));
  EXPECT_EQ(subjects, (std::vector<std::string>{"sub_a", "sub_b", "sub_c"}));
  EXPECT_EQ(identities,
            (std::vector<std::string>{"email:e1:sub_a", "email:e2:sub_b", "phone:p1:sub_a"}));
  EXPECT_EQ(events, (std::vector<std::string>{"sub_a#2", "sub_b#1", "sub_b#3"}));
  EXPECT_EQ(suppressions, (std::vector<std::string>{"email:e2:objection"}));
  int seen = 0;
  EXPECT_TRUE(IsError(store_->Read([&](Tx& tx) {
    return tx.ScanSubjects([&](const SubjectRecord&) -> Status {
      if (++seen == 2) return Error(ErrorKind::kInternal, "stop", "stop");
      return Ok();
    });
  }),
                      ErrorKind::kInternal, "stop"));
  EXPECT_EQ(seen, 2);
}

TEST_P(StoreConformance, SubjectRegimeIsStoredAndChanged) {
  SubjectRecord subject = Subject("sub_1");
  subject.regime = "ccpa";
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) { return tx.InsertSubject(subject); })));
  auto regime = [&]() {
    return (*ReadValue<std::optional<SubjectRecord>>(*store_,
                                                     [](Tx& tx) { return tx.GetSubject("sub_1"); }))
        ->regime;
  };
  EXPECT_EQ(regime(), "ccpa");
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.SetSubjectRegime("sub_1", "gdpr"); })));
  EXPECT_EQ(regime(), "gdpr");
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.SetSubjectRegime("sub_x", "gdpr"); }),
                      ErrorKind::kNotFound, "subject_not_found"));
}

TEST_P(StoreConformance, ConsentEventsAreAppendedInOrderPerSubjectWithEveryField) {
  ConsentEventRecord grant;
  grant.subject_id = "sub_1";
  grant.target = "topic:newsletter";
  grant.action = "grant";
  grant.method = "collection_form";
  grant.regime = "gdpr";
  grant.statement_version = "2026-11";
  grant.notice_hash = "ab12";
  grant.language = "de";
  grant.country = "DE";
  grant.user_agent = "firefox";
  grant.request_id = "req_1";
  grant.actor = "subject:sub_1";
  grant.evidence = R"({"point":"contact"})";
  grant.created_at = kT0;
  ConsentEventRecord other = grant;
  other.subject_id = "sub_2";
  ConsentEventRecord withdraw = grant;
  withdraw.action = "withdraw";
  withdraw.method = "one_click";
  withdraw.created_at = kT0 + kSecond;
  std::vector<int64_t> seqs;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    for (const auto* e : {&grant, &other, &withdraw}) {
      PD_ASSIGN_OR_RETURN(int64_t seq, tx.AppendConsentEvent(*e));
      seqs.push_back(seq);
    }
    return Ok();
  })));
  ASSERT_EQ(seqs.size(), 3u);
  EXPECT_LT(seqs[0], seqs[1]);
  EXPECT_LT(seqs[1], seqs[2]);
  auto events = ReadValue<std::vector<ConsentEventRecord>>(
      *store_, [](Tx& tx) { return tx.ListConsentEvents("sub_1"); });
  ASSERT_TRUE(IsOk(events));
  ASSERT_EQ(events->size(), 2u);
  const ConsentEventRecord& first = (*events)[0];
  EXPECT_EQ(first.seq, seqs[0]);
  EXPECT_EQ(first.target, "topic:newsletter");
  EXPECT_EQ(first.action, "grant");
  EXPECT_EQ(first.method, "collection_form");
  EXPECT_EQ(first.regime, "gdpr");
  EXPECT_EQ(first.statement_version, "2026-11");
  EXPECT_EQ(first.notice_hash, "ab12");
  EXPECT_EQ(first.language, "de");
  EXPECT_EQ(first.country, "DE");
  EXPECT_EQ(first.user_agent, "firefox");
  EXPECT_EQ(first.request_id, "req_1");
  EXPECT_EQ(first.actor, "subject:sub_1");
  EXPECT_EQ(first.evidence, R"({"point":"contact"})");
  EXPECT_EQ(first.created_at, kT0);
  EXPECT_EQ((*events)[1].seq, seqs[2]);
  EXPECT_EQ((*events)[1].action, "withdraw");
  EXPECT_EQ((*events)[1].method, "one_click");
}

TEST_P(StoreConformance, IdentitiesOfAKindArePagedBySubject) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (const char* id : {"sub_3", "sub_1", "sub_2"}) {
      PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
      PD_RETURN_IF_ERROR(tx.InsertIdentity({id, "email", std::string("e-") + id, "sealed", kT0}));
    }
    return tx.InsertIdentity({"sub_2", "phone", "p-sub_2", "sealed", kT0});
  })));
  auto page = [&](const std::string& after, int limit) {
    std::vector<std::string> subjects;
    auto got = ReadValue<std::vector<IdentityRecord>>(
        *store_, [&](Tx& tx) { return tx.ListIdentitiesOfKind("email", after, limit); });
    EXPECT_TRUE(IsOk(got));
    for (const auto& identity : *got) {
      EXPECT_EQ(identity.kind, "email");
      subjects.push_back(identity.subject_id);
    }
    return subjects;
  };
  EXPECT_EQ(page("", 2), (std::vector<std::string>{"sub_1", "sub_2"}));
  EXPECT_EQ(page("sub_2", 2), (std::vector<std::string>{"sub_3"}));
  EXPECT_EQ(page("sub_3", 2), (std::vector<std::string>{}));
}

TEST_P(StoreConformance, SuppressionsAreKeptOncePerIdentityWhateverTheSubject) {
  const std::string index("\x00\xffobj", 5);
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) {
    return tx.AddSuppression({"email", index, "objection", kT0});
  })));
  // A second objection of the same identity keeps the first record.
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) {
    return tx.AddSuppression({"email", index, "other", kT0 + kSecond});
  })));
  auto found = ReadValue<std::optional<SuppressionRecord>>(
      *store_, [&](Tx& tx) { return tx.FindSuppression("email", index); });
  ASSERT_TRUE(IsOk(found));
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->blind_index, index);
  EXPECT_EQ((*found)->reason, "objection");
  EXPECT_EQ((*found)->created_at, kT0);
  auto other_kind = ReadValue<std::optional<SuppressionRecord>>(
      *store_, [&](Tx& tx) { return tx.FindSuppression("phone", index); });
  ASSERT_TRUE(IsOk(other_kind));
  EXPECT_FALSE(other_kind->has_value());
}

TEST_P(StoreConformance, TheSuppressionListIsPagedInKeyOrder) {
  // Blind indexes are raw bytes: NUL and 0xff must order as bytes, not as text.
  const std::vector<SuppressionRecord> rows = {
      {"phone", std::string("\x00\x01", 2), "objection", kT0},
      {"email", std::string("\xff", 1), "objection", kT0 + kSecond},
      {"email", std::string("\x00\xff", 2), "complaint", kT0 + 2 * kSecond},
      {"email", std::string("\x00", 1), "objection", kT0 + 3 * kSecond},
      {"customer_id", "c", "objection", kT0 + 4 * kSecond}};
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    for (const auto& r : rows) PD_RETURN_IF_ERROR(tx.AddSuppression(r));
    return Ok();
  })));
  std::vector<std::string> seen;
  std::string after_kind, after_index;
  for (int page = 0; page < 4; ++page) {
    auto got = ReadValue<std::vector<SuppressionRecord>>(
        *store_, [&](Tx& tx) { return tx.ListSuppressions(after_kind, after_index, 2); });
    ASSERT_TRUE(IsOk(got));
    if (got->empty()) break;
    for (const auto& r : *got) seen.push_back(r.kind + ":" + r.blind_index);
    after_kind = got->back().kind;
    after_index = got->back().blind_index;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"customer_id:c", "email:" + std::string("\x00", 1),
                                            "email:" + std::string("\x00\xff", 2), "email:\xff",
                                            "phone:" + std::string("\x00\x01", 2)}));
  auto count = ReadValue<int64_t>(*store_, [](Tx& tx) { return tx.CountSuppressions(); });
  ASSERT_TRUE(IsOk(count));
  EXPECT_EQ(*count, 5);
}

TEST_P(StoreConformance, AReferralIsKeptOnceAndLosesItsAddressWhenSent) {
  const std::string index("\x01ref\x00", 5);
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) {
    return tx.InsertReferral({index, "sub_1", "referral",
                              std::string("sealed\x00"
                                          "addr",
                                          11),
                              kT0, std::nullopt});
  })));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) {
    return tx.InsertReferral({index, "sub_1", "referral", "again", kT0, std::nullopt});
  }),
                      ErrorKind::kAlreadyExists, "referral_exists"));
  auto get = [&]() {
    return **ReadValue<std::optional<ReferralRecord>>(
        *store_, [&](Tx& tx) { return tx.GetReferral(index); });
  };
  EXPECT_EQ(get().sealed_address, std::string("sealed\x00"
                                              "addr",
                                              11));
  EXPECT_EQ(get().sent_at, std::nullopt);
  ASSERT_TRUE(
      IsOk(store_->Write([&](Tx& tx) { return tx.MarkReferralSent(index, kT0 + kSecond); })));
  EXPECT_EQ(get().sealed_address, "");
  EXPECT_EQ(get().sent_at, std::optional<Micros>(kT0 + kSecond));
  EXPECT_EQ(get().referrer_id, "sub_1");
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.MarkReferralSent("nope", kT0); }),
                      ErrorKind::kNotFound, "referral_not_found"));
}

// Identities.

TEST_P(StoreConformance, IdentitiesAreFoundByKindAndBlindIndex) {
  // Blind indexes and sealed values are raw bytes, NULs included.
  const std::string index_a("\x00\x01\xff\x80idx", 7);
  const std::string sealed("\x00sealed\xfe", 8);
  IdentityRecord email{"sub_1", "email", index_a, sealed, kT0};
  IdentityRecord phone{"sub_1", "phone", index_a, "p", kT0 + 1};  // same index, other kind
  IdentityRecord other{"sub_2", "email", std::string("\x00\x02", 2), "o", kT0};
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_1")));
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_2")));
    PD_RETURN_IF_ERROR(tx.InsertIdentity(email));
    PD_RETURN_IF_ERROR(tx.InsertIdentity(phone));
    return tx.InsertIdentity(other);
  })));

  IdentityRecord taken{"sub_2", "email", index_a, "x", kT0};
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.InsertIdentity(taken); }),
                      ErrorKind::kAlreadyExists, "identity_exists"));

  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    auto found = tx.FindSubjectByIdentity("email", index_a);
    EXPECT_TRUE(IsOk(found));
    EXPECT_EQ(*found, std::optional<std::string>("sub_1"));
    auto found_other = tx.FindSubjectByIdentity("email", std::string("\x00\x02", 2));
    EXPECT_EQ(*found_other, std::optional<std::string>("sub_2"));
    auto none = tx.FindSubjectByIdentity("email", std::string("\x00", 1));
    EXPECT_TRUE(IsOk(none));
    EXPECT_EQ(*none, std::nullopt);
    auto listed = tx.ListIdentities("sub_1");
    EXPECT_TRUE(IsOk(listed));
    EXPECT_EQ(Fields(*listed), Fields(std::vector<IdentityRecord>{email, phone}));
    auto empty = tx.ListIdentities("sub_none");
    EXPECT_TRUE(empty->empty());
    return Ok();
  })));
}

// Attributes, data keys and erasure.

TEST_P(StoreConformance, AttributesGetIncreasingIdsAndListInOrder) {
  AttributeRecord name{0, "sub_1", "name", "sealed-name", "{\"source\":\"form\"}", kT0};
  AttributeRecord company{0, "sub_1", "company", std::string("\x00\x01", 2), "{}", kT0 + 1};
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  auto first = WriteValue<int64_t>(*store_, [&](Tx& tx) { return tx.InsertAttribute(name); });
  auto second = WriteValue<int64_t>(*store_, [&](Tx& tx) { return tx.InsertAttribute(company); });
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(IsOk(second));
  EXPECT_GT(*second, *first);
  name.id = *first;
  company.id = *second;

  auto listed = ReadValue<std::vector<AttributeRecord>>(
      *store_, [](Tx& tx) { return tx.ListAttributes("sub_1"); });
  ASSERT_TRUE(IsOk(listed));
  EXPECT_EQ(Fields(*listed), Fields(std::vector<AttributeRecord>{name, company}));
}

TEST_P(StoreConformance, DataKeysAreReplacedAndListedByOtherMasterKey) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (const char* id : {"sub_c", "sub_a", "sub_b", "sub_d"}) {
      PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
    }
    PD_RETURN_IF_ERROR(tx.PutDataKey({"sub_c", "mk1", "wrap-c"}));
    PD_RETURN_IF_ERROR(tx.PutDataKey({"sub_a", "mk1", "wrap-a"}));
    PD_RETURN_IF_ERROR(tx.PutDataKey({"sub_b", "mk2", "wrap-b"}));
    return tx.PutDataKey({"sub_d", "mk1", "wrap-d"});
  })));
  // Re-wrapping replaces the key.
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) {
    return tx.PutDataKey({"sub_a", "mk2", std::string("\x00wrap-a2", 8)});
  })));

  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    auto a = tx.GetDataKey("sub_a");
    EXPECT_TRUE(IsOk(a));
    EXPECT_TRUE(a->has_value());
    EXPECT_EQ(Fields(**a), Fields(DataKeyRecord{"sub_a", "mk2", std::string("\x00wrap-a2", 8)}));
    EXPECT_EQ(*tx.GetDataKey("sub_none"), std::nullopt);

    auto stale = tx.ListDataKeysNotWrappedBy("mk2", 10);
    EXPECT_TRUE(IsOk(stale));
    EXPECT_EQ(Fields(*stale), Fields(std::vector<DataKeyRecord>{{"sub_c", "mk1", "wrap-c"},
                                                                {"sub_d", "mk1", "wrap-d"}}));
    auto limited = tx.ListDataKeysNotWrappedBy("mk3", 2);
    EXPECT_EQ(Fields(*limited),
              Fields(std::vector<DataKeyRecord>{{"sub_a", "mk2", std::string("\x00wrap-a2", 8)},
                                                {"sub_b", "mk2", "wrap-b"}}));
    EXPECT_TRUE(IsError(tx.ListDataKeysNotWrappedBy("mk3", 0), ErrorKind::kInvalidArgument,
                        "invalid_limit"));
    return Ok();
  })));
}

TEST_P(StoreConformance, AnErasureWithExemptionsDeletesValueByValue) {
  int64_t keep = 0;
  int64_t drop = 0;
  int64_t other = 0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    for (const char* id : {"sub_1", "sub_2"}) {
      PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
      PD_RETURN_IF_ERROR(
          tx.InsertIdentity({id, "email", std::string("bi-") + id, "sealed-email", kT0}));
      PD_RETURN_IF_ERROR(tx.PutDataKey({id, "mk1", "wrapped"}));
    }
    PD_ASSIGN_OR_RETURN(keep, tx.InsertAttribute({0, "sub_1", "invoice", "s-inv", "{}", kT0}));
    PD_ASSIGN_OR_RETURN(drop, tx.InsertAttribute({0, "sub_1", "name", "s-name", "{}", kT0}));
    PD_ASSIGN_OR_RETURN(other, tx.InsertAttribute({0, "sub_2", "name", "s-2", "{}", kT0}));
    PD_RETURN_IF_ERROR(tx.InsertReferral({"r-sent", "sub_1", "referral", "a1", kT0, std::nullopt}));
    PD_RETURN_IF_ERROR(
        tx.InsertReferral({"r-open", "sub_1", "referral", "a2", kT0 + 1, std::nullopt}));
    PD_RETURN_IF_ERROR(tx.InsertReferral({"r-else", "sub_2", "referral", "a3", kT0, std::nullopt}));
    return tx.MarkReferralSent("r-sent", kT0 + 2);
  })));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.DeleteAttribute("sub_1", drop));
    PD_RETURN_IF_ERROR(tx.UpdateAttribute({keep, "sub_1", "ignored", "s-inv2", "{\"r\":1}", 99}));
    PD_RETURN_IF_ERROR(tx.ClearIdentityValue("sub_1", "email"));
    PD_ASSIGN_OR_RETURN(int64_t cleared, tx.DeleteReferralAddresses("sub_1"));
    EXPECT_EQ(cleared, 1);
    return tx.DeleteDataKey("sub_1");
  })));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.DeleteAttribute("sub_1", other); }),
                      ErrorKind::kNotFound, "attribute_not_found"));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) {
    return tx.UpdateAttribute({other, "sub_1", "name", "x", "{}", kT0});
  }),
                      ErrorKind::kNotFound, "attribute_not_found"));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.ClearIdentityValue("sub_1", "phone"); }),
                      ErrorKind::kNotFound, "identity_not_found"));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    auto attributes = tx.ListAttributes("sub_1");
    EXPECT_EQ(attributes->size(), 1u);
    EXPECT_EQ(attributes->at(0).id, keep);
    EXPECT_EQ(attributes->at(0).name, "invoice");
    EXPECT_EQ(attributes->at(0).sealed_value, "s-inv2");
    EXPECT_EQ(attributes->at(0).provenance, "{\"r\":1}");
    EXPECT_EQ(attributes->at(0).created_at, kT0);
    EXPECT_EQ(tx.ListIdentities("sub_1")->at(0).sealed_value, "");
    EXPECT_EQ(*tx.GetDataKey("sub_1"), std::nullopt);
    auto referrals = tx.ListReferralsBy("sub_1");
    EXPECT_EQ(referrals->size(), 2u);
    EXPECT_EQ(referrals->at(0).blind_index, "r-sent");
    EXPECT_EQ(referrals->at(1).blind_index, "r-open");
    EXPECT_EQ(referrals->at(1).sealed_address, "");
    EXPECT_EQ(referrals->at(1).sent_at, std::nullopt);
    // The other subject keeps everything.
    EXPECT_EQ(tx.ListAttributes("sub_2")->size(), 1u);
    EXPECT_EQ(tx.ListIdentities("sub_2")->at(0).sealed_value, "sealed-email");
    EXPECT_TRUE(tx.GetDataKey("sub_2")->has_value());
    EXPECT_EQ(tx.ListReferralsBy("sub_2")->at(0).sealed_address, "a3");
    return Ok();
  })));
}

TEST_P(StoreConformance, DeleteSubjectDataRemovesOnlyThatSubjectsData) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (const char* id : {"sub_1", "sub_2"}) {
      PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
      PD_RETURN_IF_ERROR(
          tx.InsertIdentity({id, "email", std::string("bi-") + id, "sealed-email", kT0}));
      PD_RETURN_IF_ERROR(StatusOf(tx.InsertAttribute({0, id, "name", "sealed-name", "{}", kT0})));
      PD_RETURN_IF_ERROR(tx.PutDataKey({id, "mk1", "wrapped"}));
    }
    return Ok();
  })));
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.DeleteSubjectData("sub_1"); })));

  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    EXPECT_TRUE(tx.ListAttributes("sub_1")->empty());
    EXPECT_EQ(*tx.GetDataKey("sub_1"), std::nullopt);
    auto ids = tx.ListIdentities("sub_1");
    EXPECT_EQ(Fields(*ids),
              Fields(std::vector<IdentityRecord>{{"sub_1", "email", "bi-sub_1", "", kT0}}));
    EXPECT_EQ(*tx.FindSubjectByIdentity("email", "bi-sub_1"), std::optional<std::string>("sub_1"));
    // The other subject keeps everything.
    EXPECT_EQ(tx.ListAttributes("sub_2")->size(), 1u);
    EXPECT_TRUE(tx.GetDataKey("sub_2")->has_value());
    EXPECT_EQ(tx.ListIdentities("sub_2")->at(0).sealed_value, "sealed-email");
    // The subject row itself stays.
    EXPECT_TRUE(tx.GetSubject("sub_1")->has_value());
    return Ok();
  })));
}

// Meta.

TEST_P(StoreConformance, MetaIsInsertedAndReplaced) {
  const std::string wrapped("\x00\x01key\xff", 6);
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) { return tx.PutMeta("blind_index_key", "v1"); })));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) { return tx.PutMeta("blind_index_key", wrapped); })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(*tx.GetMeta("blind_index_key"), std::optional<std::string>(wrapped));
    EXPECT_EQ(*tx.GetMeta("missing"), std::nullopt);
    return Ok();
  })));
}

// Audit.

TEST_P(StoreConformance, AuditAppendsInSeqOrderAndRefusesTakenSeq) {
  auto empty =
      ReadValue<std::optional<AuditRecord>>(*store_, [](Tx& tx) { return tx.LastAudit(); });
  ASSERT_TRUE(IsOk(empty));
  EXPECT_EQ(*empty, std::nullopt);

  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.AppendAudit(Audit(1, kT0, "alice", "subject.read", "subject:s1")));
    return tx.AppendAudit(Audit(2, kT0 + 1, "bob", "subject.update", "subject:s2"));
  })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) {
    return tx.AppendAudit(Audit(2, kT0 + 2, "mallory", "subject.read", "subject:s1"));
  }),
                      ErrorKind::kAlreadyExists, "audit_seq_exists"));

  auto last = ReadValue<std::optional<AuditRecord>>(*store_, [](Tx& tx) { return tx.LastAudit(); });
  ASSERT_TRUE(IsOk(last));
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(Fields(**last), Fields(Audit(2, kT0 + 1, "bob", "subject.update", "subject:s2")));
}

TEST_P(StoreConformance, ListAuditFiltersAndPagesWithCursor) {
  // seq i at kT0 + i seconds; actors alternate, objects cycle over three, actions over two.
  std::vector<AuditRecord> all;
  for (int64_t seq = 1; seq <= 12; ++seq) {
    all.push_back(Audit(seq, kT0 + seq * kSecond, seq % 2 == 0 ? "alice" : "bob",
                        seq % 3 == 0 ? "subject.erase" : "subject.read",
                        "subject:s" + std::to_string(seq % 3)));
  }
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    for (const AuditRecord& r : all) PD_RETURN_IF_ERROR(tx.AppendAudit(r));
    return Ok();
  })));
  auto list = [&](const AuditQuery& q) {
    auto r = ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) { return tx.ListAudit(q); });
    EXPECT_TRUE(IsOk(r));
    std::vector<int64_t> seqs;
    if (r.ok()) {
      for (const AuditRecord& a : *r) seqs.push_back(a.seq);
    }
    return seqs;
  };
  using Seqs = std::vector<int64_t>;

  {
    AuditQuery q;
    auto r = ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) { return tx.ListAudit(q); });
    ASSERT_TRUE(IsOk(r));
    EXPECT_EQ(Fields(*r), Fields(all));  // every field back, in seq order
  }
  {
    AuditQuery q;
    q.after_seq = 9;
    EXPECT_EQ(list(q), (Seqs{10, 11, 12}));
  }
  {
    AuditQuery q;
    q.limit = 5;
    EXPECT_EQ(list(q), (Seqs{1, 2, 3, 4, 5}));
    // Paging with the cursor visits every entry once.
    Seqs paged;
    for (;;) {
      Seqs page = list(q);
      if (page.empty()) break;
      paged.insert(paged.end(), page.begin(), page.end());
      q.after_seq = page.back();
    }
    EXPECT_EQ(paged.size(), 12u);
    EXPECT_EQ(paged.front(), 1);
    EXPECT_EQ(paged.back(), 12);
  }
  {
    AuditQuery q;
    q.since = kT0 + 3 * kSecond;  // inclusive
    q.until = kT0 + 6 * kSecond;  // exclusive
    EXPECT_EQ(list(q), (Seqs{3, 4, 5}));
  }
  {
    AuditQuery q;
    q.actor = "alice";
    EXPECT_EQ(list(q), (Seqs{2, 4, 6, 8, 10, 12}));
  }
  {
    AuditQuery q;
    q.object = "subject:s1";
    EXPECT_EQ(list(q), (Seqs{1, 4, 7, 10}));
  }
  {
    AuditQuery q;
    q.action = "subject.erase";
    EXPECT_EQ(list(q), (Seqs{3, 6, 9, 12}));
  }
  {
    AuditQuery q;  // all filters together
    q.actor = "alice";
    q.action = "subject.erase";
    q.object = "subject:s0";
    q.since = kT0 + 1 * kSecond;
    q.until = kT0 + 12 * kSecond;
    q.after_seq = 2;
    EXPECT_EQ(list(q), (Seqs{6}));
  }
  {
    AuditQuery q;
    q.actor = "nobody";
    EXPECT_EQ(list(q), Seqs{});
  }
  {
    AuditQuery q;
    q.limit = 0;
    auto r = ReadValue<std::vector<AuditRecord>>(*store_, [&](Tx& tx) { return tx.ListAudit(q); });
    EXPECT_TRUE(IsError(r, ErrorKind::kInvalidArgument, "invalid_limit"));
  }
}

// Users and tokens.

TEST_P(StoreConformance, UsersAreUniqueByNameAndUpdatable) {
  UserRecord bob{"usr_2", "bob", "support_agent", "", false, kT0 + 1};
  UserRecord alice{"usr_1", "alice", "admin", "$argon2id$v=19$...", false, kT0};
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertUser(bob));
    return tx.InsertUser(alice);
  })));
  UserRecord alice_again{"usr_3", "alice", "auditor", "", false, kT0};
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.InsertUser(alice_again); }),
                      ErrorKind::kAlreadyExists, "user_exists"));

  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.SetUserDisabled("usr_2", true));
    return tx.SetUserPassword("usr_2", "$argon2id$new");
  })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.SetUserDisabled("usr_9", true); }),
                      ErrorKind::kNotFound, "user_not_found"));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.SetUserPassword("usr_9", "h"); }),
                      ErrorKind::kNotFound, "user_not_found"));

  bob.disabled = true;
  bob.password_hash = "$argon2id$new";
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Fields(**tx.GetUserByName("alice")), Fields(alice));
    EXPECT_EQ(Fields(**tx.GetUserById("usr_2")), Fields(bob));
    EXPECT_EQ(*tx.GetUserByName("carol"), std::nullopt);
    EXPECT_EQ(*tx.GetUserById("usr_9"), std::nullopt);
    EXPECT_EQ(Fields(*tx.ListUsers()), Fields(std::vector<UserRecord>{alice, bob}));
    return Ok();
  })));
}

TEST_P(StoreConformance, TokensAreListedPerUserAndRevoked) {
  TokenRecord t2{"tok_b", "usr_1", "hash-b", "ci", kT0, kT0 + 3600 * kSecond, std::nullopt};
  TokenRecord t1{"tok_a", "usr_1", "hash-a", "laptop", kT0, std::nullopt, std::nullopt};
  TokenRecord t3{"tok_c", "usr_2", "hash-c", "", kT0, std::nullopt, std::nullopt};
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertUser({"usr_1", "alice", "admin", "", false, kT0}));
    PD_RETURN_IF_ERROR(tx.InsertUser({"usr_2", "bob", "auditor", "", false, kT0}));
    PD_RETURN_IF_ERROR(tx.InsertToken(t2));
    PD_RETURN_IF_ERROR(tx.InsertToken(t1));
    return tx.InsertToken(t3);
  })));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.InsertToken(t1); }),
                      ErrorKind::kAlreadyExists, "token_exists"));
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.RevokeToken("tok_a", kT0 + 60); })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.RevokeToken("tok_z", kT0); }),
                      ErrorKind::kNotFound, "token_not_found"));

  t1.revoked_at = kT0 + 60;
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Fields(**tx.GetToken("tok_a")), Fields(t1));
    EXPECT_EQ(*tx.GetToken("tok_z"), std::nullopt);
    EXPECT_EQ(Fields(*tx.ListTokens("usr_1")), Fields(std::vector<TokenRecord>{t1, t2}));
    EXPECT_EQ(Fields(*tx.ListTokens("")), Fields(std::vector<TokenRecord>{t1, t2, t3}));
    EXPECT_TRUE(tx.ListTokens("usr_9")->empty());
    return Ok();
  })));
}

TEST_P(StoreConformance, StaffSessionsAreTouchedEndedOnceListedAndDeleted) {
  const Micros hour = 3600 * kSecond;
  StaffSessionRecord s2{"ses_b", "usr_1",         "hash-b",     "token", kT0 + 5,
                        kT0 + 5, kT0 + 12 * hour, std::nullopt, ""};
  StaffSessionRecord s1{"ses_a", "usr_1",         "hash-a",     "password", kT0,
                        kT0,     kT0 + 12 * hour, std::nullopt, ""};
  StaffSessionRecord s3{"ses_c", "usr_2",         "hash-c",     "password", kT0 + 5,
                        kT0 + 5, kT0 + 12 * hour, std::nullopt, ""};
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertStaffSession(s2));
    PD_RETURN_IF_ERROR(tx.InsertStaffSession(s1));
    return tx.InsertStaffSession(s3);
  })));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.InsertStaffSession(s1); }),
                      ErrorKind::kAlreadyExists, "session_exists"));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.TouchStaffSession("ses_a", kT0 + 60 * kSecond));
    return tx.EndStaffSession("ses_b", kT0 + 90 * kSecond, "signed_out");
  })));
  // A session ends once: the first reason stays.
  EXPECT_TRUE(
      IsError(store_->Write([&](Tx& tx) { return tx.EndStaffSession("ses_b", kT0, "disabled"); }),
              ErrorKind::kNotFound, "session_not_found"));
  for (auto op : std::vector<std::function<Status(Tx&)>>{
           [](Tx& tx) { return tx.TouchStaffSession("ses_z", kT0); },
           [](Tx& tx) { return tx.EndStaffSession("ses_z", kT0, "expired"); },
           [](Tx& tx) { return tx.DeleteStaffSession("ses_z"); }}) {
    EXPECT_TRUE(IsError(store_->Write(op), ErrorKind::kNotFound, "session_not_found"));
  }

  s1.last_used_at = kT0 + 60 * kSecond;
  s2.ended_at = kT0 + 90 * kSecond;
  s2.ended_reason = "signed_out";
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Fields(**tx.GetStaffSession("ses_a")), Fields(s1));
    EXPECT_EQ(Fields(**tx.GetStaffSession("ses_b")), Fields(s2));
    EXPECT_EQ(*tx.GetStaffSession("ses_z"), std::nullopt);
    EXPECT_EQ(Fields(*tx.ListStaffSessions("usr_1")),
              Fields(std::vector<StaffSessionRecord>{s1, s2}));
    EXPECT_EQ(Fields(*tx.ListStaffSessions("")),
              Fields(std::vector<StaffSessionRecord>{s1, s2, s3}));
    EXPECT_TRUE(tx.ListStaffSessions("usr_9")->empty());
    return Ok();
  })));
  EXPECT_TRUE(IsError(store_->Read([](Tx& tx) { return tx.TouchStaffSession("ses_a", kT0); }),
                      ErrorKind::kFailedPrecondition, "read_only_transaction"));

  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.DeleteStaffSession("ses_a"); })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(*tx.GetStaffSession("ses_a"), std::nullopt);
    EXPECT_EQ(Fields(*tx.ListStaffSessions("")), Fields(std::vector<StaffSessionRecord>{s2, s3}));
    return Ok();
  })));
}

// Jobs.

TEST_P(StoreConformance, EnqueueStoresAQueuedJobAndDedupesByKey) {
  JobRecord job = Job("export", kT0 + 10, "export:sub_1");
  job.attempts = 3;          // ignored
  job.claimed_by = "ghost";  // ignored
  auto id = WriteValue<int64_t>(*store_, [&](Tx& tx) { return tx.EnqueueJob(job); });
  ASSERT_TRUE(IsOk(id));
  auto again = WriteValue<int64_t>(
      *store_, [&](Tx& tx) { return tx.EnqueueJob(Job("export", kT0 + 99, "export:sub_1")); });
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(*again, *id);
  // Jobs without a key never collide.
  auto plain1 = WriteValue<int64_t>(*store_, [](Tx& tx) { return tx.EnqueueJob(Job("mail", 0)); });
  auto plain2 = WriteValue<int64_t>(*store_, [](Tx& tx) { return tx.EnqueueJob(Job("mail", 0)); });
  ASSERT_TRUE(IsOk(plain1));
  ASSERT_TRUE(IsOk(plain2));
  EXPECT_NE(*plain1, *plain2);

  JobRecord expected = Job("export", kT0 + 10, "export:sub_1");
  expected.id = *id;
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    auto got = tx.GetJob(*id);
    EXPECT_TRUE(IsOk(got));
    EXPECT_TRUE(got->has_value());
    EXPECT_EQ(Fields(**got), Fields(expected));
    EXPECT_EQ(*tx.GetJob(*id + 1000), std::nullopt);
    EXPECT_EQ(*tx.CountJobs(JobState::kQueued), 3);
    EXPECT_EQ(*tx.CountJobs(JobState::kRunning), 0);
    return Ok();
  })));
}

TEST_P(StoreConformance, ClaimTakesEarliestDueJobOfTheGivenKinds) {
  int64_t late = 0, early = 0, future = 0, other_kind = 0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(late, tx.EnqueueJob(Job("export", kT0 + 20)));
    PD_ASSIGN_OR_RETURN(early, tx.EnqueueJob(Job("export", kT0 + 10)));
    PD_ASSIGN_OR_RETURN(future, tx.EnqueueJob(Job("export", kT0 + 1000)));
    PD_ASSIGN_OR_RETURN(other_kind, tx.EnqueueJob(Job("mail", kT0)));
    return Ok();
  })));
  const Micros now = kT0 + 30;
  const Micros lease = 60 * kSecond;
  auto claim = [&](std::vector<std::string> kinds, const std::string& worker, Micros at) {
    return WriteValue<std::optional<JobRecord>>(
        *store_, [&](Tx& tx) { return tx.ClaimJob(kinds, worker, at, lease); });
  };

  auto first = claim({"export"}, "w1", now);
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(first->has_value());
  JobRecord expected = Job("export", kT0 + 10);
  expected.id = early;
  expected.state = JobState::kRunning;
  expected.attempts = 1;
  expected.updated_at = now;
  expected.claimed_by = "w1";
  expected.heartbeat_at = now;
  EXPECT_EQ(Fields(**first), Fields(expected));

  auto second = claim({"export", "import"}, "w2", now);
  ASSERT_TRUE(IsOk(second));
  EXPECT_EQ((*second)->id, late);
  // The remaining export job is not due before its run_at.
  auto none = claim({"export"}, "w3", now);
  ASSERT_TRUE(IsOk(none));
  EXPECT_EQ(*none, std::nullopt);
  auto at_run_at = claim({"export"}, "w3", kT0 + 1000);
  ASSERT_TRUE(IsOk(at_run_at));
  ASSERT_TRUE(at_run_at->has_value());
  EXPECT_EQ((*at_run_at)->id, future);
  // No kinds = any kind.
  auto any = claim({}, "w4", now);
  ASSERT_TRUE(IsOk(any));
  ASSERT_TRUE(any->has_value());
  EXPECT_EQ((*any)->id, other_kind);
  EXPECT_EQ(*claim({}, "w4", now), std::nullopt);
}

TEST_P(StoreConformance, ExpiredLeaseLetsAnotherWorkerClaim) {
  int64_t id = 0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(id, tx.EnqueueJob(Job("erase", kT0)));
    return Ok();
  })));
  const Micros lease = 30 * kSecond;
  auto claim = [&](const std::string& worker, Micros at) {
    return WriteValue<std::optional<JobRecord>>(
        *store_, [&](Tx& tx) { return tx.ClaimJob({"erase"}, worker, at, lease); });
  };
  ASSERT_TRUE(claim("w1", kT0)->has_value());
  // A heartbeat keeps the lease alive.
  ASSERT_TRUE(
      IsOk(store_->Write([&](Tx& tx) { return tx.HeartbeatJob(id, "w1", kT0 + 20 * kSecond); })));
  EXPECT_EQ(*claim("w2", kT0 + 40 * kSecond), std::nullopt);
  // Silence longer than the lease: w1 is presumed dead.
  auto stolen = claim("w2", kT0 + 51 * kSecond);
  ASSERT_TRUE(IsOk(stolen));
  ASSERT_TRUE(stolen->has_value());
  EXPECT_EQ((*stolen)->id, id);
  EXPECT_EQ((*stolen)->claimed_by, "w2");
  EXPECT_EQ((*stolen)->attempts, 2);
  EXPECT_EQ((*stolen)->heartbeat_at, kT0 + 51 * kSecond);
  // The old worker can no longer touch it.
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.CompleteJob(id, "w1", kT0 + 52); }),
                      ErrorKind::kFailedPrecondition, "job_not_claimed"));
}

TEST_P(StoreConformance, OnlyTheClaimingWorkerMayHeartbeatCompleteOrFail) {
  int64_t id = 0, unclaimed = 0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(id, tx.EnqueueJob(Job("export", kT0)));
    PD_ASSIGN_OR_RETURN(unclaimed, tx.EnqueueJob(Job("mail", kT0 + 1000)));
    return StatusOf(tx.ClaimJob({"export"}, "w1", kT0, kSecond));
  })));
  const std::vector<std::function<Status(Tx&)>> by_wrong_worker = {
      [&](Tx& tx) { return tx.HeartbeatJob(id, "w2", kT0 + 1); },
      [&](Tx& tx) { return tx.CompleteJob(id, "w2", kT0 + 1); },
      [&](Tx& tx) { return tx.FailJob(id, "w2", kT0 + 1, "boom", std::nullopt); },
      [&](Tx& tx) { return tx.HeartbeatJob(unclaimed, "w1", kT0 + 1); },
      [&](Tx& tx) { return tx.CompleteJob(unclaimed, "w1", kT0 + 1); },
      [&](Tx& tx) { return tx.FailJob(unclaimed, "w1", kT0 + 1, "boom", kT0 + 5); },
      [&](Tx& tx) { return tx.CompleteJob(id + 1000, "w1", kT0 + 1); },
  };
  for (size_t i = 0; i < by_wrong_worker.size(); ++i) {
    EXPECT_TRUE(IsError(store_->Write(by_wrong_worker[i]), ErrorKind::kFailedPrecondition,
                        "job_not_claimed"))
        << "case " << i;
  }
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) { return tx.CompleteJob(id, "w1", kT0 + 2); })));
  // Done is final: completing again is refused.
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.CompleteJob(id, "w1", kT0 + 3); }),
                      ErrorKind::kFailedPrecondition, "job_not_claimed"));
  auto done = ReadValue<std::optional<JobRecord>>(*store_, [&](Tx& tx) { return tx.GetJob(id); });
  ASSERT_TRUE(IsOk(done));
  EXPECT_EQ((*done)->state, JobState::kDone);
  EXPECT_EQ((*done)->updated_at, kT0 + 2);
}

TEST_P(StoreConformance, FailJobRequeuesWithRetryAtOrBuriesWithout) {
  int64_t retried = 0, buried = 0;
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(retried, tx.EnqueueJob(Job("a", kT0)));
    PD_ASSIGN_OR_RETURN(buried, tx.EnqueueJob(Job("b", kT0)));
    return Ok();
  })));
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(StatusOf(tx.ClaimJob({"a"}, "w1", kT0, kSecond)));
    PD_RETURN_IF_ERROR(StatusOf(tx.ClaimJob({"b"}, "w1", kT0, kSecond)));
    PD_RETURN_IF_ERROR(tx.FailJob(retried, "w1", kT0 + 5, "smtp timeout", kT0 + 60 * kSecond));
    return tx.FailJob(buried, "w1", kT0 + 6, "bad payload", std::nullopt);
  })));

  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    auto a = **tx.GetJob(retried);
    EXPECT_EQ(a.state, JobState::kQueued);
    EXPECT_EQ(a.run_at, kT0 + 60 * kSecond);
    EXPECT_EQ(a.last_error, "smtp timeout");
    EXPECT_EQ(a.attempts, 1);
    EXPECT_EQ(a.updated_at, kT0 + 5);
    auto b = **tx.GetJob(buried);
    EXPECT_EQ(b.state, JobState::kDead);
    EXPECT_EQ(b.last_error, "bad payload");
    EXPECT_EQ(*tx.CountJobs(JobState::kQueued), 1);
    EXPECT_EQ(*tx.CountJobs(JobState::kDead), 1);
    EXPECT_EQ(*tx.CountJobs(JobState::kRunning), 0);
    EXPECT_EQ(*tx.CountJobs(JobState::kDone), 0);
    auto dead = tx.ListJobs(JobState::kDead, 10);
    EXPECT_EQ(dead->size(), 1u);
    EXPECT_EQ(dead->at(0).id, buried);
    auto all = tx.ListJobs(std::nullopt, 10);
    EXPECT_EQ(all->size(), 2u);
    EXPECT_EQ(all->at(0).id, retried);
    EXPECT_EQ(tx.ListJobs(std::nullopt, 1)->size(), 1u);
    EXPECT_TRUE(
        IsError(tx.ListJobs(std::nullopt, 0), ErrorKind::kInvalidArgument, "invalid_limit"));
    return Ok();
  })));
  // Requeued: not claimable before retry_at, claimable at it.
  auto early = WriteValue<std::optional<JobRecord>>(
      *store_, [](Tx& tx) { return tx.ClaimJob({"a"}, "w2", kT0 + 59 * kSecond, kSecond); });
  EXPECT_EQ(*early, std::nullopt);
  auto on_time = WriteValue<std::optional<JobRecord>>(
      *store_, [](Tx& tx) { return tx.ClaimJob({"a"}, "w2", kT0 + 60 * kSecond, kSecond); });
  ASSERT_TRUE(on_time->has_value());
  EXPECT_EQ((*on_time)->attempts, 2);
  // Dead jobs are never claimed again.
  auto from_dead = WriteValue<std::optional<JobRecord>>(
      *store_, [](Tx& tx) { return tx.ClaimJob({"b"}, "w2", kT0 + 3600 * kSecond, kSecond); });
  EXPECT_EQ(*from_dead, std::nullopt);
}

// Idempotency keys.

IdempotencyRecord Pending(const std::string& principal, const std::string& key,
                          Micros created_at = kT0, Micros expires_at = kT0 + 3600 * kSecond) {
  IdempotencyRecord r;
  r.principal = principal;
  r.key = key;
  r.fingerprint = "POST /v1/things " + key;
  r.created_at = created_at;
  r.expires_at = expires_at;
  return r;
}

IdempotencyRecord Completed(IdempotencyRecord r) {
  r.state = IdempotencyState::kCompleted;
  r.status = 201;
  r.content_type = "application/json";
  r.headers = R"([["Location","/v1/things/1"]])";
  r.body = std::string("{\"id\":1}\0\xff", 10);  // bytes, not only text
  return r;
}

TEST_P(StoreConformance, InsertIdempotencyKeyInsertsOnceAndReturnsTheExistingRecord) {
  const IdempotencyRecord first = Pending("usr_1", "key-1");
  auto inserted = WriteValue<std::optional<IdempotencyRecord>>(
      *store_, [&](Tx& tx) { return tx.InsertIdempotencyKey(first); });
  ASSERT_TRUE(IsOk(inserted));
  EXPECT_EQ(*inserted, std::nullopt);

  IdempotencyRecord other = Pending("usr_1", "key-1", kT0 + 5);
  other.fingerprint = "something else";
  auto existing = WriteValue<std::optional<IdempotencyRecord>>(
      *store_, [&](Tx& tx) { return tx.InsertIdempotencyKey(other); });
  ASSERT_TRUE(IsOk(existing));
  ASSERT_TRUE(existing->has_value());
  EXPECT_EQ(Fields(**existing), Fields(first));

  // The same key of another principal, and another key of the same principal, are separate.
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto a, tx.InsertIdempotencyKey(Pending("usr_2", "key-1")));
    PD_ASSIGN_OR_RETURN(auto b, tx.InsertIdempotencyKey(Pending("usr_1", "key-2")));
    EXPECT_EQ(a, std::nullopt);
    EXPECT_EQ(b, std::nullopt);
    return Ok();
  })));
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    EXPECT_EQ(Fields(**tx.GetIdempotencyKey("usr_1", "key-1")), Fields(first));
    EXPECT_EQ(Fields(**tx.GetIdempotencyKey("usr_2", "key-1")), Fields(Pending("usr_2", "key-1")));
    EXPECT_EQ(*tx.GetIdempotencyKey("usr_3", "key-1"), std::nullopt);
    return Ok();
  })));
}

TEST_P(StoreConformance, CompleteIdempotencyKeyStoresTheResponseOfTheInProgressRecordOnly) {
  ASSERT_TRUE(IsOk(store_->Write(
      [](Tx& tx) { return StatusOf(tx.InsertIdempotencyKey(Pending("usr_1", "k"))); })));
  // Another use of the key (a different created_at) must not complete this one.
  IdempotencyRecord stale = Completed(Pending("usr_1", "k", kT0 - 1));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(stale); }),
                      ErrorKind::kFailedPrecondition, "idempotency_key_not_in_progress"));
  IdempotencyRecord unknown = Completed(Pending("usr_9", "k"));
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(unknown); }),
                      ErrorKind::kFailedPrecondition, "idempotency_key_not_in_progress"));

  IdempotencyRecord done = Completed(Pending("usr_1", "k"));
  IdempotencyRecord request = done;
  request.fingerprint = "ignored";
  request.expires_at = 1;  // ignored
  ASSERT_TRUE(IsOk(store_->Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(request); })));
  auto got = ReadValue<std::optional<IdempotencyRecord>>(
      *store_, [](Tx& tx) { return tx.GetIdempotencyKey("usr_1", "k"); });
  ASSERT_TRUE(IsOk(got));
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(Fields(**got), Fields(done));
  // Completed is final.
  EXPECT_TRUE(IsError(store_->Write([&](Tx& tx) { return tx.CompleteIdempotencyKey(request); }),
                      ErrorKind::kFailedPrecondition, "idempotency_key_not_in_progress"));
}

TEST_P(StoreConformance, DeleteIdempotencyKeyDeletesOnlyTheGivenUse) {
  ASSERT_TRUE(IsOk(store_->Write(
      [](Tx& tx) { return StatusOf(tx.InsertIdempotencyKey(Pending("usr_1", "k"))); })));
  EXPECT_TRUE(
      IsError(store_->Write([](Tx& tx) { return tx.DeleteIdempotencyKey("usr_1", "k", 7); }),
              ErrorKind::kNotFound, "idempotency_key_not_found"));
  EXPECT_TRUE(
      IsError(store_->Write([](Tx& tx) { return tx.DeleteIdempotencyKey("usr_2", "k", kT0); }),
              ErrorKind::kNotFound, "idempotency_key_not_found"));
  ASSERT_TRUE(
      IsOk(store_->Write([](Tx& tx) { return tx.DeleteIdempotencyKey("usr_1", "k", kT0); })));
  // The key is free again.
  auto again = WriteValue<std::optional<IdempotencyRecord>>(
      *store_, [](Tx& tx) { return tx.InsertIdempotencyKey(Pending("usr_1", "k", kT0 + 1)); });
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(*again, std::nullopt);
}

TEST_P(StoreConformance, DeleteExpiredIdempotencyKeysIsBoundedAndTakesTheEarliestFirst) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    for (int i = 0; i < 5; ++i) {
      // Expiring at kT0 + 5, + 4, ... + 1: insertion order is not expiry order.
      PD_RETURN_IF_ERROR(StatusOf(
          tx.InsertIdempotencyKey(Pending("usr_1", "old-" + std::to_string(i), kT0, kT0 + 5 - i))));
    }
    return StatusOf(tx.InsertIdempotencyKey(Pending("usr_1", "fresh", kT0, kT0 + 100)));
  })));
  auto deleted = WriteValue<int64_t>(
      *store_, [](Tx& tx) { return tx.DeleteExpiredIdempotencyKeys(kT0 + 5, 2); });
  ASSERT_TRUE(IsOk(deleted));
  EXPECT_EQ(*deleted, 2);
  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    EXPECT_EQ(*tx.GetIdempotencyKey("usr_1", "old-4"), std::nullopt);  // expired at kT0 + 1
    EXPECT_EQ(*tx.GetIdempotencyKey("usr_1", "old-3"), std::nullopt);  // expired at kT0 + 2
    EXPECT_TRUE(tx.GetIdempotencyKey("usr_1", "old-2")->has_value());
    return Ok();
  })));
  // expires_at == now counts as expired; later ones stay.
  auto rest = WriteValue<int64_t>(
      *store_, [](Tx& tx) { return tx.DeleteExpiredIdempotencyKeys(kT0 + 5, 10); });
  EXPECT_EQ(*rest, 3);
  auto none = WriteValue<int64_t>(
      *store_, [](Tx& tx) { return tx.DeleteExpiredIdempotencyKeys(kT0 + 99, 10); });
  EXPECT_EQ(*none, 0);
  EXPECT_TRUE(IsError(
      store_->Write([](Tx& tx) { return StatusOf(tx.DeleteExpiredIdempotencyKeys(kT0, 0)); }),
      ErrorKind::kInvalidArgument, "invalid_limit"));
  auto fresh = ReadValue<std::optional<IdempotencyRecord>>(
      *store_, [](Tx& tx) { return tx.GetIdempotencyKey("usr_1", "fresh"); });
  EXPECT_TRUE(fresh->has_value());
}

// Transactions.

TEST_P(StoreConformance, WriteReturnsTheFnErrorUnchangedAndRollsItBack) {
  Status s = store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_rolled_back")));
    return Error(ErrorKind::kPermissionDenied, "custom_code", "custom message");
  });
  ASSERT_TRUE(IsError(s, ErrorKind::kPermissionDenied, "custom_code"));
  EXPECT_EQ(s.error().message(), "custom message");
  auto got = ReadValue<std::optional<SubjectRecord>>(
      *store_, [](Tx& tx) { return tx.GetSubject("sub_rolled_back"); });
  EXPECT_EQ(*got, std::nullopt);
}

TEST_P(StoreConformance, FnMayRecoverFromAFailedStatement) {
  // A refused insert does not spoil the rest of the fn (dedupe-by-insert patterns rely on it).
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_1")); })));
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    Status dup = tx.InsertSubject(Subject("sub_1"));
    if (dup.ok() || dup.error().kind() != ErrorKind::kAlreadyExists) return dup;
    return tx.InsertSubject(Subject("sub_2"));
  })));
  auto got = ReadValue<std::optional<SubjectRecord>>(*store_,
                                                     [](Tx& tx) { return tx.GetSubject("sub_2"); });
  EXPECT_TRUE(got->has_value());
}

TEST_P(StoreConformance, ConcurrentWritesAreIsolatedFromEachOthersFailures) {
  constexpr int kThreads = 32;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[i] = store_->Write([i](Tx& tx) -> Status {
        const std::string id = "sub_" + std::to_string(i);
        PD_RETURN_IF_ERROR(tx.InsertSubject(Subject(id)));
        PD_RETURN_IF_ERROR(tx.InsertIdentity({id, "email", "bi-" + id, "sealed", kT0}));
        if (i % 4 == 0) return Error(ErrorKind::kInvalidArgument, "planned_failure", "planned");
        if (i % 4 == 1) {
          // Fails in SQL rather than in the fn: the identity of another thread's subject.
          Status dup = tx.InsertIdentity({id, "email", "bi-" + id, "again", kT0});
          if (!dup.ok()) return dup;
        }
        return Ok();
      });
    });
  }
  for (auto& t : threads) t.join();

  for (int i = 0; i < kThreads; ++i) {
    if (i % 4 == 0) {
      EXPECT_TRUE(IsError(results[i], ErrorKind::kInvalidArgument, "planned_failure")) << i;
    } else if (i % 4 == 1) {
      EXPECT_TRUE(IsError(results[i], ErrorKind::kAlreadyExists, "identity_exists")) << i;
    } else {
      EXPECT_TRUE(IsOk(results[i])) << i;
    }
  }
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    for (int i = 0; i < kThreads; ++i) {
      const std::string id = "sub_" + std::to_string(i);
      const bool kept = i % 4 >= 2;
      EXPECT_EQ(tx.GetSubject(id)->has_value(), kept) << id;
      EXPECT_EQ(tx.ListIdentities(id)->size(), kept ? 1u : 0u) << id;
    }
    return Ok();
  })));
  StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.writes, static_cast<uint64_t>(kThreads / 2));
  EXPECT_EQ(stats.write_failures, static_cast<uint64_t>(kThreads / 2));
}

TEST_P(StoreConformance, PolicyVersionsAreKeptNewestFirstAndUnique) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertPolicyVersion({"2024-08", kT0, kT0 + 10, "a: 1\n", false, "[]"}));
    return tx.InsertPolicyVersion(
        {"2025-01", kT0 + 5, kT0 + 20, "a: 2\n", true, R"([{"clause":"x"}])"});
  })));
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) {
    return tx.InsertPolicyVersion({"2024-08", kT0, kT0 + 30, "other", false, "[]"});
  }),
                      ErrorKind::kAlreadyExists, "policy_version_exists"));
  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(auto all, tx.ListPolicyVersions());
    EXPECT_EQ(all.size(), 2u);
    if (all.size() == 2) {
      EXPECT_EQ(all[0].version, "2025-01");
      EXPECT_TRUE(all[0].material);
      EXPECT_EQ(all[0].changes, R"([{"clause":"x"}])");
      EXPECT_EQ(all[0].effective_date, kT0 + 5);
      EXPECT_EQ(all[1].version, "2024-08");
      EXPECT_EQ(all[1].source, "a: 1\n");
      EXPECT_EQ(all[1].applied_at, kT0 + 10);
    }
    PD_ASSIGN_OR_RETURN(auto one, tx.GetPolicyVersion("2024-08"));
    EXPECT_TRUE(one.has_value() && !one->material);
    PD_ASSIGN_OR_RETURN(auto none, tx.GetPolicyVersion("1999-01"));
    EXPECT_FALSE(none.has_value());
    return Ok();
  })));
}

TEST_P(StoreConformance, ReadTransactionRefusesEveryWrite) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_1")));
    return tx.InsertUser({"usr_1", "alice", "admin", "", false, kT0});
  })));
  const std::vector<std::function<Status(Tx&)>> writes = {
      [](Tx& tx) { return tx.InsertSubject(Subject("sub_2")); },
      [](Tx& tx) { return tx.MarkSubjectErased("sub_1", kT0); },
      [](Tx& tx) {
        return tx.InsertIdentity({"sub_1", "email", "bi", "s", kT0});
      },
      [](Tx& tx) {
        return StatusOf(tx.InsertAttribute({0, "sub_1", "name", "s", "{}", kT0}));
      },
      [](Tx& tx) { return tx.DeleteSubjectData("sub_1"); },
      [](Tx& tx) {
        return tx.PutDataKey({"sub_1", "mk", "w"});
      },
      [](Tx& tx) { return tx.PutMeta("k", "v"); },
      [](Tx& tx) { return tx.AppendAudit(Audit(1, kT0, "a", "b", "c")); },
      [](Tx& tx) {
        return tx.InsertUser({"usr_2", "bob", "admin", "", false, kT0});
      },
      [](Tx& tx) { return tx.SetUserDisabled("usr_1", true); },
      [](Tx& tx) { return tx.SetUserPassword("usr_1", "h"); },
      [](Tx& tx) {
        return tx.InsertToken({"tok", "usr_1", "h", "", kT0, {}, {}});
      },
      [](Tx& tx) { return tx.RevokeToken("tok", kT0); },
      [](Tx& tx) { return tx.SetSubjectRegime("sub_1", "gdpr"); },
      [](Tx& tx) {
        return tx.InsertVerificationCode({"otp_1", "p", "bi", "", "h", kT0, kT0});
      },
      [](Tx& tx) { return tx.CountVerificationAttempt("otp_1"); },
      [](Tx& tx) { return tx.MarkVerificationCodeUsed("otp_1", kT0); },
      [](Tx& tx) { return StatusOf(tx.DeleteExpiredVerificationCodes(kT0, 1)); },
      [](Tx& tx) { return StatusOf(tx.AppendConsentEvent(ConsentEventRecord{})); },
      [](Tx& tx) { return StatusOf(tx.EnqueueJob(Job("x", kT0))); },
      [](Tx& tx) { return StatusOf(tx.ClaimJob({}, "w", kT0, kSecond)); },
      [](Tx& tx) { return tx.HeartbeatJob(1, "w", kT0); },
      [](Tx& tx) { return tx.CompleteJob(1, "w", kT0); },
      [](Tx& tx) { return tx.FailJob(1, "w", kT0, "e", std::nullopt); },
      [](Tx& tx) { return StatusOf(tx.InsertIdempotencyKey(Pending("u", "k"))); },
      [](Tx& tx) { return tx.CompleteIdempotencyKey(Completed(Pending("u", "k"))); },
      [](Tx& tx) { return tx.DeleteIdempotencyKey("u", "k", kT0); },
      [](Tx& tx) { return StatusOf(tx.DeleteExpiredIdempotencyKeys(kT0, 1)); },
      [](Tx& tx) {
        return tx.InsertPolicyVersion({"v1", kT0, kT0, "src", false, "[]"});
      },
  };
  for (size_t i = 0; i < writes.size(); ++i) {
    EXPECT_TRUE(
        IsError(store_->Read(writes[i]), ErrorKind::kFailedPrecondition, "read_only_transaction"))
        << "write method " << i;
  }
  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    EXPECT_FALSE(tx.GetSubject("sub_2")->has_value());
    EXPECT_FALSE(tx.GetSubject("sub_1").value()->erased_at.has_value());
    EXPECT_EQ(*tx.GetMeta("k"), std::nullopt);
    return Ok();
  })));
}

TEST_P(StoreConformance, ReadsRunConcurrentlyWithWrites) {
  constexpr int kWriters = 8;
  constexpr int kPerWriter = 20;
  std::atomic<bool> done{false};
  std::atomic<int> read_failures{0};
  std::thread reader([&] {
    size_t last = 0;
    while (!done.load()) {
      auto n = ReadValue<size_t>(*store_, [](Tx& tx) -> Result<size_t> {
        PD_ASSIGN_OR_RETURN(auto users, tx.ListUsers());
        return users.size();
      });
      // Committed writes never disappear from later snapshots.
      if (!n.ok() || *n < last) read_failures.fetch_add(1);
      if (n.ok()) last = *n;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = std::to_string(w) + "_" + std::to_string(i);
        EXPECT_TRUE(IsOk(store_->Write([&](Tx& tx) {
          return tx.InsertUser({"usr_" + id, "user_" + id, "auditor", "", false, kT0});
        })));
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(read_failures.load(), 0);
  auto n = ReadValue<size_t>(*store_, [](Tx& tx) -> Result<size_t> {
    PD_ASSIGN_OR_RETURN(auto users, tx.ListUsers());
    return users.size();
  });
  EXPECT_EQ(*n, static_cast<size_t>(kWriters * kPerWriter));
}

// Lifecycle and schema.

TEST_P(StoreConformance, WriteAndReadAfterCloseAreUnavailable) {
  store_->Close();
  EXPECT_TRUE(IsError(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("s")); }),
                      ErrorKind::kUnavailable, "store_closed"));
  EXPECT_TRUE(
      IsError(store_->Read([](Tx&) { return Ok(); }), ErrorKind::kUnavailable, "store_closed"));
  store_->Close();  // idempotent
}

TEST_P(StoreConformance, CloseLetsQueuedWritesComplete) {
  constexpr int kThreads = 16;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      started.fetch_add(1);
      results[i] = store_->Write(
          [i](Tx& tx) { return tx.InsertSubject(Subject("sub_" + std::to_string(i))); });
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  store_->Close();
  for (auto& t : threads) t.join();
  // Every Write either completed durably or was refused as closed; none is lost half-way.
  std::vector<int> committed;
  for (int i = 0; i < kThreads; ++i) {
    if (results[i].ok()) {
      committed.push_back(i);
    } else {
      EXPECT_TRUE(IsError(results[i], ErrorKind::kUnavailable, "store_closed")) << i;
    }
  }
  store_ = OpenMigrated();
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(IsOk(store_->Read([&](Tx& tx) -> Status {
    for (int i = 0; i < kThreads; ++i) {
      const bool was_committed =
          std::find(committed.begin(), committed.end(), i) != committed.end();
      EXPECT_EQ(tx.GetSubject("sub_" + std::to_string(i))->has_value(), was_committed) << i;
    }
    return Ok();
  })));
}

TEST_P(StoreConformance, MigrateIsIdempotentAndReachesTheLatestVersion) {
  EXPECT_GE(store_->LatestSchemaVersion(), 1);
  auto version = store_->SchemaVersion();
  ASSERT_TRUE(IsOk(version));
  EXPECT_EQ(*version, store_->LatestSchemaVersion());
  ASSERT_TRUE(IsOk(store_->Migrate()));
  ASSERT_TRUE(IsOk(store_->Migrate()));
  EXPECT_EQ(*store_->SchemaVersion(), store_->LatestSchemaVersion());
  EXPECT_TRUE(IsOk(store_->Ping()));
}

TEST_P(StoreConformance, DataPersistsAcrossCloseAndReopen) {
  ASSERT_TRUE(IsOk(store_->Write([](Tx& tx) -> Status {
    PD_RETURN_IF_ERROR(tx.InsertSubject(Subject("sub_1")));
    PD_RETURN_IF_ERROR(tx.PutMeta("k", "v"));
    return tx.AppendAudit(Audit(1, kT0, "alice", "subject.read", "subject:sub_1"));
  })));
  store_->Close();
  store_.reset();

  store_ = OpenMigrated();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(*store_->SchemaVersion(), store_->LatestSchemaVersion());
  ASSERT_TRUE(IsOk(store_->Read([](Tx& tx) -> Status {
    EXPECT_EQ(Fields(**tx.GetSubject("sub_1")), Fields(Subject("sub_1")));
    EXPECT_EQ(*tx.GetMeta("k"), std::optional<std::string>("v"));
    EXPECT_EQ(Fields(**tx.LastAudit()),
              Fields(Audit(1, kT0, "alice", "subject.read", "subject:sub_1")));
    return Ok();
  })));
}

TEST_P(StoreConformance, StatsCountCommitsAndFillTheHistogram) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(IsOk(store_->Write(
        [i](Tx& tx) { return tx.InsertSubject(Subject("sub_" + std::to_string(i))); })));
  }
  EXPECT_FALSE(store_->Write([](Tx& tx) { return tx.InsertSubject(Subject("sub_0")); }).ok());
  StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.writes, 3u);
  EXPECT_EQ(stats.write_failures, 1u);
  EXPECT_GE(stats.commits, 1u);
  EXPECT_LE(stats.commits, 4u);
  EXPECT_EQ(stats.commit_bounds, (std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05, 0.1, 0.25, 0.5, 1}));
  ASSERT_EQ(stats.commit_buckets.size(), stats.commit_bounds.size() + 1);
  EXPECT_EQ(stats.commit_buckets.back(), stats.commits);  // +Inf counts every commit
  for (size_t i = 1; i < stats.commit_buckets.size(); ++i) {
    EXPECT_LE(stats.commit_buckets[i - 1], stats.commit_buckets[i]);  // cumulative
  }
  EXPECT_GT(stats.commit_seconds_sum, 0.0);
}

}  // namespace
}  // namespace privacyd
