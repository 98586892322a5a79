#include "core/markup.h"

#include <gtest/gtest.h>

namespace privacyd {
namespace {

TEST(Markup, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(EscapeMarkup(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup("plain ünïcode"), "plain ünïcode");
}

}  // namespace
}  // namespace privacyd
