// The parser on small hand-made documents, one per format variant and per
// quirk; tests/feeds/real_feeds_test.cpp covers the same over real feeds.
#include "feeds/parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsmon::feeds {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

const SysTime k_fetch = sys_days{2024y / March / 5} + 12h;

ParsedFeed parse_ok(std::string_view bytes, std::string base_url = "",
                    std::string content_type = "") {
  ParseOptions options{std::move(base_url), std::move(content_type), k_fetch};
  auto feed = parse_feed(bytes, options);
  if (!feed) {
    ADD_FAILURE() << feed.error().message;
    return {};
  }
  return std::move(feed.value());
}

std::string parse_error(std::string_view bytes) {
  auto feed = parse_feed(bytes, ParseOptions{"", "", k_fetch});
  if (feed) {
    ADD_FAILURE() << "parsed with " << feed->items.size() << " items";
    return {};
  }
  return feed.error().message;
}

std::string rss(std::string_view items, std::string_view version = "2.0",
                std::string_view ns = "") {
  return "<?xml version=\"1.0\"?><rss version=\"" + std::string(version) + "\" " +
         std::string(ns) + "><channel><title>Feed</title><link>https://example.com/</link>" +
         std::string(items) + "</channel></rss>";
}

struct FormatCase {
  const char* document;
  FeedFormat format;
};

TEST(ParseFeed, DetectsEveryFormatFromTheDocument) {
  const FormatCase cases[] = {
      {"<rss version=\"0.91\"><channel><item><title>a</title></item></channel></rss>",
       FeedFormat::rss09x},
      {"<rss version=\"0.92\"><channel><item><title>a</title></item></channel></rss>",
       FeedFormat::rss09x},
      {"<rss version=\"2.0\"><channel><item><title>a</title></item></channel></rss>",
       FeedFormat::rss20},
      {"<rss><channel><item><title>a</title></item></channel></rss>", FeedFormat::rss20},
      {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
       "xmlns=\"http://purl.org/rss/1.0/\"><channel/><item><title>a</title></item></rdf:RDF>",
       FeedFormat::rss10},
      {"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
       "xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel/><item><title>a</title></item>"
       "</rdf:RDF>",
       FeedFormat::rss09x},
      {"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>a</title></entry></feed>",
       FeedFormat::atom10},
      {"<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:entry><a:title>a</a:title></a:entry>"
       "</a:feed>",
       FeedFormat::atom10},
      {"<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry><title>a</title></entry>"
       "</feed>",
       FeedFormat::atom03},
      {"<entry xmlns=\"http://www.w3.org/2005/Atom\"><title>a</title></entry>", FeedFormat::atom10},
      {R"({"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "title": "a"}]})",
       FeedFormat::json10},
      {R"({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "a"}]})",
       FeedFormat::json11},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.document);
    const ParsedFeed feed = parse_ok(c.document);
    EXPECT_EQ(feed.format, c.format);
    ASSERT_EQ(feed.items.size(), 1u);
    EXPECT_EQ(feed.items[0].title, "a");
  }
}

TEST(ParseFeed, FormatNames) {
  EXPECT_EQ(to_string(FeedFormat::rss09x), "rss0.9x");
  EXPECT_EQ(to_string(FeedFormat::rss10), "rss1.0");
  EXPECT_EQ(to_string(FeedFormat::rss20), "rss2.0");
  EXPECT_EQ(to_string(FeedFormat::atom03), "atom0.3");
  EXPECT_EQ(to_string(FeedFormat::atom10), "atom1.0");
  EXPECT_EQ(to_string(FeedFormat::json10), "json1.0");
  EXPECT_EQ(to_string(FeedFormat::json11), "json1.1");
}

TEST(ParseFeed, RssItemFieldsAndDatedArticle) {
  const ParsedFeed feed = parse_ok(rss(
      "<item><title>Big &amp; news</title><link>https://example.com/a</link>"
      "<guid isPermaLink=\"false\">id-1</guid><pubDate>Tue, 05 Mar 2024 06:00:00 EST</pubDate>"
      "<author>ed@example.com (Ed)</author><category>World</category><category>World</category>"
      "<category>Asia</category>"
      "<description>&lt;p&gt;Short.&lt;/p&gt;</description>"
      "<content:encoded><![CDATA[<p>Full <b>text</b>.</p><p>Second&nbsp;para.</p>]]>"
      "</content:encoded></item>",
      "2.0", "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\""));
  EXPECT_EQ(feed.title, "Feed");
  EXPECT_EQ(feed.link, "https://example.com/");
  ASSERT_EQ(feed.items.size(), 1u);
  const FeedItem& item = feed.items[0];
  EXPECT_EQ(item.title, "Big & news");
  EXPECT_EQ(item.link, "https://example.com/a");
  EXPECT_EQ(item.guid, "id-1");
  ASSERT_TRUE(item.published.has_value());
  EXPECT_EQ(format_utc(*item.published), "2024-03-05T11:00:00Z");
  EXPECT_EQ(item.date_quality, DateQuality::ok);
  EXPECT_EQ(item.authors, std::vector<std::string>{"ed@example.com (Ed)"});
  EXPECT_EQ(item.categories, (std::vector<std::string>{"World", "Asia"}));
  EXPECT_EQ(item.article, " date 2024-03-05 Full text.\n\nSecond para.");
}

TEST(ParseFeed, NamespacesMatchByUriNotPrefix) {
  // "c:" bound to the content module is content:encoded; "content:" bound
  // to another URI is not.
  const ParsedFeed feed = parse_ok(rss(
      "<item><title>t</title><description>short</description>"
      "<c:encoded>full</c:encoded><content:encoded>other</content:encoded>"
      "<x:date>2001-01-01T00:00:00Z</x:date><x:creator>Ann</x:creator></item>",
      "2.0",
      "xmlns:c=\"http://purl.org/rss/1.0/modules/content/\" xmlns:content=\"urn:other\" "
      "xmlns:x=\"http://purl.org/dc/elements/1.1/\""));
  ASSERT_EQ(feed.items.size(), 1u);
  EXPECT_EQ(feed.items[0].article, " date 2001-01-01 full");
  EXPECT_EQ(feed.items[0].authors, std::vector<std::string>{"Ann"});
}

TEST(ParseFeed, UndeclaredUsualPrefixesAreRead) {
  const ParsedFeed feed = parse_ok(rss(
      "<item><title>t</title><dc:creator>Bob</dc:creator><dc:date>2010-02-03T04:05:06Z</dc:date>"
      "<content:encoded>&lt;p&gt;body&lt;/p&gt;</content:encoded><media:description>m"
      "</media:description></item>"));
  ASSERT_EQ(feed.items.size(), 1u);
  EXPECT_EQ(feed.items[0].authors, std::vector<std::string>{"Bob"});
  EXPECT_EQ(format_utc(*feed.items[0].published), "2010-02-03T04:05:06Z");
  EXPECT_EQ(feed.items[0].article, " date 2010-02-03 body");
}

TEST(ParseFeed, AtomTextConstructsAndXmlBase) {
  const ParsedFeed feed = parse_ok(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://example.org/blog/\">"
      "<title type=\"html\">My &lt;b&gt;blog&lt;/b&gt;</title><link href=\"./\"/>"
      "<author><name>Feed Author</name></author>"
      "<entry xml:base=\"2024/\"><title type=\"text\">a &lt; b</title>"
      "<link rel=\"enclosure\" href=\"x.mp3\"/><link href=\"post.html\"/>"
      "<id>tag:example.org,2024:1</id><updated>2024-03-01T10:00:00+02:00</updated>"
      "<published>2024-02-29T10:00:00+02:00</published>"
      "<category term=\"tech\"/><summary>sum</summary>"
      "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>One &amp; "
      "<em>two</em></p><p>Three</p></div></content></entry>"
      "<entry><title>plain</title><link rel=\"alternate\" type=\"text/html\" "
      "href=\"/abs\"/><id>2</id><summary type=\"text\">line one\n\nline two</summary></entry>"
      "</feed>");
  EXPECT_EQ(feed.format, FeedFormat::atom10);
  EXPECT_EQ(feed.title, "My blog");
  EXPECT_EQ(feed.link, "https://example.org/blog/");
  ASSERT_EQ(feed.items.size(), 2u);
  const FeedItem& first = feed.items[0];
  EXPECT_EQ(first.title, "a < b");
  EXPECT_EQ(first.link, "https://example.org/blog/2024/post.html");
  EXPECT_EQ(first.guid, "tag:example.org,2024:1");
  EXPECT_EQ(format_utc(*first.published), "2024-02-29T08:00:00Z");
  EXPECT_EQ(first.authors, std::vector<std::string>{"Feed Author"});
  EXPECT_EQ(first.categories, std::vector<std::string>{"tech"});
  EXPECT_EQ(first.article, " date 2024-02-29 One & two\n\nThree");
  const FeedItem& second = feed.items[1];
  EXPECT_EQ(second.link, "https://example.org/abs");
  EXPECT_EQ(second.article, " date 2024-03-05 line one\n\nline two");
  EXPECT_EQ(second.date_quality, DateQuality::missing);
  EXPECT_FALSE(second.published.has_value());
}

TEST(ParseFeed, PrefixedXhtmlContent) {
  const ParsedFeed feed = parse_ok(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:h=\"http://www.w3.org/1999/xhtml\">"
      "<entry><title>x</title><content type=\"xhtml\"><h:div><h:p>A</h:p><h:p>B</h:p></h:div>"
      "</content></entry></feed>");
  ASSERT_EQ(feed.items.size(), 1u);
  EXPECT_EQ(feed.items[0].article, " date 2024-03-05 A\n\nB");
}

TEST(ParseFeed, RelativeLinksResolveAgainstTheFeedUrl) {
  const std::string doc = "<rss version=\"2.0\"><channel><title>f</title><link>/home</link>"
                          "<item><title>t</title><link>posts/1?a=1&amp;b=2</link></item>"
                          "<item xml:base=\"https://cdn.example.net/x/\"><title>u</title>"
                          "<link>y</link></item></channel></rss>";
  const ParsedFeed feed = parse_ok(doc, "https://example.com/feeds/rss.xml");
  EXPECT_EQ(feed.link, "https://example.com/home");
  ASSERT_EQ(feed.items.size(), 2u);
  EXPECT_EQ(feed.items[0].link, "https://example.com/feeds/posts/1?a=1&b=2");
  EXPECT_EQ(feed.items[1].link, "https://cdn.example.net/x/y");
  // Without a feed URL: the channel link, when absolute, is the base.
  const ParsedFeed no_base = parse_ok(
      "<rss><channel><link>https://site.example/</link><item><title>t</title><link>p/2</link>"
      "</item></channel></rss>");
  EXPECT_EQ(no_base.items[0].link, "https://site.example/p/2");
}

TEST(ParseFeed, GuidAndLinkFallbacks) {
  const ParsedFeed feed = parse_ok(rss(
      "<item><title>permalink guid</title><guid>https://example.com/p1</guid></item>"
      "<item><title>no guid</title><link>https://example.com/p2</link></item>"
      "<item><title>not permalink</title><guid isPermaLink=\"false\">https://x/3</guid></item>"));
  ASSERT_EQ(feed.items.size(), 3u);
  EXPECT_EQ(feed.items[0].link, "https://example.com/p1");
  EXPECT_EQ(feed.items[0].guid, "https://example.com/p1");
  EXPECT_EQ(feed.items[1].guid, "https://example.com/p2");
  EXPECT_EQ(feed.items[2].link, "");
  EXPECT_EQ(feed.items[2].guid, "https://x/3");
}

TEST(ParseFeed, DatesFlaggedAndArticleDatedByFetchTime) {
  const ParsedFeed feed = parse_ok(rss(
      "<item><title>none</title></item>"
      "<item><title>bad</title><pubDate>someday</pubDate></item>"
      "<item><title>future</title><pubDate>Tue, 05 Mar 2024 13:00:00 GMT</pubDate></item>"
      "<item><title>ok</title><pubDate>Mon, 04 Mar 2024 23:59:59 -0100</pubDate></item>"));
  ASSERT_EQ(feed.items.size(), 4u);
  EXPECT_EQ(feed.items[0].date_quality, DateQuality::missing);
  EXPECT_FALSE(feed.items[0].published);
  EXPECT_EQ(feed.items[0].article, " date 2024-03-05 none");
  EXPECT_EQ(feed.items[1].date_quality, DateQuality::unreadable);
  EXPECT_FALSE(feed.items[1].published);
  EXPECT_EQ(feed.items[2].date_quality, DateQuality::future_clamped);
  EXPECT_EQ(*feed.items[2].published, k_fetch);
  EXPECT_EQ(feed.items[3].date_quality, DateQuality::ok);
  EXPECT_EQ(feed.items[3].article, " date 2024-03-05 ok");
}

TEST(ParseFeed, SchedulingHints) {
  const ParsedFeed feed = parse_ok(
      "<rss version=\"2.0\"><channel><title>f</title><ttl> 60 </ttl>"
      "<skipHours><hour>0</hour><hour>23</hour><hour>24</hour><hour>x</hour></skipHours>"
      "<skipDays><day>Saturday</day><day>sunday</day><day>Funday</day></skipDays>"
      "</channel></rss>");
  ASSERT_TRUE(feed.hints.ttl.has_value());
  EXPECT_EQ(*feed.hints.ttl, minutes{60});
  EXPECT_EQ(feed.hints.skip_hours, (std::vector<int>{0, 23}));
  EXPECT_EQ(feed.hints.skip_days, (std::vector<int>{0, 6}));
  const ParsedFeed none = parse_ok(rss("<ttl>soon</ttl>"));
  EXPECT_FALSE(none.hints.ttl.has_value());
}

TEST(ParseFeed, RecoversCommonMalformations) {
  // Whitespace and a BOM before the declaration, HTML entities undeclared in
  // XML, a stray '&', a raw '<' in text.
  const ParsedFeed feed = parse_ok(
      "\xef\xbb\xbf \n <?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
      "<title>Caf&eacute; &amp; Bar</title><item><title>Fish & chips&nbsp;&hellip;</title>"
      "<description>3 < 4 &mdash; true</description></item></channel></rss>");
  EXPECT_EQ(feed.title, "Caf\u00e9 & Bar");
  ASSERT_EQ(feed.items.size(), 1u);
  EXPECT_EQ(feed.items[0].title, "Fish & chips \u2026");
  EXPECT_EQ(feed.items[0].article, " date 2024-03-05 3 < 4 \u2014 true");
  ASSERT_EQ(feed.warnings.size(), 1u);
  EXPECT_THAT(feed.warnings[0], HasSubstr("line 1, column"));
}

TEST(ParseFeed, TruncatedDocumentKeepsCompleteItems) {
  const ParsedFeed feed = parse_ok(
      "<rss version=\"2.0\"><channel><title>f</title>\n<item><title>one</title></item>\n"
      "<item><title>two</title></item>\n<item><title>thr");
  ASSERT_EQ(feed.items.size(), 2u);
  EXPECT_EQ(feed.items[1].title, "two");
  ASSERT_EQ(feed.warnings.size(), 1u);
  EXPECT_THAT(feed.warnings[0], HasSubstr("XML error at line 4"));
}

TEST(ParseFeed, UnreadableDocumentsNameThePosition) {
  EXPECT_EQ(parse_error(""), "empty document");
  EXPECT_EQ(parse_error(" \n "), "empty document");
  EXPECT_THAT(parse_error("<rss><channel>\n<title>x</ti"), HasSubstr("XML error at line 2, column"));
  EXPECT_THAT(parse_error("<html><body>hi</body></html>"),
              HasSubstr("not a feed: the document element is <html> at line 1, column 2"));
  EXPECT_THAT(parse_error("just text"), HasSubstr("not a feed"));
  EXPECT_THAT(parse_error("{\"version\": \"https://jsonfeed.org/version/1\",\n \"items\": [}"),
              HasSubstr("JSON error at line 2, column"));
  EXPECT_THAT(parse_error("{\"title\": \"x\"}"), HasSubstr("no \"items\" array"));
  EXPECT_THAT(parse_error("\x1f\x8b\x08\x00"), HasSubstr("gzip"));
}

TEST(ParseFeed, CharsetFromDeclarationHttpHeaderAndBom) {
  const std::string latin1 =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>Caf\xe9</title>"
      "<item><title>na\xefve</title></item></channel></rss>";
  EXPECT_EQ(parse_ok(latin1).items[0].title, "na\u00efve");
  // The HTTP charset outranks the declaration.
  const std::string koi8 =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>t</title>"
      "<item><title>\xf0\xd2\xc9\xd7\xc5\xd4</title></item></channel></rss>";
  EXPECT_EQ(parse_ok(koi8, "", "text/xml; charset=koi8-r").items[0].title,
            "\u041f\u0440\u0438\u0432\u0435\u0442");
  // UTF-16 with a BOM, declaring utf-16.
  const std::u16string doc16 =
      u"<?xml version=\"1.0\" encoding=\"utf-16\"?><rss><channel><item><title>\u00e9t\u00e9"
      u"</title></item></channel></rss>";
  std::string bytes = "\xff\xfe";
  for (char16_t c : doc16) {
    bytes += static_cast<char>(c & 0xff);
    bytes += static_cast<char>(c >> 8);
  }
  EXPECT_EQ(parse_ok(bytes).items[0].title, "\u00e9t\u00e9");
}

TEST(ParseFeed, JsonFeedFields) {
  const ParsedFeed feed = parse_ok(R"({
    "version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "https://j.example/",
    "authors": [{"name": "Feed Person"}],
    "items": [
      {"id": 42, "url": "/p/1", "title": "Html", "content_html": "<p>A</p><p>B &amp; C</p>",
       "content_text": "ignored", "date_published": "2020-01-02T03:04:05-01:00", "tags": ["x", "y", "x"],
       "authors": [{"name": "Item Person"}]},
      {"id": "t", "external_url": "https://else.example/", "content_text": "One\n\nTwo <b>",
       "date_modified": "2020-01-03T00:00:00Z"},
      {"id": "s", "summary": "Only a summary"}
    ]})");
  EXPECT_EQ(feed.format, FeedFormat::json11);
  EXPECT_EQ(feed.title, "J");
  EXPECT_EQ(feed.link, "https://j.example/");
  ASSERT_EQ(feed.items.size(), 3u);
  EXPECT_EQ(feed.items[0].guid, "42");
  EXPECT_EQ(feed.items[0].link, "https://j.example/p/1");
  EXPECT_EQ(feed.items[0].article, " date 2020-01-02 A\n\nB & C");
  EXPECT_EQ(format_utc(*feed.items[0].published), "2020-01-02T04:04:05Z");
  EXPECT_EQ(feed.items[0].categories, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(feed.items[0].authors, std::vector<std::string>{"Item Person"});
  EXPECT_EQ(feed.items[1].link, "https://else.example/");
  EXPECT_EQ(feed.items[1].article, " date 2020-01-03 One\n\nTwo <b>");
  EXPECT_EQ(feed.items[1].authors, std::vector<std::string>{"Feed Person"});
  EXPECT_EQ(feed.items[2].article, " date 2024-03-05 Only a summary");
}

TEST(ParseFeed, BodyPriority) {
  const ParsedFeed feed = parse_ok(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>t</title><summary>short"
      "</summary><content type=\"html\">&lt;p&gt;long&lt;/p&gt;</content></entry>"
      "<entry><title>t2</title><content src=\"https://x/\"/><summary>only summary</summary>"
      "</entry><entry><title>Title only</title></entry></feed>");
  ASSERT_EQ(feed.items.size(), 3u);
  EXPECT_EQ(feed.items[0].article, " date 2024-03-05 long");
  EXPECT_EQ(feed.items[1].article, " date 2024-03-05 only summary");
  EXPECT_EQ(feed.items[2].article, " date 2024-03-05 Title only");
}

}  // namespace
}  // namespace newsmon::feeds
