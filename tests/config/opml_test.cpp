#include "config/opml.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "tests/support/process.hpp"

namespace newsmon::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The shape feed readers export: folders as outlines without xmlUrl.
constexpr const char* k_export = R"(<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="BBC World" title="BBC World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" htmlUrl="https://www.bbc.co.uk/news/world"/>
      <outline type="rss" text="Al Jazeera" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
    </outline>
    <outline type="rss" text="Hacker News" xmlUrl="https://news.ycombinator.com/rss"/>
  </body>
</opml>
)";

TEST(Opml, ReadsFeedsWithFolderTags) {
  auto feeds = parse_opml(k_export);
  ASSERT_TRUE(feeds) << feeds.error().message;
  ASSERT_EQ(feeds->size(), 3u);
  EXPECT_EQ((*feeds)[0].name, "BBC World");
  EXPECT_EQ((*feeds)[0].url, "https://feeds.bbci.co.uk/news/world/rss.xml");
  EXPECT_THAT((*feeds)[0].tags, ElementsAre("World"));
  EXPECT_EQ((*feeds)[1].name, "Al Jazeera");
  EXPECT_TRUE((*feeds)[2].tags.empty());
}

TEST(Opml, MalformedDocumentNamesTheLine) {
  auto feeds = parse_opml("<opml>\n<body>\n<outline text='x'>\n</body></opml>");
  ASSERT_FALSE(feeds);
  EXPECT_THAT(feeds.error().message, HasSubstr("line 4"));
  EXPECT_FALSE(parse_opml("<rss/>"));
}

TEST(Opml, MergesIntoTheConfigWithoutDuplicates) {
  testing::TempDir dir;
  dir.write("feeds.opml", k_export);
  std::string yaml = R"(feeds_opml: feeds.opml
feeds:
  - {name: Hacker News, url: "https://example.org/other.rss"}
  - {name: bbc, url: "https://feeds.bbci.co.uk/news/world/rss.xml", interval: 1m}
)";
  auto result = load_config_text(yaml, "cfg.yaml", dir.path());
  ASSERT_TRUE(result.config) << result.errors.at(0).to_string();
  const auto& feeds = result.config->feeds;
  ASSERT_EQ(feeds.size(), 4u);
  EXPECT_EQ(feeds[1].name, "bbc");  // the YAML entry wins for a shared URL
  EXPECT_EQ(feeds[2].name, "Al Jazeera");
  EXPECT_EQ(feeds[3].name, "Hacker News (2)");
  EXPECT_EQ(feeds[3].interval, result.config->defaults.interval);
}

TEST(Opml, MissingFileIsLocatedAtTheKey) {
  auto result = load_config_text("feeds: []\nfeeds_opml: /nonexistent.opml\n", "cfg.yaml", "/");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "cfg.yaml:2:13: feeds_opml: cannot read /nonexistent.opml");
}

}  // namespace
}  // namespace newsmon::config
