#include "guard/vectorscan_entry.h"

#include <gtest/gtest.h>

#include <string>

namespace privacyd::guard::internal {
namespace {

TEST(VectorscanEntryTest, TheEntryCalledFindsEveryMatchOfTheCheck) {
  const VectorscanEntry& entry = CheckedVectorscan();
  EXPECT_TRUE(FindsEveryCheckMatch(entry.scan)) << entry.name;
  // Worked out once.
  EXPECT_EQ(&CheckedVectorscan(), &entry);
}

// The shape of the defect, beyond the check's own patterns: a pair of two-byte literals at the
// end of a buffer of any length, as a term at the end of a text or a window is.
TEST(VectorscanEntryTest, FindsShortLiteralsAtTheEndOfABuffer) {
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  ASSERT_EQ(hs_compile("qv|qw", 0, HS_MODE_BLOCK, nullptr, &database, &error), HS_SUCCESS);
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(database, &scratch), HS_SUCCESS);
  auto count = [](unsigned int, unsigned long long, unsigned long long, unsigned int,
                  void* context) {
    ++*static_cast<size_t*>(context);
    return 0;
  };
  for (size_t offset = 0; offset <= 300; ++offset) {
    std::string text(offset, 'a');
    text += "qw";
    size_t matches = 0;
    ASSERT_EQ(CheckedVectorscan().scan(database, text.data(), static_cast<unsigned>(text.size()), 0,
                                       scratch, count, &matches),
              HS_SUCCESS);
    EXPECT_EQ(matches, 1u) << "at offset " << offset << " through " << CheckedVectorscan().name;
  }
  hs_free_scratch(scratch);
  hs_free_database(database);
}

}  // namespace
}  // namespace privacyd::guard::internal
