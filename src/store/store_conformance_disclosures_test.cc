// The Store conformance suite, the disclosure log (store.h DisclosureRecord): written against
// store.h only, run against every backend by its INSTANTIATE_TEST_SUITE_P(..., StoreConformance).
#include <tuple>

#include "store/store_conformance_test.h"

namespace privacyd {
namespace {

constexpr Micros kT0 = 1'767'225'600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

DisclosureRecord Disclosure(const std::string& id, const std::string& subject, Micros at) {
  DisclosureRecord d;
  d.id = id;
  d.subject_id = subject;
  d.recipient = "service_providers";
  d.purpose = "respond_to_inquiries";
  d.categories = {"user.name", "user.contact.email"};
  d.origin = "DE";
  d.safeguard = "adequacy";
  d.request_id = "req_1";
  d.actor = "olga";
  d.disclosed_at = at;
  d.created_at = at + 1;
  return d;
}

auto Fields(const DisclosureRecord& d) {
  return std::tie(d.seq, d.id, d.subject_id, d.recipient, d.purpose, d.categories, d.origin,
                  d.safeguard, d.request_id, d.actor, d.disclosed_at, d.created_at);
}

TEST_P(StoreConformance, DisclosuresRoundTripInOrderPerSubjectAndIdsAreUnique) {
  int64_t first = 0, second = 0;
  ASSERT_TRUE(
      store_
          ->Write([&](Tx& tx) -> Status {
            PD_ASSIGN_OR_RETURN(first, tx.InsertDisclosure(Disclosure("dsc_1", "sub_a", kT0)));
            PD_RETURN_IF_ERROR(StatusOf(tx.InsertDisclosure(Disclosure("dsc_2", "sub_b", kT0))));
            DisclosureRecord later = Disclosure("dsc_3", "sub_a", kT0 + 5);
            later.request_id = "";
            later.categories = {"user.name"};
            PD_ASSIGN_OR_RETURN(second, tx.InsertDisclosure(later));
            return Ok();
          })
          .ok());
  EXPECT_GT(second, first);
  auto listed = ReadValue<std::vector<DisclosureRecord>>(
      *store_, [](Tx& tx) { return tx.ListDisclosures("sub_a"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  DisclosureRecord want = Disclosure("dsc_1", "sub_a", kT0);
  want.seq = first;
  EXPECT_TRUE(Fields((*listed)[0]) == Fields(want));
  EXPECT_EQ((*listed)[1].id, "dsc_3");
  EXPECT_EQ((*listed)[1].seq, second);
  EXPECT_EQ((*listed)[1].request_id, "");
  EXPECT_EQ((*listed)[1].categories, std::vector<std::string>{"user.name"});
  auto none = ReadValue<std::vector<DisclosureRecord>>(
      *store_, [](Tx& tx) { return tx.ListDisclosures("sub_c"); });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  Status taken = store_->Write(
      [&](Tx& tx) { return StatusOf(tx.InsertDisclosure(Disclosure("dsc_1", "sub_c", kT0))); });
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), "disclosure_exists");
  Status in_read = store_->Read(
      [&](Tx& tx) { return StatusOf(tx.InsertDisclosure(Disclosure("dsc_9", "sub_c", kT0))); });
  ASSERT_FALSE(in_read.ok());
  EXPECT_EQ(in_read.error().kind(), ErrorKind::kFailedPrecondition);
}

}  // namespace
}  // namespace privacyd
