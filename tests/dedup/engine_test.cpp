// The dedup engine on real articles: each kind of copy it must catch, the
// look-alikes it must not merge, the window and persistence.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/sqlite.hpp"
#include "dedup/dedup.hpp"
#include "dedup/sqlite_store.hpp"
#include "tests/dedup/fixtures.hpp"
#include "tests/support/process.hpp"

namespace newsmon::dedup::testing {
namespace {

using Kind = DedupDecision::Kind;
using namespace std::chrono_literals;

DedupOptions options_for(config::DedupMode mode) {
  DedupOptions options;
  options.mode = mode;
  options.time_source = TimeSource::published;
  return options;
}

// "i" + std::to_string(n) without GCC 12's false -Wrestrict on operator+.
std::string numbered(const char* prefix, std::size_t n) {
  return std::string(prefix).append(std::to_string(n));
}

DedupDecision observe(DedupEngine& engine, const DedupItem& item) {
  auto decision = engine.observe(item);
  EXPECT_TRUE(decision.ok()) << decision.error().message;
  return decision.ok() ? *decision : DedupDecision{};
}

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (end > start) {
      out.push_back(text.substr(start, end - start));
    }
    start = end + 2;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) {
      out += "\n\n";
    }
    out += part;
  }
  return out;
}

// A light edit: one paragraph dropped, one added, a typo every 40 words.
std::string lightly_edited(const std::string& text) {
  auto parts = paragraphs(text);
  if (parts.size() > 3) {
    parts.erase(parts.begin() + 2);
  }
  parts.push_back("This story has been updated with additional reporting from our correspondents.");
  std::string edited = join(parts);
  std::size_t words = 0;
  for (std::size_t i = 1; i + 1 < edited.size(); ++i) {
    if (edited[i] == ' ' && ++words % 40 == 0 && std::isalpha(static_cast<unsigned char>(edited[i + 1])) &&
        std::isalpha(static_cast<unsigned char>(edited[i + 2]))) {
      std::swap(edited[i + 1], edited[i + 2]);
    }
  }
  return edited;
}

// The leading paragraphs making up `fraction` of the text.
std::string excerpt(const std::string& text, double fraction) {
  std::vector<std::string> kept;
  std::size_t length = 0;
  for (const auto& part : paragraphs(text)) {
    if (static_cast<double>(length) >= fraction * static_cast<double>(text.size())) {
      break;
    }
    kept.push_back(part);
    length += part.size() + 2;
  }
  return join(kept);
}

SysTime date_of(const DevArticle& article) {
  int year = std::stoi(article.date.substr(0, 4));
  auto month = static_cast<unsigned>(std::stoi(article.date.substr(5, 2)));
  auto d = static_cast<unsigned>(std::stoi(article.date.substr(8, 2)));
  return day(year, month, d);
}

TEST(DedupEngine, SeedPairIsOneStoryInEitherOrder) {
  const std::string first = seed_body("000_3be80ab0dfb770c4.txt");
  const std::string second = seed_body("001_3ad860b9476a8039.txt");
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    for (bool swapped : {false, true}) {
      SCOPED_TRACE(std::string(config::to_string(mode)) + (swapped ? " swapped" : ""));
      DedupEngine engine(options_for(mode), nullptr);
      auto a = make_item("000", "wire", "", swapped ? second : first, day(2018, 5, 31));
      auto b = make_item("001", "paper", "", swapped ? first : second, day(2018, 5, 31, 3));
      EXPECT_EQ(observe(engine, a).kind, Kind::new_story);
      auto decision = observe(engine, b);
      EXPECT_EQ(decision.kind, Kind::duplicate);
      EXPECT_EQ(decision.duplicate_of, "000");
      EXPECT_EQ(decision.story_id, "000");
      // The layer that decides: copy containment, or (stories) the cosine.
      EXPECT_GE(decision.score, mode == config::DedupMode::copies ? k_default_copy_threshold
                                                                  : k_default_story_threshold);
    }
  }
}

TEST(DedupEngine, RepolledItemIsARepeat) {
  const auto& article = dev_articles()[0];
  DedupEngine engine(options_for(config::DedupMode::stories), nullptr);
  auto item = make_item("g1", "feed-a", article.title, article.text, day(2020, 1, 1));
  EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
  // Re-polled ten minutes later, its text revised: still the same item.
  item.arrival += 10min;
  item.published += 10min;
  item.text += "\n\nUpdated.";
  auto again = observe(engine, item);
  EXPECT_EQ(again.kind, Kind::repeat);
  EXPECT_EQ(again.story_id, "g1");
  EXPECT_EQ(again.story_members, 1u);
}

TEST(DedupEngine, ItemWithoutGuidIsKeyedByLinkElseTitleAndDate) {
  DedupEngine engine(options_for(config::DedupMode::copies), nullptr);
  auto by_link = make_item("a", "feed", "Title one", "Some body text of the first item.", day(2020, 1, 1));
  by_link.guid.clear();
  by_link.link = "https://example.org/a";
  EXPECT_EQ(observe(engine, by_link).kind, Kind::new_story);
  by_link.id = "a-again";
  EXPECT_EQ(observe(engine, by_link).kind, Kind::repeat);
  auto by_title = make_item("b", "feed", "Title two", "Quite another body entirely here.", day(2020, 1, 1));
  by_title.guid.clear();
  EXPECT_EQ(observe(engine, by_title).kind, Kind::new_story);
  by_title.id = "b-again";
  EXPECT_EQ(observe(engine, by_title).kind, Kind::repeat);
}

TEST(DedupEngine, SameLinkWithTrackingParametersFromAnotherFeedIsARepeat) {
  DedupEngine engine(options_for(config::DedupMode::stories), nullptr);
  auto first = make_item("x1", "feed-a", "Headline", "Body of the story as feed A has it.", day(2020, 1, 1));
  first.link = "https://News.Example.com:443/world/story-1?id=7#top";
  auto second = make_item("y9", "feed-b", "Another headline", "Feed B's summary differs.", day(2020, 1, 1, 2));
  second.link = "https://news.example.com/world/story-1?utm_source=rss&id=7&utm_medium=feed&fbclid=abc";
  EXPECT_EQ(observe(engine, first).kind, Kind::new_story);
  auto decision = observe(engine, second);
  EXPECT_EQ(decision.kind, Kind::repeat);
  EXPECT_EQ(decision.story_id, "x1");
}

TEST(DedupEngine, VerbatimCopyUnderAnotherTitleIsADuplicate) {
  const auto& article = dev_articles()[3];
  DedupEngine engine(options_for(config::DedupMode::copies), nullptr);
  observe(engine, make_item("orig", "a", article.title, article.text, day(2020, 1, 1)));
  // Reflowed, re-cased and re-punctuated: the canonical text is the same.
  std::string copy = "  " + article.text + "\n";
  auto decision = observe(engine, make_item("copy", "b", "A different headline", copy, day(2020, 1, 2)));
  EXPECT_EQ(decision.kind, Kind::duplicate);
  EXPECT_EQ(decision.duplicate_of, "orig");
  EXPECT_DOUBLE_EQ(decision.score, 1.0);
}

// A copy keeps its text findable after the item it copied has left the
// window: a third copy matches the second, in both modes.
TEST(DedupEngine, VerbatimCopyOfACopyIsFoundAfterTheOriginalLeft) {
  const auto& article = dev_articles()[3];
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    SCOPED_TRACE(config::to_string(mode));
    DedupOptions options = options_for(mode);
    options.window = std::chrono::hours(72);
    DedupEngine engine(options, nullptr);
    observe(engine, make_item("first", "a", article.title, article.text, day(2020, 1, 1)));
    EXPECT_EQ(observe(engine, make_item("second", "b", "Other", article.text, day(2020, 1, 2, 12))).kind,
              Kind::duplicate);
    auto third = observe(engine, make_item("third", "c", "Third", article.text, day(2020, 1, 4, 12)));
    EXPECT_EQ(third.kind, Kind::duplicate);
    EXPECT_EQ(third.duplicate_of, "second");
    EXPECT_EQ(third.story_id, "first");
  }
}

// Table: every fifth dev article long enough to excerpt, in copies mode.
TEST(DedupEngine, LightlyEditedCopiesAndFortyPercentExcerptsAreDuplicates) {
  int tested = 0;
  for (std::size_t i = 0; i < dev_articles().size(); i += 5) {
    const auto& article = dev_articles()[i];
    if (paragraphs(article.text).size() < 6) {
      continue;
    }
    ++tested;
    SCOPED_TRACE(article.id);
    for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
      DedupEngine engine(options_for(mode), nullptr);
      observe(engine, make_item("orig", "a", article.title, article.text, day(2020, 1, 1)));
      auto edited = observe(engine, make_item("edit", "b", "Reworded: " + article.title,
                                              lightly_edited(article.text), day(2020, 1, 1, 5)));
      EXPECT_EQ(edited.kind, Kind::duplicate);
      EXPECT_EQ(edited.story_id, "orig");
      auto part = observe(engine, make_item("part", "c", "Excerpt", excerpt(article.text, 0.4),
                                            day(2020, 1, 2)));
      EXPECT_EQ(part.kind, Kind::duplicate);
      EXPECT_EQ(part.story_id, "orig");
    }
  }
  EXPECT_GE(tested, 20);
}

TEST(DedupEngine, ExcerptBeforeItsSourceIsADuplicateToo) {
  const auto& article = dev_articles()[10];
  DedupEngine engine(options_for(config::DedupMode::copies), nullptr);
  observe(engine, make_item("part", "a", "Teaser", excerpt(article.text, 0.4), day(2020, 1, 1)));
  auto full = observe(engine, make_item("full", "b", article.title, article.text, day(2020, 1, 1, 1)));
  EXPECT_EQ(full.kind, Kind::duplicate);
  EXPECT_EQ(full.story_id, "part");
}

// Different events on one topic days apart (the closest such pairs of
// dedup-dev), in one feed that appends the same footer to everything, both
// quoting the same sentence: the shared material must not merge them.
// Known limit: other same-topic pairs (the Mueller report's release and a
// call for Schiff to resign three days later) score above the coverage
// threshold on their own words; re-dated to one day, so do these; and with
// no history (a cold start: IDF from a handful of articles) these score
// within 0.02 of the threshold.
TEST(DedupEngine, SameTopicArticlesSharingOnlyBoilerplateOrAQuoteAreNotMerged) {
  const std::string footer =
      "Sign up for our Morning Briefing newsletter to get the day's top stories in your inbox.\n\n"
      "Copyright 2019 Example News Network. All rights reserved. This material may not be "
      "published, broadcast, rewritten or redistributed.";
  const std::string quote =
      "\"We are not going to let the American people be held hostage by a fight over this,\" "
      "a senior congressional aide said on Friday.";
  const std::vector<std::string> fillers = {
      "Heavy rain is expected across the region over the weekend, forecasters said.",
      "The city council approved a new budget for public libraries on Tuesday.",
      "The home team won the championship after a dramatic overtime goal.",
  };
  struct Pair {
    std::string a;
    std::string b;
  };
  const std::vector<Pair> pairs = {
      {"basil-4f473faf-f928-4cfd-8bed-00578be9db9a_1", "basil-2742e9c1-2943-496f-8b23-faf5332e1612_1"},
      {"basil-ee05c9b3-529c-4268-ad72-19bd34f7197e_1", "basil-c99adbdd-eaf3-4844-9548-2642e80de4e2_1"},
      {"basil-4f473faf-f928-4cfd-8bed-00578be9db9a_3", "basil-2742e9c1-2943-496f-8b23-faf5332e1612_2"},
      {"basil-ee05c9b3-529c-4268-ad72-19bd34f7197e_1", "basil-c99adbdd-eaf3-4844-9548-2642e80de4e2_2"},
  };
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    for (bool learned : {false, true}) {
      for (const auto& pair : pairs) {
        SCOPED_TRACE(std::string(config::to_string(mode)) + " " + pair.a + (learned ? " learned" : ""));
        const auto& a = dev_article(pair.a);
        const auto& b = dev_article(pair.b);
        DedupEngine engine(options_for(mode), nullptr);
        // A daemon that has been running: the stream's earlier articles, on
        // their own dates, taught it which words are common.
        for (const auto& earlier : dev_articles()) {
          if (date_of(earlier) < date_of(a) - 24h * 7) {
            observe(engine, make_item(earlier.id, earlier.source, earlier.title, earlier.text,
                                      date_of(earlier)));
          }
        }
        if (learned) {  // the feed's footer seen before: filtered out
          for (std::size_t i = 0; i < fillers.size(); ++i) {
            observe(engine, make_item(numbered("filler", i), "example", "News",
                                      fillers[i] + "\n\n" + footer,
                                      date_of(a) - 24h + std::chrono::hours(i)));
          }
        }
        auto first = observe(engine, make_item("A", "example", a.title,
                                               a.text + "\n\n" + quote + "\n\n" + footer, date_of(a)));
        auto second = observe(engine, make_item("B", "example", b.title,
                                                quote + "\n\n" + b.text + "\n\n" + footer, date_of(b)));
        EXPECT_EQ(first.kind, Kind::new_story);
        EXPECT_EQ(second.kind, Kind::new_story)
            << "merged with " << second.duplicate_of << " score " << second.score;
      }
    }
  }
}

TEST(DedupEngine, ShortItemsSharingOnlyAFooterAreNotMerged) {
  const std::string footer = "Read more at Example News. Subscribe for unlimited access to all stories.";
  DedupEngine engine(options_for(config::DedupMode::copies), nullptr);
  auto a = observe(engine, make_item("a", "feed", "Mayor opens new bridge",
                                     "The mayor opened the new river bridge on Monday.\n\n" + footer,
                                     day(2020, 1, 1)));
  auto b = observe(engine, make_item("b", "feed", "Storm closes schools",
                                     "A winter storm closed schools across the county.\n\n" + footer,
                                     day(2020, 1, 1, 1)));
  EXPECT_EQ(a.kind, Kind::new_story);
  EXPECT_EQ(b.kind, Kind::new_story);
}

TEST(DedupEngine, ItemsOlderThanTheWindowNoLongerMatch) {
  const auto& article = dev_articles()[20];
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    DedupOptions options = options_for(mode);
    options.window = 72h;
    DedupEngine engine(options, nullptr);
    observe(engine, make_item("old", "a", article.title, article.text, day(2020, 1, 1)));
    auto inside = observe(engine, make_item("in", "b", article.title, article.text, day(2020, 1, 3, 23)));
    EXPECT_EQ(inside.kind, Kind::duplicate);
    // Four days after "in": both earlier copies have left the window.
    auto outside = observe(engine, make_item("out", "c", article.title, article.text, day(2020, 1, 8)));
    EXPECT_EQ(outside.kind, Kind::new_story);
    EXPECT_EQ(engine.stats().items, 1u);
  }
}

TEST(DedupEngine, LongReplayKeepsOnlyTheWindow) {
  DedupOptions options = options_for(config::DedupMode::stories);
  options.window = std::chrono::hours(24 * 7);
  DedupEngine engine(options, nullptr);
  SysTime when = day(2015, 1, 1);
  for (int i = 0; i < 200; ++i) {
    const auto& article = dev_articles()[static_cast<std::size_t>(i) % dev_articles().size()];
    observe(engine, make_item(numbered("i", i), "f", article.title, article.text, when));
    when += std::chrono::hours(24 * 3);
  }
  // One article every three days, a seven-day window: at most three left.
  EXPECT_LE(engine.stats().items, 3u);
}

TEST(DedupEngine, CapacityBoundEvictsTheOldest) {
  DedupOptions options = options_for(config::DedupMode::copies);
  options.capacity = 10;
  DedupEngine engine(options, nullptr);
  for (int i = 0; i < 30; ++i) {
    const auto& article = dev_articles()[static_cast<std::size_t>(i)];
    observe(engine, make_item(numbered("i", i), "f", article.title, article.text,
                              day(2020, 1, 1) + std::chrono::minutes(i)));
  }
  EXPECT_EQ(engine.stats().items, 10u);
  const auto& evicted = dev_articles()[0];
  const auto& kept = dev_articles()[29];
  EXPECT_EQ(observe(engine, make_item("e", "g", evicted.title, evicted.text, day(2020, 1, 1, 1))).kind,
            Kind::new_story);
  EXPECT_EQ(observe(engine, make_item("k", "g", kept.title, kept.text, day(2020, 1, 1, 1))).kind,
            Kind::duplicate);
}

TEST(DedupEngine, ChineseCopyIsCaughtByCharacterShingles) {
  const std::string text =
      "国家统计局今天公布的数据显示，今年前三季度国内生产总值同比增长百分之五点二，"
      "经济运行总体回升向好。分析人士认为，消费和服务业的恢复是主要推动力量，"
      "但房地产市场仍然面临较大压力，地方政府债务问题也需要持续关注。"
      "专家建议进一步扩大内需，稳定就业，增强市场信心，推动经济高质量发展。";
  const std::string edited =
      "【财经快讯】国家统计局今天公布的数据显示，今年前三季度国内生产总值同比增长百分之五点二，"
      "经济运行总体回升向好。分析人士认为，消费和服务业的恢复是主要推动力量，"
      "但房地产市场仍然面临较大的压力，地方政府债务问题也需要持续关注。";
  const std::string other =
      "台风今天下午在沿海地区登陆，最大风力达到十二级，当地已经紧急转移群众两万多人，"
      "多个航班和列车停运，学校停课一天，气象部门提醒公众注意防范强降雨引发的山洪和地质灾害。";
  DedupEngine engine(options_for(config::DedupMode::copies), nullptr);
  observe(engine, make_item("cn1", "a", "统计局发布数据", text, day(2023, 10, 18)));
  EXPECT_EQ(observe(engine, make_item("cn2", "b", "前三季度经济数据", edited, day(2023, 10, 18, 2))).kind,
            Kind::duplicate);
  EXPECT_EQ(observe(engine, make_item("cn3", "b", "台风登陆", other, day(2023, 10, 18, 3))).kind,
            Kind::new_story);
}

TEST(DedupEngine, StoryKeepsMembersAndFeeds) {
  const std::string body = seed_body("001_3ad860b9476a8039.txt");
  DedupEngine engine(options_for(config::DedupMode::stories), nullptr);
  observe(engine, make_item("s1", "wire", "", body, day(2018, 5, 31)));
  observe(engine, make_item("s2", "paper", "", body, day(2018, 5, 31, 1)));
  auto third = observe(engine, make_item("s3", "wire", "", seed_body("000_3be80ab0dfb770c4.txt"),
                                         day(2018, 5, 31, 2)));
  EXPECT_EQ(third.kind, Kind::duplicate);
  EXPECT_EQ(third.story_id, "s1");
  EXPECT_EQ(third.story_members, 3u);
  EXPECT_EQ(third.story_feeds, (std::vector<std::string>{"wire", "paper"}));
}

// Item and story ids are kept after a varint length in arenas: one length
// byte up to 127, more past it; an empty id is an id too.
TEST(DedupEngine, IdsOfAnyLengthComeBack) {
  const auto& article = dev_articles()[20];
  for (std::size_t length : {0u, 1u, 127u, 128u, 16'384u, 70'000u}) {
    const std::string id(length, 'x');
    newsmon::testing::TempDir dir;
    sqlite::Database db(dir.path() + "/ids.db");
    DedupEngine engine(options_for(config::DedupMode::stories),
                       std::make_unique<SqliteWindowStore>(db));
    observe(engine, make_item(id, "a", article.title, article.text, day(2020, 1, 1)));
    auto copy =
        observe(engine, make_item("copy", "b", article.title, article.text, day(2020, 1, 1, 1)));
    EXPECT_EQ(copy.duplicate_of, id) << length;
    EXPECT_EQ(copy.story_id, id) << length;
    ASSERT_TRUE(engine.restore().ok());
    auto again =
        observe(engine, make_item("again", "c", article.title, article.text, day(2020, 1, 1, 2)));
    EXPECT_EQ(again.duplicate_of, "copy") << length;
    EXPECT_EQ(again.story_id, id) << length;
    EXPECT_EQ(again.story_members, 3u);
  }
}

// Keys outlive the window, but the window's buckets and the key buckets
// differ in length, so an article can stay in the window a little past its
// story's retention. A late copy of it (published mode) then starts that
// story afresh under the old number, and never joins the story that took
// the new place meanwhile (keys and slots point at stories by place).
TEST(DedupEngine, ArticleOutlivingItsStoryStartsItAfresh) {
  const auto& original = dev_articles()[20];
  const auto& other = dev_articles()[150];
  const SysTime start = day(2020, 1, 1);
  struct Case {
    std::chrono::milliseconds now;  // when `other` arrives
    const char* story_id;           // of the late copy
    std::uint32_t members;
  };
  // Window 64 min in buckets of 1 min, retention 64.5 min in buckets of
  // 60.468 s: the original's story leaves at +3,884,532 ms, the original
  // itself at +3,900,000.
  const Case cases[] = {
      {3'880'000ms, "orig", 2},  // the story is still there
      {3'890'000ms, "late", 1},  // it left; the article is still in the window
  };
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    for (const Case& test : cases) {
      DedupOptions options = options_for(mode);
      options.window = 64min;
      options.key_retention = 64min + 30s;
      DedupEngine engine(options, nullptr);
      observe(engine, make_item("orig", "a", original.title, original.text, start));
      EXPECT_EQ(
          observe(engine, make_item("other", "b", other.title, other.text, start + test.now)).kind,
          Kind::new_story);
      auto late =
          observe(engine, make_item("late", "c", original.title, original.text, start + 1s));
      EXPECT_EQ(late.kind, Kind::duplicate) << test.story_id;
      EXPECT_EQ(late.duplicate_of, "orig");
      EXPECT_EQ(late.story_id, test.story_id);
      EXPECT_EQ(late.story_members, test.members);
      EXPECT_TRUE(late.new_source);
    }
  }
}

struct Observed {
  std::string id;
  Kind kind;
  std::string story;
};

TEST(DedupEngine, RestartOnTheSameSqliteFileKeepsEveryDecision) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  DedupOptions options = options_for(config::DedupMode::stories);
  options.window = std::chrono::hours(24 * 7);
  std::vector<DedupItem> items;
  for (std::size_t i = 0; i < 60; ++i) {
    const auto& article = dev_articles()[i];
    auto item = make_item(article.id, article.source, article.title, article.text,
                          day(2020, 1, 1) + std::chrono::hours(static_cast<int>(i)));
    items.push_back(item);
  }
  std::vector<Observed> before;
  {
    sqlite::Database db(path);
    DedupEngine engine(options, std::make_unique<SqliteWindowStore>(db));
    sqlite::Transaction transaction(db);
    for (std::size_t i = 0; i < 40; ++i) {
      auto decision = observe(engine, items[i]);
      before.push_back(Observed{items[i].id, decision.kind, decision.story_id});
    }
    transaction.commit();
  }
  sqlite::Database db(path);
  DedupEngine restarted(options, std::make_unique<SqliteWindowStore>(db));
  EXPECT_EQ(restarted.stats().items, 40u);
  // Every item decided before is recognised, in its story.
  for (std::size_t i = 0; i < 40; ++i) {
    auto decision = observe(restarted, items[i]);
    EXPECT_EQ(decision.kind, Kind::repeat) << items[i].id;
    EXPECT_EQ(decision.story_id, before[i].story) << items[i].id;
  }
  // And the restored window still matches new copies and new coverage.
  DedupEngine fresh(options, nullptr);
  for (std::size_t i = 0; i < 40; ++i) {
    observe(fresh, items[i]);
  }
  for (std::size_t i = 40; i < 60; ++i) {
    auto restored = observe(restarted, items[i]);
    auto in_memory = observe(fresh, items[i]);
    EXPECT_EQ(restored.kind, in_memory.kind) << items[i].id;
    EXPECT_EQ(restored.story_id, in_memory.story_id) << items[i].id;
  }
  auto copy = items[5];
  copy.id = "copy-of-5";
  copy.guid = "copy-of-5";
  copy.feed = "elsewhere";
  EXPECT_EQ(observe(restarted, copy).story_id, before[5].story);
}

// The same replay under capacity pressure (buckets emptied by the capacity
// bound, not by age), restarted every 60 articles: a bucket that capacity
// emptied leaves the store too, so no restart counts its document
// frequencies twice and every decision matches an uninterrupted run.
TEST(DedupEngine, RestartsUnderCapacityPressureDecideLikeAnUninterruptedRun) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  DedupOptions options = options_for(config::DedupMode::stories);
  options.window = std::chrono::hours(24 * 7);
  options.capacity = 20;
  const auto& articles = dev_articles();
  // One an hour: the 7-day window would hold 168, capacity keeps 20, so
  // sealed buckets (2.6 h each) are emptied by capacity, not by age.
  auto item_of = [&](std::size_t i) {
    return make_item(articles[i].id, articles[i].source, articles[i].title, articles[i].text,
                     day(2020, 1, 1) + std::chrono::hours(static_cast<int>(i)));
  };
  DedupEngine uninterrupted(options, nullptr);
  std::vector<DedupDecision> expected;
  for (std::size_t i = 0; i < articles.size(); ++i) {
    expected.push_back(observe(uninterrupted, item_of(i)));
  }
  int merged = 0;
  for (std::size_t start = 0; start < articles.size(); start += 60) {
    sqlite::Database db(path);
    DedupEngine engine(options, std::make_unique<SqliteWindowStore>(db));
    sqlite::Transaction transaction(db);
    for (std::size_t i = start; i < std::min(start + 60, articles.size()); ++i) {
      auto decision = observe(engine, item_of(i));
      EXPECT_EQ(decision.kind, expected[i].kind) << articles[i].id;
      EXPECT_EQ(decision.story_id, expected[i].story_id) << articles[i].id;
      EXPECT_NEAR(decision.score, expected[i].score, 1e-6) << articles[i].id;
      merged += decision.kind == Kind::duplicate ? 1 : 0;
    }
    transaction.commit();
  }
  EXPECT_GT(merged, 30);
}

// prepare() on another thread (as `newsmon dedup` does) decides exactly as
// observe() preparing in place: over repeats, a footer the filter learns, and
// items prepared for the other mode, each hinted first. (That the text is
// made again without the learned lines is
// SameTopicArticlesSharingOnlyBoilerplate...'s part.)
TEST(DedupEngine, ItemsPreparedElsewhereDecideAsPreparedInPlace) {
  const std::string footer =
      "Sign up for our Morning Briefing newsletter to get the day's top stories in your inbox.";
  const auto& articles = dev_articles();
  for (auto mode : {config::DedupMode::copies, config::DedupMode::stories}) {
    SCOPED_TRACE(config::to_string(mode));
    const auto other_mode =
        mode == config::DedupMode::copies ? config::DedupMode::stories : config::DedupMode::copies;
    DedupEngine in_place(options_for(mode), nullptr);
    DedupEngine prepared_elsewhere(options_for(mode), nullptr);
    int merged = 0;
    for (std::size_t i = 0; i < articles.size(); ++i) {
      const auto& article = articles[i];
      // Every third article carries its outlet's footer: learned, then left out.
      std::string text = i % 3 == 0 ? article.text + "\n\n" + footer : article.text;
      DedupItem item = make_item(article.id, article.source, article.title, text, date_of(article));
      PreparedItem prepared;
      std::thread worker([&] { prepare(item, i % 10 == 0 ? other_mode : mode, prepared); });
      worker.join();
      auto expected = observe(in_place, item);
      prepared_elsewhere.prefetch(prepared);  // a hint changes no decision
      auto decision = prepared_elsewhere.observe(item, prepared);
      ASSERT_TRUE(decision.ok()) << decision.error().message;
      EXPECT_EQ(decision->kind, expected.kind) << article.id;
      EXPECT_EQ(decision->story_id, expected.story_id) << article.id;
      EXPECT_EQ(decision->duplicate_of, expected.duplicate_of) << article.id;
      EXPECT_DOUBLE_EQ(decision->score, expected.score) << article.id;
      merged += expected.kind == Kind::duplicate ? 1 : 0;
      if (i % 7 == 0) {  // polled again
        EXPECT_EQ(prepared_elsewhere.observe(item, prepared)->kind, Kind::repeat);
        EXPECT_EQ(observe(in_place, item).kind, Kind::repeat);
      }
    }
    if (mode == config::DedupMode::stories) {
      EXPECT_GT(merged, 100);
    }
  }
}

// A state file from before the packed window format (schema 1): its items
// are dropped, its keys kept, so an item still in its feed is not alerted
// again after the upgrade.
TEST(DedupEngine, OlderWindowSchemaKeepsKeysAndDropsItems) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  DedupOptions options = options_for(config::DedupMode::stories);
  const auto& article = dev_articles()[0];
  auto item = make_item(article.id, article.source, article.title, article.text, day(2020, 1, 1));
  {
    sqlite::Database db(path);
    DedupEngine engine(options, std::make_unique<SqliteWindowStore>(db));
    EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
    db.exec(R"sql(
      DROP TABLE dedup_schema;
      DROP TABLE dedup_items;
      CREATE TABLE dedup_items(
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL, feed TEXT NOT NULL, time_ms INTEGER NOT NULL,
        story INTEGER NOT NULL, text_hash INTEGER NOT NULL, signature BLOB NOT NULL,
        terms BLOB, df_terms BLOB);
      INSERT INTO dedup_items VALUES(1, 'old', 'feed', 0, 1, 0, x'00', x'00', x'00');
    )sql");
  }
  sqlite::Database db(path);
  DedupEngine upgraded(options, std::make_unique<SqliteWindowStore>(db));
  EXPECT_EQ(upgraded.stats().items, 0u);
  EXPECT_EQ(upgraded.stats().keys, 1u);
  EXPECT_EQ(observe(upgraded, item).kind, Kind::repeat);
}

// A replay of years of dedup-dev with a 7-day window, stopped and restarted
// half way: the restarted engine decides the rest exactly as one that never
// stopped, IDF memory of evicted articles included.
TEST(DedupEngine, RestartMidReplayDecidesLikeAnUninterruptedRun) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  DedupOptions options = options_for(config::DedupMode::stories);
  options.window = std::chrono::hours(24 * 7);
  const auto& articles = dev_articles();
  auto item_of = [&](std::size_t i) {
    return make_item(articles[i].id, articles[i].source, articles[i].title, articles[i].text,
                     date_of(articles[i]));
  };
  DedupEngine uninterrupted(options, nullptr);
  std::vector<DedupDecision> expected;
  for (std::size_t i = 0; i < articles.size(); ++i) {
    expected.push_back(observe(uninterrupted, item_of(i)));
  }
  const std::size_t half = articles.size() / 2;
  {
    sqlite::Database db(path);
    DedupEngine first(options, std::make_unique<SqliteWindowStore>(db));
    sqlite::Transaction transaction(db);
    for (std::size_t i = 0; i < half; ++i) {
      observe(first, item_of(i));
    }
    transaction.commit();
  }
  sqlite::Database db(path);
  // Sealed buckets hold the window's document frequencies as single rows,
  // and the term lists of their items are gone: the restart uses those rows.
  auto count = [&](const char* sql) {
    auto query = db.prepare(sql);
    query.step();
    return query.column_int(0);
  };
  EXPECT_GT(count("SELECT count(*) FROM dedup_bucket_terms"), 0);
  EXPECT_LT(count("SELECT count(*) FROM dedup_item_terms"), count("SELECT count(*) FROM dedup_items"));
  DedupEngine second(options, std::make_unique<SqliteWindowStore>(db));
  int merged = 0;
  for (std::size_t i = half; i < articles.size(); ++i) {
    auto decision = observe(second, item_of(i));
    EXPECT_EQ(decision.kind, expected[i].kind) << articles[i].id;
    EXPECT_EQ(decision.story_id, expected[i].story_id) << articles[i].id;
    EXPECT_NEAR(decision.score, expected[i].score, 1e-6) << articles[i].id;
    merged += decision.kind == Kind::duplicate ? 1 : 0;
  }
  EXPECT_GT(merged, 30);
}

TEST(DedupEngine, CallerTransactionDecidesWhatIsKept) {
  newsmon::testing::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  const auto& article = dev_articles()[7];
  auto item = make_item("only", "f", article.title, article.text, day(2020, 2, 2));
  {
    sqlite::Database db(path);
    DedupEngine engine(options_for(config::DedupMode::copies), std::make_unique<SqliteWindowStore>(db));
    sqlite::Transaction transaction(db);
    EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
    // The caller's own write (an outbox row) fails: nothing is committed.
  }
  {
    sqlite::Database db(path);
    DedupEngine engine(options_for(config::DedupMode::copies), std::make_unique<SqliteWindowStore>(db));
    EXPECT_EQ(engine.stats().items, 0u);
    sqlite::Transaction transaction(db);
    EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
    db.exec("CREATE TABLE outbox(story TEXT)");
    db.exec("INSERT INTO outbox VALUES('only')");
    transaction.commit();
  }
  sqlite::Database db(path);
  DedupEngine engine(options_for(config::DedupMode::copies), std::make_unique<SqliteWindowStore>(db));
  EXPECT_EQ(observe(engine, item).kind, Kind::repeat);
}

TEST(DedupEngine, RestoreAfterARolledBackTransaction) {
  newsmon::testing::TempDir dir;
  sqlite::Database db(dir.path() + "/state.db");
  const auto& article = dev_articles()[8];
  auto item = make_item("x", "f", article.title, article.text, day(2020, 2, 2));
  DedupEngine engine(options_for(config::DedupMode::copies), std::make_unique<SqliteWindowStore>(db));
  {
    sqlite::Transaction transaction(db);
    EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
  }
  ASSERT_TRUE(engine.restore().ok());
  EXPECT_EQ(observe(engine, item).kind, Kind::new_story);
}

}  // namespace
}  // namespace newsmon::dedup::testing
