#include "alerts/routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/alerts/alert_fixtures.hpp"

namespace newsmon::alerts {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::seed_alert;

TEST(Words, FoldCaseAndSplitOnAnythingButLettersAndDigits) {
  struct Case {
    std::string text;
    std::vector<std::string> expected;
  };
  const Case cases[] = {
      {"Kim Jong-un meets Lavrov", {"kim", "jong", "un", "meets", "lavrov"}},
      {"Russia\xE2\x80\x99s foreign minister", {"russia", "s", "foreign", "minister"}},
      {"  \"G7\", 2018!  ", {"g7", "2018"}},
      {"STRASSE Stra\xC3\x9F"
       "e",
       {"strasse", "strasse"}},                                      // ß folds to ss
      {"Cafe\xCC\x81 CAF\xC3\x89", {"caf\xC3\xA9", "caf\xC3\xA9"}},  // decomposed é composes
      {"\xCE\x91\xCE\x98\xCE\x97\xCE\x9D\xCE\x91", {"\xCE\xB1\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1"}},
      {"", {}},
      {"... --- ...", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(words(c.text), c.expected) << c.text;
  }
}

struct RouteCase {
  std::string name;
  RouteSpec spec;
  bool takes_seed;  // the seed alert: afp-world, tags world+asia, the Korea/Lavrov article
};

// The seed article is about North Korea, Pompeo-era diplomacy and Lavrov's
// visit to Pyongyang; its title is set in alert_fixtures.hpp.
std::vector<RouteCase> route_cases() {
  const auto rule = [](KeywordRule match) {
    RouteSpec spec;
    spec.match = std::move(match);
    return spec;
  };
  const auto feeds = [](std::vector<std::string> names, std::vector<std::string> tags) {
    RouteSpec spec;
    spec.feeds = std::move(names);
    spec.tags = std::move(tags);
    return spec;
  };
  return {
      {"no rules take everything", RouteSpec{}, true},
      {"feed listed", feeds({"afp-world"}, {}), true},
      {"feed not listed", feeds({"bbc"}, {}), false},
      {"tag listed", feeds({}, {"asia"}), true},
      {"tag not listed", feeds({}, {"sport"}), false},
      {"feed or tag", feeds({"bbc"}, {"world"}), true},
      {"all present, any case", rule({.all = {"LAVROV", "pyongyang"}}), true},
      {"all with one missing", rule({.all = {"lavrov", "zebra"}}), false},
      {"phrase on word boundaries", rule({.all = {"North Korea"}}), true},
      {"phrase across punctuation", rule({.all = {"jong un"}}), true},
      {"phrase words out of order", rule({.all = {"korea north"}}), false},
      {"no substring match", rule({.all = {"kore"}}), false},
      {"plural is another word", rule({.all = {"envoy"}}), false},
      {"any one of", rule({.any = {"zebra", "Singapore"}}), true},
      {"any none of", rule({.any = {"zebra", "giraffe"}}), false},
      {"none absent", rule({.none = {"football"}}), true},
      {"none present in the title", rule({.none = {"meets"}}), false},
      {"none present in the text", rule({.none = {"nuclear"}}), false},
      {"date prefix is not text", rule({.all = {"date"}}), false},
      {"curly apostrophe splits", rule({.all = {"russia"}}), true},
      {"all + any + none", rule({.all = {"korea"}, .any = {"sanctions"}, .none = {"sport"}}), true},
      {"regex matches text", rule({.regex = {R"(nuclear (weapons|deterrent))"}}), true},
      {"regex is case-sensitive", rule({.regex = {"NUCLEAR"}}), false},
      {"regex (?i)", rule({.regex = {"(?i)NUCLEAR"}}), true},
      {"regex any of", rule({.regex = {"^zzz", R"(\bPanmunjom\b)"}}), true},
      {"regex none match", rule({.regex = {"^zzz"}}), false},
      {"feed filter and keywords both needed",
       [&] {
         RouteSpec spec = feeds({"bbc"}, {});
         spec.match.all = {"korea"};
         return spec;
       }(),
       false},
  };
}

TEST(Route, TableOfRulesOnTheSeedArticle) {
  const Alert alert = seed_alert();
  for (const auto& c : route_cases()) {
    auto route = Route::compile(c.spec);
    ASSERT_TRUE(route.ok()) << c.name << ": " << route.error().message;
    EXPECT_EQ(route->takes(alert), c.takes_seed) << c.name;
  }
}

TEST(Route, PhraseNeverSpansTitleAndText) {
  Alert alert = seed_alert();
  alert.item.title = "Talks in North";
  alert.article = " date 2018-05-31 Korea said nothing.";
  RouteSpec spec;
  spec.match.all = {"north korea"};
  EXPECT_FALSE(Route::compile(spec)->takes(alert));
}

TEST(Route, RejectsBadRules) {
  RouteSpec bad_regex;
  bad_regex.match.regex = {"(unclosed"};
  auto compiled = Route::compile(bad_regex);
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(compiled.error().message, HasSubstr("match.regex: \"(unclosed\""));

  RouteSpec empty_keyword;
  empty_keyword.match.any = {"--"};
  ASSERT_FALSE(Route::compile(empty_keyword).ok());
  EXPECT_THAT(Route::compile(empty_keyword).error().message, HasSubstr("match.any"));
}

TEST(Route, StoryUpdatesOnlyForSinksThatOptIn) {
  Alert update = seed_alert();
  update.event = AlertEvent::story_update;
  update.member_count = 3;
  update.sources = {"afp-world", "bbc", "reuters"};
  RouteSpec plain;
  RouteSpec at_three;
  at_three.story_update_sources = 3;
  RouteSpec at_five;
  at_five.story_update_sources = 5;
  EXPECT_FALSE(Route::compile(plain)->takes(update));
  EXPECT_TRUE(Route::compile(at_three)->takes(update));
  EXPECT_FALSE(Route::compile(at_five)->takes(update));
  EXPECT_TRUE(Route::compile(at_five)->takes(seed_alert())) << "new stories still go to it";
}

TEST(Router, AnswersTheSinksThatTakeAnAlertInOrder) {
  Router router;
  RouteSpec korea;
  korea.match.any = {"korea"};
  RouteSpec sport;
  sport.tags = {"sport"};
  config::SinkConfig world;
  world.name = "world";
  world.tags = {"world"};
  RouteSpec from_config = route_spec(world);
  ASSERT_TRUE(router.add("log", RouteSpec{}).ok());
  ASSERT_TRUE(router.add("korea-hook", korea).ok());
  ASSERT_TRUE(router.add("sport-hook", sport).ok());
  ASSERT_TRUE(router.add("world", from_config).ok());
  EXPECT_THAT(router.route(seed_alert()), ElementsAre("log", "korea-hook", "world"));

  RouteSpec broken;
  broken.match.regex = {"["};
  auto status = router.add("bad", broken);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("alerts.bad: match.regex"));
}

TEST(RouteSpec, CarriesEveryRoutingKeyOfTheSinkConfig) {
  config::SinkConfig sink;
  sink.feeds = {"afp-world"};
  sink.tags = {"world"};
  sink.match.all = {"korea"};
  sink.match.any = {"nuclear"};
  sink.match.none = {"football"};
  sink.match.regex = {"(?i)lavrov"};
  sink.story_updates = 3;
  const RouteSpec spec = route_spec(sink);
  EXPECT_EQ(spec.feeds, sink.feeds);
  EXPECT_EQ(spec.tags, sink.tags);
  EXPECT_EQ(spec.match.all, sink.match.all);
  EXPECT_EQ(spec.match.any, sink.match.any);
  EXPECT_EQ(spec.match.none, sink.match.none);
  EXPECT_EQ(spec.match.regex, sink.match.regex);
  EXPECT_EQ(spec.story_update_sources, 3);
  EXPECT_FALSE(route_spec(config::SinkConfig{}).story_update_sources.has_value());
  EXPECT_TRUE(Route::compile(spec)->takes(seed_alert()));
}

TEST(Router, AStoryNoRouteTakesGoesNowhere) {
  Router router;
  RouteSpec sport;
  sport.tags = {"sport"};
  ASSERT_TRUE(router.add("sport-hook", sport).ok());
  EXPECT_TRUE(router.route(seed_alert()).empty());
}

}  // namespace
}  // namespace newsmon::alerts
