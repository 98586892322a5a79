// The Store conformance suite, data subject requests (store.h RequestRecord): written against
// store.h only, run against every backend by its INSTANTIATE_TEST_SUITE_P(..., StoreConformance).
#include <tuple>

#include "store/store_conformance_test.h"

namespace privacyd {
namespace {

constexpr Micros kT0 = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
constexpr Micros kDay = 86'400LL * kMicrosPerSecond;

auto Fields(const RequestRecord& r) {
  return std::tie(r.id, r.rights, r.state, r.channel, r.regime, r.language, r.identity_kind,
                  r.blind_index, r.subject_id, r.route, r.outcome, r.agent, r.master_key_id,
                  r.wrapped_key, r.sealed_contact, r.sealed_document, r.sealed_reason, r.token_hash,
                  r.received_at, r.original_due_at, r.due_at, r.max_due_at, r.extended_at,
                  r.verified_at, r.confirmed_at, r.started_at, r.closed_at, r.created_at,
                  r.updated_at);
}

RequestRecord Request(const std::string& id, const std::string& state, Micros due,
                      std::vector<std::string> rights = {"access"},
                      const std::string& index = std::string("bi\0x", 4)) {
  RequestRecord r;
  r.id = id;
  r.rights = std::move(rights);
  r.state = state;
  r.channel = "portal";
  r.regime = "gdpr";
  r.language = "de";
  r.identity_kind = "email";
  r.blind_index = index;
  r.master_key_id = "mk";
  r.wrapped_key = std::string("w\0k", 3);
  r.sealed_contact = std::string("c\0s", 3);
  r.received_at = kT0;
  r.original_due_at = due;
  r.due_at = due;
  r.max_due_at = due + 60 * kDay;
  r.created_at = kT0;
  r.updated_at = kT0;
  return r;
}

std::vector<std::string> Ids(const std::vector<RequestRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

TEST_P(StoreConformance, RequestRoundTripsEveryFieldAndIdsAreUnique) {
  RequestRecord full = Request("req_1", "in_progress", kT0 + 31 * kDay, {"access", "erasure"});
  full.subject_id = "sub_1";
  full.route = "tenant:acme";
  full.outcome = "";
  full.agent = true;
  full.sealed_document = std::string("d\0c", 3);
  full.sealed_reason = "r";
  full.token_hash = std::string(32, '\x01');
  full.extended_at = kT0 + 2;
  full.verified_at = kT0 + 3;
  full.confirmed_at = kT0 + 4;
  full.started_at = kT0 + 5;
  full.closed_at = kT0 + 6;
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertRequest(full); }).ok());
  Status again = store_->Write([&](Tx& tx) { return tx.InsertRequest(full); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(again.error().code(), "request_exists");
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    auto got = tx.GetRequest("req_1");
                    EXPECT_TRUE(got.ok() && got->has_value());
                    if (got.ok() && got->has_value()) {
                      EXPECT_EQ(Fields(**got), Fields(full));
                    }
                    EXPECT_FALSE(tx.GetRequest("req_2").value().has_value());
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, UpdateRequestReplacesAllButIdAndCreation) {
  RequestRecord r = Request("req_1", "awaiting_verification", kT0 + 31 * kDay);
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.InsertRequest(r); }).ok());
  RequestRecord changed = r;
  changed.state = "verified";
  changed.verified_at = kT0 + 10;
  changed.token_hash = "h";
  changed.due_at = kT0 + 90 * kDay;
  changed.extended_at = kT0 + 11;
  changed.sealed_reason = "why";
  changed.updated_at = kT0 + 12;
  changed.created_at = kT0 + 999;  // ignored
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.UpdateRequest(changed); }).ok());
  changed.created_at = r.created_at;
  RequestRecord got;
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    got = **tx.GetRequest("req_1");
                    return Ok();
                  })
                  .ok());
  EXPECT_EQ(Fields(got), Fields(changed));
  Status missing = store_->Write([&](Tx& tx) {
    RequestRecord other = changed;
    other.id = "req_none";
    return tx.UpdateRequest(other);
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().code(), "request_not_found");
}

TEST_P(StoreConformance, OpenRequestsOfAnIdentityLeaveOutClosedAndOthers) {
  const std::string mine("mine", 4), theirs("theirs", 6);
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    RequestRecord a =
                        Request("req_a", "awaiting_verification", kT0, {"access"}, mine);
                    RequestRecord b = Request("req_b", "completed", kT0, {"access"}, mine);
                    RequestRecord c = Request("req_c", "in_progress", kT0, {"erasure"}, mine);
                    c.created_at = kT0 + 1;
                    RequestRecord d = Request("req_d", "verified", kT0, {"access"}, theirs);
                    RequestRecord e = Request("req_e", "withdrawn", kT0, {"access"}, mine);
                    for (const auto* r : {&a, &b, &c, &d, &e}) {
                      PD_RETURN_IF_ERROR(tx.InsertRequest(*r));
                    }
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("email", mine)),
                              (std::vector<std::string>{"req_a", "req_c"}));
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("phone", mine)),
                              std::vector<std::string>{});
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, ListRequestsFiltersByStateRightDueAndOverdueWithACursor) {
  ASSERT_TRUE(
      store_
          ->Write([&](Tx& tx) -> Status {
            PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_1", "in_progress", kT0 + 10 * kDay)));
            PD_RETURN_IF_ERROR(tx.InsertRequest(
                Request("req_2", "verified", kT0 + 5 * kDay, {"erasure", "access"})));
            PD_RETURN_IF_ERROR(
                tx.InsertRequest(Request("req_3", "completed", kT0 + 1 * kDay, {"erasure"})));
            PD_RETURN_IF_ERROR(tx.InsertRequest(
                Request("req_4", "in_progress", kT0 + 5 * kDay, {"withdraw_consent"})));
            return Ok();
          })
          .ok());
  auto list = [&](RequestQuery query) {
    std::vector<std::string> ids;
    EXPECT_TRUE(store_
                    ->Read([&](Tx& tx) -> Status {
                      PD_ASSIGN_OR_RETURN(auto rows, tx.ListRequests(query));
                      ids = Ids(rows);
                      return Ok();
                    })
                    .ok());
    return ids;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{"req_3", "req_2", "req_4", "req_1"}));
  EXPECT_EQ(list({.state = "in_progress"}), (V{"req_4", "req_1"}));
  EXPECT_EQ(list({.right = "erasure"}), (V{"req_3", "req_2"}));
  EXPECT_EQ(list({.right = "access"}), (V{"req_2", "req_1"}));
  EXPECT_EQ(list({.right = "consent"}), V{});  // no partial match of withdraw_consent
  EXPECT_EQ(list({.due_before = kT0 + 5 * kDay}), (V{"req_3"}));
  // Overdue: open only (req_3 is closed).
  EXPECT_EQ(list({.overdue_at = kT0 + 6 * kDay}), (V{"req_2", "req_4"}));
  // A page of two, then the rest after its last (due, id).
  EXPECT_EQ(list({.limit = 2}), (V{"req_3", "req_2"}));
  EXPECT_EQ(list({.after_due = kT0 + 5 * kDay, .after_id = "req_2", .limit = 2}),
            (V{"req_4", "req_1"}));
  Status bad = store_->Read([&](Tx& tx) { return StatusOf(tx.ListRequests({.limit = 0})); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), "invalid_limit");

  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    auto counts = tx.CountRequestsByState();
                    EXPECT_EQ(*counts, (std::vector<std::pair<std::string, int64_t>>{
                                           {"completed", 1}, {"in_progress", 2}, {"verified", 1}}));
                    EXPECT_EQ(*tx.CountOverdueRequests(kT0 + 6 * kDay), 2);
                    EXPECT_EQ(*tx.CountOverdueRequests(kT0), 0);
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, RequestEventsAreAppendOnlyAndGoWithTheirRequest) {
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_1", "verified", kT0)));
                    PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_2", "verified", kT0)));
                    PD_ASSIGN_OR_RETURN(
                        int64_t s1, tx.AppendRequestEvent({0, "req_1", kT0, "subject", "",
                                                           "awaiting_verification", "intake", ""}));
                    PD_ASSIGN_OR_RETURN(int64_t s2,
                                        tx.AppendRequestEvent({0, "req_1", kT0 + 1, "subject",
                                                               "awaiting_verification", "verified",
                                                               "verify", std::string("r\0s", 3)}));
                    EXPECT_LT(s1, s2);
                    return StatusOf(tx.AppendRequestEvent(
                        {0, "req_2", kT0, "olga", "verified", "in_progress", "start", ""}));
                  })
                  .ok());
  Status orphan = store_->Write([&](Tx& tx) {
    return StatusOf(tx.AppendRequestEvent({0, "req_x", kT0, "a", "", "b", "c", ""}));
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), "request_not_found");
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    auto events = *tx.ListRequestEvents("req_1");
                    EXPECT_EQ(events.size(), 2u);
                    if (events.size() == 2) {
                      EXPECT_EQ(events[1].request_id, "req_1");
                      EXPECT_EQ(events[1].at, kT0 + 1);
                      EXPECT_EQ(events[1].actor, "subject");
                      EXPECT_EQ(events[1].from_state, "awaiting_verification");
                      EXPECT_EQ(events[1].to_state, "verified");
                      EXPECT_EQ(events[1].action, "verify");
                      EXPECT_EQ(events[1].sealed_reason, std::string("r\0s", 3));
                    }
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.DeleteRequest("req_1"); }).ok());
  Status twice = store_->Write([&](Tx& tx) { return tx.DeleteRequest("req_1"); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), "request_not_found");
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_TRUE(tx.ListRequestEvents("req_1")->empty());
                    EXPECT_EQ(tx.ListRequestEvents("req_2")->size(), 1u);
                    EXPECT_FALSE(tx.GetRequest("req_1")->has_value());
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, RequestWritesAreRefusedInReadTransactions) {
  std::vector<std::function<Status(Tx&)>> writes = {
      [](Tx& tx) { return tx.InsertRequest(Request("req_1", "verified", kT0)); },
      [](Tx& tx) { return tx.UpdateRequest(Request("req_1", "verified", kT0)); },
      [](Tx& tx) { return tx.DeleteRequest("req_1"); },
      [](Tx& tx) {
        return StatusOf(tx.AppendRequestEvent({0, "req_1", kT0, "a", "", "b", "c", ""}));
      },
      [](Tx& tx) {
        return tx.PutRequestPackage({"req_1", "z", kT0, kT0 + kDay});
      },
      [](Tx& tx) { return StatusOf(tx.DeleteRequestPackage("req_1")); },
  };
  for (size_t i = 0; i < writes.size(); ++i) {
    Status s = store_->Read(writes[i]);
    ASSERT_FALSE(s.ok()) << i;
    EXPECT_EQ(s.error().kind(), ErrorKind::kFailedPrecondition) << i;
    EXPECT_EQ(s.error().code(), "read_only_transaction") << i;
  }
}

TEST_P(StoreConformance, RequestPackagesAreReplacedReadDeletedAndGoWithTheirRequest) {
  const std::string zip("P\0K", 3);
  Status orphan = store_->Write([&](Tx& tx) {
    return tx.PutRequestPackage({"req_x", zip, kT0, kT0 + kDay});
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), "request_not_found");
  ASSERT_TRUE(
      store_
          ->Write([&](Tx& tx) -> Status {
            PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_1", "completed", kT0)));
            PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_2", "completed", kT0)));
            PD_RETURN_IF_ERROR(tx.PutRequestPackage({"req_1", "old", kT0, kT0 + kDay}));
            PD_RETURN_IF_ERROR(tx.PutRequestPackage({"req_1", zip, kT0 + 1, kT0 + 7 * kDay}));
            return tx.PutRequestPackage({"req_2", zip, kT0, kT0 + kDay});
          })
          .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    auto p = *tx.GetRequestPackage("req_1");
                    EXPECT_TRUE(p.has_value());
                    if (p) {
                      EXPECT_EQ(p->request_id, "req_1");
                      EXPECT_EQ(p->sealed, zip);
                      EXPECT_EQ(p->created_at, kT0 + 1);
                      EXPECT_EQ(p->expires_at, kT0 + 7 * kDay);
                    }
                    EXPECT_FALSE(tx.GetRequestPackage("req_x")->has_value());
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    EXPECT_TRUE(*tx.DeleteRequestPackage("req_1"));
                    EXPECT_FALSE(*tx.DeleteRequestPackage("req_1"));
                    return tx.DeleteRequest("req_2");
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_FALSE(tx.GetRequestPackage("req_1")->has_value());
                    EXPECT_FALSE(tx.GetRequestPackage("req_2")->has_value());
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, RequestIdentitiesAreAttestedFoundAndGoWithTheirRequest) {
  const std::string phone("ph\0one", 6), other("other", 5);
  RequestIdentityRecord identity{"req_1", "phone", phone, std::string("s\0v", 3), std::nullopt, ""};
  Status orphan = store_->Write([&](Tx& tx) {
    RequestIdentityRecord lost = identity;
    lost.request_id = "req_x";
    return tx.PutRequestIdentity(lost);
  });
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code(), "request_not_found");
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_1", "verified", kT0)));
                    RequestRecord two = Request("req_2", "in_progress", kT0 + kDay);
                    two.created_at = kT0 + 1;
                    PD_RETURN_IF_ERROR(tx.InsertRequest(two));
                    PD_RETURN_IF_ERROR(tx.InsertRequest(Request("req_3", "completed", kT0)));
                    PD_RETURN_IF_ERROR(tx.PutRequestIdentity(identity));
                    PD_RETURN_IF_ERROR(tx.PutRequestIdentity(
                        {"req_1", "customer_id", other, "c", kT0 + 5, "sam"}));
                    PD_RETURN_IF_ERROR(
                        tx.PutRequestIdentity({"req_2", "phone", phone, "x", std::nullopt, ""}));
                    return tx.PutRequestIdentity({"req_3", "phone", phone, "y", std::nullopt, ""});
                  })
                  .ok());
  Status twice = store_->Write([&](Tx& tx) { return tx.PutRequestIdentity(identity); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().kind(), ErrorKind::kAlreadyExists);
  EXPECT_EQ(twice.error().code(), "request_identity_exists");
  Status unknown = store_->Write(
      [&](Tx& tx) { return tx.AttestRequestIdentity("req_2", "customer_id", kT0, "sam"); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), "request_identity_not_found");
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) {
                    return tx.AttestRequestIdentity("req_1", "phone", kT0 + 9, "olga");
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    auto rows = *tx.ListRequestIdentities("req_1");
                    EXPECT_EQ(rows.size(), 2u);
                    if (rows.size() == 2) {
                      EXPECT_EQ(rows[0].kind, "customer_id");
                      EXPECT_EQ(rows[0].attested_at, kT0 + 5);
                      EXPECT_EQ(rows[1].kind, "phone");
                      EXPECT_EQ(rows[1].blind_index, phone);
                      EXPECT_EQ(rows[1].sealed_value, std::string("s\0v", 3));
                      EXPECT_EQ(rows[1].attested_at, kT0 + 9);
                      EXPECT_EQ(rows[1].attested_by, "olga");
                    }
                    // The open requests naming the phone, and the queue's look-up by it.
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("phone", phone)),
                              (std::vector<std::string>{"req_1", "req_2"}));
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("phone", other)),
                              std::vector<std::string>{});
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("customer_id", other)),
                              std::vector<std::string>{"req_1"});
                    RequestQuery q;
                    q.identity_kind = "phone";
                    q.blind_index = phone;
                    EXPECT_EQ(Ids(*tx.ListRequests(q)),
                              (std::vector<std::string>{"req_1", "req_3", "req_2"}));
                    q.state = "completed";
                    EXPECT_EQ(Ids(*tx.ListRequests(q)), std::vector<std::string>{"req_3"});
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_->Write([&](Tx& tx) { return tx.DeleteRequest("req_1"); }).ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_TRUE(tx.ListRequestIdentities("req_1")->empty());
                    EXPECT_EQ(Ids(*tx.ListOpenRequestsOf("phone", phone)),
                              std::vector<std::string>{"req_2"});
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, ClosedRequestsAreListedInTheOrderTheyClosed) {
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    RequestRecord open = Request("req_open", "in_progress", kT0);
                    RequestRecord late = Request("req_late", "refused", kT0);
                    late.closed_at = kT0 + 3 * kDay;
                    RequestRecord early = Request("req_early", "completed", kT0);
                    early.closed_at = kT0 + kDay;
                    RequestRecord same = Request("req_same", "withdrawn", kT0);
                    same.closed_at = kT0 + kDay;
                    for (const auto* r : {&open, &late, &early, &same}) {
                      PD_RETURN_IF_ERROR(tx.InsertRequest(*r));
                    }
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_EQ(Ids(*tx.ListClosedRequests(kT0 + 3 * kDay, 10)),
                              (std::vector<std::string>{"req_early", "req_same", "req_late"}));
                    EXPECT_EQ(Ids(*tx.ListClosedRequests(kT0 + 2 * kDay, 1)),
                              std::vector<std::string>{"req_early"});
                    EXPECT_TRUE(tx.ListClosedRequests(kT0, 10)->empty());
                    EXPECT_EQ(tx.ListClosedRequests(kT0, 0).error().code(), "invalid_limit");
                    return Ok();
                  })
                  .ok());
}

TEST_P(StoreConformance, CodesOfAnIdentityAreDeletedOnlyWhenOldAndExpired) {
  const std::string mine("mine", 4), theirs("theirs", 6);
  auto code = [&](const std::string& id, const std::string& purpose, const std::string& index,
                  Micros created) {
    VerificationCodeRecord c;
    c.id = id;
    c.purpose = purpose;
    c.blind_index = index;
    c.subject_id = "";
    c.code_hash = "h";
    c.created_at = created;
    c.expires_at = created + 15 * 60 * kMicrosPerSecond;
    return c;
  };
  ASSERT_TRUE(
      store_
          ->Write([&](Tx& tx) -> Status {
            PD_RETURN_IF_ERROR(tx.InsertVerificationCode(code("c1", "request", mine, kT0)));
            PD_RETURN_IF_ERROR(tx.InsertVerificationCode(code("c2", "request", mine, kT0 + kDay)));
            PD_RETURN_IF_ERROR(tx.InsertVerificationCode(code("c3", "preferences", mine, kT0)));
            return tx.InsertVerificationCode(code("c4", "request", theirs, kT0));
          })
          .ok());
  ASSERT_TRUE(store_
                  ->Write([&](Tx& tx) -> Status {
                    // c2 was created later; c1 has not expired yet at kT0 + 1.
                    EXPECT_EQ(*tx.DeleteVerificationCodesOf("request", mine, kT0 + 1, kT0 + 1), 0);
                    EXPECT_EQ(
                        *tx.DeleteVerificationCodesOf("request", mine, kT0 + 1, kT0 + 2 * kDay), 1);
                    return Ok();
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](Tx& tx) -> Status {
                    EXPECT_EQ(*tx.CountVerificationCodesSince("request", mine, 0), 1);
                    EXPECT_EQ(*tx.CountVerificationCodesSince("preferences", mine, 0), 1);
                    EXPECT_EQ(*tx.CountVerificationCodesSince("request", theirs, 0), 1);
                    return Ok();
                  })
                  .ok());
}

}  // namespace
}  // namespace privacyd
