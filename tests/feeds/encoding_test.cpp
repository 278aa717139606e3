#include "feeds/encoding.hpp"

#include <gtest/gtest.h>

namespace newsmon::feeds {
namespace {

TEST(CharsetFromContentType, ReadsTheParameter) {
  EXPECT_EQ(charset_from_content_type("text/xml; charset=KOI8-R"), "koi8-r");
  EXPECT_EQ(charset_from_content_type("application/rss+xml;charset=\"utf-8\"; x=y"), "utf-8");
  EXPECT_EQ(charset_from_content_type("text/xml"), "");
  EXPECT_EQ(charset_from_content_type(""), "");
}

TEST(CharsetFromXmlDeclaration, ReadsEncoding) {
  EXPECT_EQ(charset_from_xml_declaration("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>"),
            "iso-8859-1");
  EXPECT_EQ(charset_from_xml_declaration("<?xml version='1.0' encoding = 'windows-1251' ?>"),
            "windows-1251");
  EXPECT_EQ(charset_from_xml_declaration("<?xml version=\"1.0\"?><rss/>"), "");
  EXPECT_EQ(charset_from_xml_declaration("<rss/>"), "");
}

struct CharsetCase {
  const char* name;
  std::string bytes;
  const char* http_charset;
  const char* utf8;
  const char* charset;
};

const std::string k_decl_1252 = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>";

// One case per way a feed's charset is given.
const CharsetCase k_cases[] = {
    {"utf8 plain", "<a>caf\xc3\xa9</a>", "", "<a>caf\xc3\xa9</a>", "utf-8"},
    {"utf8 BOM stripped", "\xef\xbb\xbf<a>x</a>", "", "<a>x</a>", "utf-8"},
    {"utf16le BOM", std::string("\xff\xfe<\0a\0>\0\xe9\0<\0/\0a\0>\0", 18), "",
     "<a>\xc3\xa9</a>", "utf-16le"},
    {"utf16be BOM", std::string("\xfe\xff\0<\0a\0>\0\xe9\0<\0/\0a\0>", 18), "",
     "<a>\xc3\xa9</a>", "utf-16be"},
    {"utf16le no BOM", std::string("<\0?\0x\0?\0>\0", 10), "", "<?x?>", "utf-16le"},
    {"latin1 declared (read as 1252)",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9 \x93q\x94</a>", "",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d</a>",
     "windows-1252"},
    {"windows-1252 declared", k_decl_1252 + "<a>\x80 \x97</a>", "",
     "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\xe2\x82\xac \xe2\x80\x94</a>",
     "windows-1252"},
    {"windows-1251 declared",
     "<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xcf\xf0\xe8\xe2\xe5\xf2</a>", "",
     "<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</a>",
     "windows-1251"},
    {"koi8-r from HTTP over a wrong declaration",
     "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xf0\xd2\xc9\xd7\xc5\xd4</a>", "KOI8-R",
     "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</a>",
     "koi8-r"},
    {"iso-8859-15", "<?xml version='1.0' encoding='iso-8859-15'?><a>\xa4</a>", "",
     "<?xml version='1.0' encoding='iso-8859-15'?><a>\xe2\x82\xac</a>", "iso-8859-15"},
    {"iso-8859-2", "<?xml version='1.0' encoding='ISO-8859-2'?><a>\xb1</a>", "",
     "<?xml version='1.0' encoding='ISO-8859-2'?><a>\xc4\x85</a>", "iso-8859-2"},
    {"undeclared latin1 repaired as 1252", "<a>caf\xe9 ol\xe9</a>", "",
     "<a>caf\xc3\xa9 ol\xc3\xa9</a>", "utf-8"},
    {"utf8 with one stray byte", "<a>\xc3\xa9 and \xe9</a>", "", "<a>\xc3\xa9 and \xc3\xa9</a>",
     "utf-8"},
    {"stale latin1 declaration on utf-8 bytes",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Caf\xc3\xa9</a>", "",
     "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Caf\xc3\xa9</a>", "utf-8"},
    {"stale HTTP charset on utf-8 bytes", "<a>\xe2\x82\xac</a>", "windows-1252",
     "<a>\xe2\x82\xac</a>", "utf-8"},
    {"unknown charset name read as utf-8", "<a>\xc3\xa9</a>", "x-no-such-charset", "<a>\xc3\xa9</a>",
     "utf-8"},
};

TEST(DecodeToUtf8, EveryWayACharsetIsGiven) {
  for (const auto& c : k_cases) {
    SCOPED_TRACE(c.name);
    const DecodedText decoded = decode_to_utf8(c.bytes, c.http_charset);
    EXPECT_EQ(decoded.utf8, c.utf8);
    EXPECT_EQ(decoded.charset, c.charset);
  }
}

TEST(DecodeToUtf8, InvalidBytesInALegacyCharsetBecomeReplacementCharacters) {
  // 0x98 is unassigned in windows-1251.
  const DecodedText decoded = decode_to_utf8("<a>\x98x</a>", "windows-1251");
  EXPECT_EQ(decoded.utf8, "<a>\xef\xbf\xbdx</a>");
  EXPECT_TRUE(decoded.repaired);
}

TEST(RepairUtf8, RejectsOverlongAndSurrogateSequences) {
  bool repaired = false;
  EXPECT_EQ(repair_utf8("ok \xe2\x82\xac", &repaired), "ok \xe2\x82\xac");
  EXPECT_FALSE(repaired);
  // Overlong "/" (C0 AF) and an encoded surrogate (ED A0 80) are read byte by byte.
  EXPECT_EQ(repair_utf8("\xc0\xaf", &repaired), "\xc3\x80\xc2\xaf");
  EXPECT_TRUE(repaired);
  EXPECT_EQ(repair_utf8("\xed\xa0\x80"), "\xc3\xad\xc2\xa0\xe2\x82\xac");
}

}  // namespace
}  // namespace newsmon::feeds
