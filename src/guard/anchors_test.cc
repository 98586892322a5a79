#include "guard/anchors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace privacyd::guard::internal {
namespace {

using Phrases = std::vector<std::string>;

std::string Gap() { return std::string(1, kGap); }

TEST(ExpandPhrasesTest, AlternationsGroupsAndOptionalParts) {
  EXPECT_EQ(ExpandPhrases("(?:was|been) diagnosed with", 100),
            (Phrases{"been diagnosed with", "was diagnosed with"}));
  EXPECT_EQ(ExpandPhrases("diabet(?:es|ic)", 100), (Phrases{"diabetes", "diabetic"}));
  EXPECT_EQ(ExpandPhrases("migraines?", 100), (Phrases{"migraine", "migraines"}));
  EXPECT_EQ(ExpandPhrases("type[- ]?(?:1|2)", 100),
            (Phrases{"type 1", "type 2", "type-1", "type-2", "type1", "type2"}));
  EXPECT_EQ(ExpandPhrases("mein(?:e)? (Sohn|Kind)", 100),
            (Phrases{"mein Kind", "mein Sohn", "meine Kind", "meine Sohn"}));
  EXPECT_EQ(ExpandPhrases("Pflegegrad [1-3]", 100),
            (Phrases{"Pflegegrad 1", "Pflegegrad 2", "Pflegegrad 3"}));
  EXPECT_EQ(ExpandPhrases("ver\\.?di", 100), (Phrases{"ver.di", "verdi"}));
  // UTF-8 characters stay whole, in a class too.
  EXPECT_EQ(ExpandPhrases("h(?:é|e)t[éè]ro", 100),
            (Phrases{"hetèro", "hetéro", "hétèro", "hétéro"}));
}

TEST(ExpandPhrasesTest, BoundedRepeatsAndOpenRuns) {
  EXPECT_EQ(ExpandPhrases("an (?:[^ .,;!?]+ ){1,2}erkrankt", 100),
            (Phrases{"an " + Gap() + " " + Gap() + " erkrankt", "an " + Gap() + " erkrankt"}));
  EXPECT_EQ(ExpandPhrases("in der [0-9]+\\. Woche", 100), (Phrases{"in der " + Gap() + ". Woche"}));
  EXPECT_EQ(ExpandPhrases("[a-zäöü]+ party", 100), (Phrases{Gap() + " party"}));
  EXPECT_EQ(ExpandPhrases("\\w+ist", 100), (Phrases{Gap() + "ist"}));
  EXPECT_EQ(ExpandPhrases("ab{2}c{0,1}", 100), (Phrases{"abb", "abbc"}));
}

TEST(ExpandPhrasesTest, RefusesWhatItCannotBound) {
  EXPECT_EQ(ExpandPhrases("a.b", 100), std::nullopt);          // '.' matches a space
  EXPECT_EQ(ExpandPhrases("a\\sb", 100), std::nullopt);        // so does \s
  EXPECT_EQ(ExpandPhrases("a[^.,]+b", 100), std::nullopt);     // a negated class with the space
  EXPECT_EQ(ExpandPhrases("(?:a b)+", 100), std::nullopt);     // an open run with a space
  EXPECT_EQ(ExpandPhrases("[ a-z]+", 100), std::nullopt);      // a large class with the space
  EXPECT_EQ(ExpandPhrases("^diabetes", 100), std::nullopt);    // anchors
  EXPECT_EQ(ExpandPhrases("\\bdiabetes", 100), std::nullopt);  // assertions
  EXPECT_EQ(ExpandPhrases("(?=a)b", 100), std::nullopt);       // look-around
  EXPECT_EQ(ExpandPhrases("(?:a|b", 100), std::nullopt);       // unbalanced
  EXPECT_EQ(ExpandPhrases("a)", 100), std::nullopt);
  EXPECT_EQ(ExpandPhrases("", 100), std::nullopt);
  // More phrases than the limit.
  EXPECT_EQ(ExpandPhrases("[ab][ab][ab]", 7), std::nullopt);
  EXPECT_EQ(ExpandPhrases("[ab][ab][ab]", 8)->size(), 8u);
}

TEST(AnchorableWordsTest, WordsBoundedOnBothSides) {
  std::string phrase = "an " + Gap() + " erkrankt";
  auto words = AnchorableWords(phrase, false);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(phrase.substr(words[0].from, words[0].to - words[0].from), "an");
  EXPECT_FALSE(words[0].exact);  // first word of a rule of several lengths: a suffix
  EXPECT_EQ(phrase.substr(words[1].from, words[1].to - words[1].from), "erkrankt");
  EXPECT_TRUE(words[1].exact);
  EXPECT_TRUE(AnchorableWords(phrase, true)[0].exact);
  // A word before an open run is no anchor (the run may go on with word bytes); one after it is
  // the end of a word of the text.
  std::string glued = Gap() + "ist krank" + Gap();
  auto after_run = AnchorableWords(glued, true);
  ASSERT_EQ(after_run.size(), 1u);
  EXPECT_EQ(after_run[0].from, 1u);
  EXPECT_EQ(after_run[0].to, 4u);
  EXPECT_FALSE(after_run[0].exact);
  // Non-ASCII characters and apostrophes of UTF-8 are word bytes; the ASCII apostrophe is not.
  auto typographic = AnchorableWords("i’m pregnant", true);
  ASSERT_EQ(typographic.size(), 2u);
  EXPECT_EQ(typographic[0].to, 5u);
  EXPECT_EQ(AnchorableWords("i'm pregnant", true).size(), 3u);
}

// The distinct anchors, as "word 1/0" (spaces before/after), "~" marking a suffix, and a pair
// in text order as "[first]+separator+second 1/0", the word looked up in brackets, "~" marking
// an other word the text may go on before or after.
std::vector<std::string> Words(const std::vector<Anchor>& anchors) {
  std::set<std::string> out;
  for (const Anchor& a : anchors) {
    std::string word = a.word + (a.exact ? "" : "~");
    std::string other = a.other + (a.other_whole ? "" : "~");
    std::string text = a.other.empty()  ? word
                       : a.other_before ? other + "+" + a.separator + "+[" + word + "]"
                                        : "[" + word + "]+" + a.separator + "+" + other;
    out.insert(text + " " + std::to_string(a.spaces_before) + "/" + std::to_string(a.spaces_after));
  }
  return {out.begin(), out.end()};
}

TEST(AnchorsOfTest, EveryPhraseOnItsRarestWord) {
  // "am black" anchors on "black", not on the verb every phrase shares.
  auto anchors = AnchorsOf("(?:am|is|are) (?:black|white)", 100);
  ASSERT_TRUE(anchors.has_value());
  EXPECT_EQ(anchors->size(), 6u);
  EXPECT_EQ(Words(*anchors), (Phrases{"black 1/0", "white 1/0"}));
  // The first word of a rule of several lengths is a suffix ('s' may be the long s).
  EXPECT_EQ(Words(*AnchorsOf("schwanger(?:schaft)?", 100)),
            (Phrases{"schwangerschaft~ 0/0", "schwanger~ 0/0"}));
  // Of one length without 'k', 's' or non-ASCII, it is whole.
  EXPECT_EQ(Words(*AnchorsOf("hiv|hpv", 100)), (Phrases{"hiv 0/0", "hpv 0/0"}));
  // After an open run: a suffix.
  EXPECT_EQ(Words(*AnchorsOf("[a-z]+stämmig", 100)), (Phrases{"stämmig~ 0/0"}));
  // Nothing to anchor on: a word glued to open runs on both sides.
  EXPECT_EQ(AnchorsOf("[a-z]+ban[a-z]+", 100), std::nullopt);
  EXPECT_EQ(AnchorsOf("a.b", 100), std::nullopt);
}

TEST(AnchorsOfTest, LargeRulesAnchorOnOnePart) {
  // 125 phrases, more than the limit: anchored on the part of the terms, whose words are whole
  // (the part before ends with a space), two spaces after the start of the phrase.
  auto anchors = AnchorsOf(
      "(?:i|he|she|we|they) (?:have|has|had|got|get) (?:diabetes|asthma|epilepsy|lupus|gout)", 100);
  ASSERT_TRUE(anchors.has_value());
  EXPECT_EQ(Words(*anchors),
            (Phrases{"asthma 2/0", "diabetes 2/0", "epilepsy 2/0", "gout 2/0", "lupus 2/0"}));
  // A part followed by an optional group that begins with a space still ends words.
  anchors = AnchorsOf("(?:je|il|elle|on) (?:suis|est|a) diagnostiqu(?:é|e)(?: (?:un|une|le))?", 10);
  ASSERT_TRUE(anchors.has_value());
  EXPECT_EQ(Words(*anchors), (Phrases{"diagnostique 2/1", "diagnostiqué 2/1"}));
}

TEST(AnchorsOfTest, CommonWordsAnchorOnAPairOfAdjacentWords) {
  // Every word of "in support of" is common: a pair, looked up by its rarer word.
  EXPECT_EQ(Words(*AnchorsOf("in support of", 100)), (Phrases{"in~+ +[support] 1/1"}));
  EXPECT_EQ(Words(*AnchorsOf("in support of", 100, false)), (Phrases{"support 1/1"}));
  // A rare word still anchors alone.
  EXPECT_EQ(Words(*AnchorsOf("in support of strikers", 100)), (Phrases{"strikers 3/0"}));
  // Each spelling the grammar allows between the words is a separator of its own, kept exactly
  // (the first word of a rule of several lengths is a suffix, "~").
  EXPECT_EQ(Words(*AnchorsOf("support(?: |-|, )of", 100)),
            (Phrases{"[support~]+ +of 0/1", "[support~]+, +of 0/1", "[support~]+-+of 0/0"}));
  // An optional word between: the pair is only taken where the two words are adjacent.
  EXPECT_EQ(Words(*AnchorsOf("support (?:for )?of", 100)),
            (Phrases{"[support~]+ +for 0/2", "[support~]+ +of 0/1"}));
  // The second word may be one the text goes on after (an optional space or an open run next):
  // the next word of the text begins with it.
  EXPECT_EQ(Words(*AnchorsOf("support of ?[a-z]+", 100)),
            (Phrases{"[support~]+ +of 0/2", "[support~]+ +of~ 0/1"}));
  // No pair across an open run (the run may hold anything but a space).
  EXPECT_EQ(Words(*AnchorsOf("support [a-z]+ of", 100)), (Phrases{"support~ 0/2"}));
  // The first word of a rule of several lengths is a suffix in a pair too ("devis avec").
  EXPECT_EQ(Words(*AnchorsOf("vis avec(?: le)?", 100)),
            (Phrases{"[vis~]+ +avec 0/1", "[vis~]+ +avec 0/2"}));
}

TEST(AnchorsOfTest, PairsCrossTheBoundaryOfPartsTooLargeToJoin) {
  // 66,560 phrases: anchored on parts. The first part's words are all common or short, and it is
  // too large to join with the next whole; the next part's first word still makes pairs.
  auto anchors = AnchorsOf("(?:[a-h][a-h]|in) support (?:of|for) [a-h][a-h][a-h]", 100);
  ASSERT_TRUE(anchors.has_value());
  EXPECT_EQ(anchors->size(), 65u);
  for (const Anchor& a : *anchors) {
    // Looked up by "support", the other word before it.
    EXPECT_EQ(a.word, "support") << a.other;
    EXPECT_TRUE(a.other_before);
    EXPECT_EQ(a.other.size(), 2u);
    EXPECT_EQ(a.separator, " ");
    // The windows reach at least the 2 spaces after "support" of the longest phrases.
    EXPECT_GE(a.spaces_after, 2) << a.other;
  }
}

TEST(WordCostTest, RareLongWordsCostLeast) {
  EXPECT_LT(WordCost("diabetes", true), WordCost("with", true));
  EXPECT_LT(WordCost("diabetes", true), WordCost("diagnosed", false));
  EXPECT_LT(WordCost("hiv", true), WordCost("my", true));
  EXPECT_LT(WordCost("schwanger", true), WordCost("unser", true));
  EXPECT_LT(WordCost("black", true), WordCost("am", true));
  EXPECT_GT(WordCost("2024", true), WordCost("the", true));
  EXPECT_EQ(WordCost("With", true), WordCost("with", true));
}

std::vector<std::pair<size_t, size_t>> Windows(const AnchorIndex& index, std::string_view text) {
  std::vector<Window> windows;
  index.FindWindows(text, windows);
  std::vector<std::pair<size_t, size_t>> out;
  for (Window w : windows) out.emplace_back(w.from, w.to);
  return out;
}

using Spans = std::vector<std::pair<size_t, size_t>>;

TEST(AnchorIndexTest, WindowsReachTheSpacesOfThePhrases) {
  // "was diagnosed with": one space before the anchor, one after.
  AnchorIndex index({{"diagnosed", true, 1, 1}});
  EXPECT_EQ(index.size(), 1u);
  //                  0         1         2         3         4
  //                  0123456789012345678901234567890123456789012345
  std::string text = "Hello. I was diagnosed with asthma last year.";
  EXPECT_EQ(Windows(index, text), (Spans{{9, 27}}));  // "was diagnosed with"
  // Case is folded, and a word that only contains the anchor is not it.
  EXPECT_EQ(Windows(index, "DIAGNOSED"), (Spans{{0, 9}}));
  EXPECT_EQ(Windows(index, "undiagnosed diagnosedx"), Spans{});
  // The Kelvin sign and the long s fold to k and s in Vectorscan, and so here.
  AnchorIndex krebs({{"krebs", true, 0, 0}});
  EXPECT_EQ(Windows(krebs, "\xE2\x84\xAAreb\xC5\xBF ja"), (Spans{{0, 8}}));
  EXPECT_EQ(Windows(krebs, "KREBS"), (Spans{{0, 5}}));
  EXPECT_EQ(Windows(krebs, "kreb krebse"), Spans{});
  // Latin-1 letters fold to their lower case; other characters are not told apart.
  AnchorIndex uber({{"über", true, 0, 0}});
  EXPECT_EQ(Windows(uber,
                    "\xC3\x9C"
                    "BER"),
            (Spans{{0, 5}}));
  EXPECT_EQ(Windows(uber,
                    "\xC3\xA4"
                    "ber"),
            Spans{});
  EXPECT_EQ(FoldWord("\xC3\x9C"
                     "Ber"),
            FoldWord("über"));
  EXPECT_EQ(FoldWord("\xE1\xBA\x9E"), FoldWord("\xC3\x9F"));  // capital and small sharp s
  EXPECT_NE(FoldWord("Kur"), FoldWord("sur"));
}

TEST(AnchorIndexTest, SuffixAnchorsMatchTheEndOfAWord) {
  AnchorIndex index({{"hiv", false, 0, 2}, {"schwangerschaft", false, 0, 0}});
  EXPECT_EQ(Windows(index, "Unser Archiv ist voll"), (Spans{{6, 21}}));
  EXPECT_EQ(Windows(index, "hivx"), Spans{});
  // Longer suffixes: the last characters find candidates, the whole suffix decides.
  EXPECT_EQ(Windows(index, "Risikoschwangerschaft"), (Spans{{0, 21}}));
  EXPECT_EQ(Windows(index, "Wirtschaft"), Spans{});
  // The whole suffix must match, not only its last characters.
  AnchorIndex sick({{"Krankmeldung", false, 0, 0}});
  EXPECT_EQ(Windows(sick,
                    "Ihre R\xC3\xBC"
                    "ckmeldung"),
            Spans{});
  EXPECT_EQ(Windows(sick, "Ihre Krankmeldung"), (Spans{{5, 17}}));
  EXPECT_EQ(Windows(sick, "Ihre Kurzkrankmeldung"), (Spans{{5, 21}}));
}

TEST(AnchorIndexTest, PairsOpenOnlyWhereTheSecondWordFollows) {
  // "support(?: |-|, )of": the separators the rule allows, and no other.
  auto anchors = AnchorsOf("support(?: |-|, )of", 100);
  ASSERT_TRUE(anchors.has_value());
  AnchorIndex index(*anchors);
  //                             0         1         2
  //                             0123456789012345678901234
  EXPECT_EQ(Windows(index, "we support our customers"), Spans{});
  EXPECT_EQ(Windows(index, "in support of the strike"), (Spans{{3, 13}}));
  EXPECT_EQ(Windows(index, "IN SUPPORT OF THE STRIKE"), (Spans{{3, 13}}));
  EXPECT_EQ(Windows(index, "in support-of the strike"), (Spans{{3, 13}}));
  EXPECT_EQ(Windows(index, "in support, of the strike"), (Spans{{3, 14}}));
  // Separators the rule does not allow, and a second word that only begins with "of".
  for (std::string_view text : {"in support\nof the strike", "in support  of the strike",
                                "in support\tof the strike", "in support,of the strike",
                                "in support. of the strike", "in support offers", "in support"}) {
    EXPECT_EQ(Windows(index, text), Spans{}) << text;
  }
  // The window is the first word's, reaching back as far as its phrases do, though opened at
  // the second word.
  AnchorIndex march({{"support", true, 2, 1, "of", " "}});
  //                        0         1         2
  //                        0123456789012345678901234567
  EXPECT_EQ(Windows(march, "we march in support of them"), (Spans{{3, 22}}));
  // And it merges with a window that closed between the two words.
  AnchorIndex both({{"support", true, 2, 1, "of", " "}, {"in", true, 0, 0}});
  EXPECT_EQ(Windows(both, "we march in support of them"), (Spans{{3, 22}}));
  // A suffix as the first word: "devis avec", not "devis pour".
  AnchorIndex vis({{"vis", false, 0, 1, "avec", " "}});
  EXPECT_EQ(Windows(vis, "un devis avec remise"), (Spans{{3, 13}}));
  EXPECT_EQ(Windows(vis, "un devis pour vous"), Spans{});
  // A second word the text may go on after: the next word begins with it.
  AnchorIndex prefix({{"support", true, 0, 1, "of", " ", false}});
  EXPECT_EQ(Windows(prefix, "support offers"), (Spans{{0, 14}}));
  EXPECT_EQ(Windows(prefix, "support Of"), (Spans{{0, 10}}));
  EXPECT_EQ(Windows(prefix, "support o"), Spans{});
  EXPECT_EQ(Windows(prefix, "support xof"), Spans{});
  AnchorIndex long_prefix({{"support", true, 0, 1, "organisations", " ", false}});
  EXPECT_EQ(Windows(long_prefix, "support organisationsrat"), (Spans{{0, 24}}));
  EXPECT_EQ(Windows(long_prefix, "support organ"), Spans{});
  // Looked up by the second word, the other one before it: whole, or the end of a word.
  AnchorIndex after({{"support", true, 1, 1, "in", " ", true, true}});
  //                        0         1
  //                        01234567890123456789
  EXPECT_EQ(Windows(after, "we in support of it"), (Spans{{3, 16}}));
  EXPECT_EQ(Windows(after, "we IN SUPPORT of it"), (Spans{{3, 16}}));
  EXPECT_EQ(Windows(after, "we support of it"), Spans{});
  EXPECT_EQ(Windows(after, "within support of it"), Spans{});
  EXPECT_EQ(Windows(after, "in, support of it"), Spans{});
  EXPECT_EQ(Windows(after, "support"), Spans{});
  AnchorIndex ending({{"support", true, 1, 1, "in", " ", false, true}});
  EXPECT_EQ(Windows(ending, "within support of it"), (Spans{{0, 17}}));
  EXPECT_EQ(Windows(ending, "with support of it"), Spans{});
  // A word that is an anchor alone and begins a pair opens on its own.
  AnchorIndex alone({{"support", true, 0, 0}, {"support", true, 0, 1, "of", " "}});
  EXPECT_EQ(Windows(alone, "support team"), (Spans{{0, 7}}));
  EXPECT_EQ(Windows(alone, "support of x"), (Spans{{0, 10}}));
}

TEST(AnchorIndexTest, AWordBeginningMorePairsThanKeptOpensAlone) {
  // Suffixes of one word, each beginning a pair: more than the pass keeps for the next word,
  // so the first word opens a window by itself (a window more, never one less).
  std::vector<Anchor> anchors;
  std::string word = "abcdefghijkl";
  for (size_t length = 1; length <= word.size(); ++length) {
    anchors.push_back({word.substr(word.size() - length), false, 0, 1, "zz", " "});
  }
  AnchorIndex index(anchors);
  EXPECT_EQ(Windows(index, "abcdefghijkl zz"), (Spans{{0, 15}}));
  EXPECT_EQ(Windows(index, "abcdefghijkl yy"), (Spans{{0, 15}}));
  EXPECT_EQ(Windows(index, "xyz yy"), Spans{});
}

TEST(AnchorIndexTest, OverlappingWindowsMerge) {
  AnchorIndex index({{"asthma", true, 2, 0}, {"diabetes", true, 0, 3}});
  //                  0         1         2         3         4
  //                  0123456789012345678901234567890123456789012345
  std::string text = "a b c diabetes d e asthma f g h i j asthma";
  // diabetes: from 6 to the 4th space after it; asthma at 19: from 2 spaces back (15), merged,
  // to the space after it (25); the second asthma: from 32 ("i j asthma"), separate.
  EXPECT_EQ(Windows(index, text), (Spans{{6, 25}, {32, 42}}));
}

TEST(AnchorIndexTest, AnyBytes) {
  AnchorIndex index({{"diabetes", true, 0, 0}});
  std::string nul("x\0diabetes\0y", 12);
  EXPECT_EQ(Windows(index, nul), (Spans{{0, 12}}));  // no space: the window is the text
  // Invalid UTF-8 (stray continuation bytes, a truncated sequence) does not stop the pass.
  EXPECT_EQ(Windows(index, "\x80\xBF diabetes \xC3"), (Spans{{3, 11}}));
  // A long line without spaces, and one with an anchor far in.
  std::string line(1 << 20, 'a');
  EXPECT_EQ(Windows(index, line), Spans{});
  line += " diabetes";
  EXPECT_EQ(Windows(index, line), (Spans{{(1u << 20) + 1, (1u << 20) + 9}}));
  AnchorIndex empty;
  EXPECT_EQ(Windows(empty, "diabetes"), Spans{});
}

}  // namespace
}  // namespace privacyd::guard::internal
