#include <gtest/gtest.h>

#include "gracepack/core/base/text.hpp"

using namespace gracepack::text;

TEST(Text, SplitKeepsEmptyFields) {
  auto v = split("a,,b,", ',');
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "");
  EXPECT_EQ(v[3], "");
}

TEST(Text, ParseIntIsStrict) {
  EXPECT_EQ(parse_int("42", 0, 100), 42);
  EXPECT_FALSE(parse_int("", 0, 100));
  EXPECT_FALSE(parse_int("+1", 0, 100));
  EXPECT_FALSE(parse_int("-1", 0, 100));
  EXPECT_EQ(parse_int("-1", -5, 100), -1);
  EXPECT_FALSE(parse_int("101", 0, 100));
  EXPECT_FALSE(parse_int(" 1", 0, 100));
  EXPECT_FALSE(parse_int("1234567890123456789", 0, INT64_MAX));
}

TEST(Text, Sizes) {
  EXPECT_EQ(parse_size("200M"), 200ull << 20);
  EXPECT_EQ(parse_size("1g"), 1ull << 30);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_FALSE(parse_size("M"));
  EXPECT_FALSE(parse_size("1.5G"));
  // Issue 9 item 12: a plain byte count is not held to the bound of a T-suffixed one.
  EXPECT_EQ(parse_size("1073741824"), 1ull << 30);
  EXPECT_EQ(parse_size("9223372036854775807"), std::nullopt);  // 19 digits: refused, not wrapped
  EXPECT_EQ(parse_size("8388607T"), 8388607ull << 40);
  EXPECT_FALSE(parse_size("8388608T"));
  EXPECT_EQ(format_size(200ull << 20), "200M");
  EXPECT_EQ(format_size(3ull << 30), "3G");
  EXPECT_EQ(format_size(1000), "1000");
}

TEST(Text, TrimAndJoin) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({}, ","), "");
}

// Issue 16 item 6: what may quote a user's bytes reaches logs and terminals without a control
// character (a record could otherwise redraw an admin's screen) and bounded.
TEST(Text, PrintableEscapesControlsAndBounds) {
  EXPECT_EQ(printable("plain text, ünïcode"), "plain text, ünïcode");
  EXPECT_TRUE(is_printable("ünïcode"));
  EXPECT_EQ(printable("a\x1b[2Jb\rc\n"), "a\\x1b[2Jb\\x0dc\\x0a");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  EXPECT_EQ(printable("c1\xc2\x9b"
                      "x"),
            "c1\\xc2\\x9bx");                               // U+009B, CSI
  EXPECT_EQ(printable("raw\x9b"), "raw\\x9b");              // not UTF-8
  EXPECT_EQ(printable("cut\xe2\x82"), "cut\\xe2\\x82");     // a short sequence
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable(std::string(10, 'x'), 4), "xxxx...[6 more bytes]");
  EXPECT_FALSE(is_printable("a\tb"));
  EXPECT_EQ(printable(printable("a\x1b")), printable("a\x1b"));  // escaped once, no further
}
