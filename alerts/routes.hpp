#pragma once
// Which sinks take an alert. A sink may select stories by feed name or tag
// and by keyword rules on the title and text; an alert no route takes is
// still recorded by dedup (the caller's job), it just goes nowhere.
//
// Keywords and phrases match case-insensitively on word boundaries: text and
// keyword are Unicode case-folded and split into runs of letters and digits,
// and a phrase matches where its words appear consecutively ("new york"
// matches "New-York" but "york" does not match "Yorkshire"). Title and text
// are matched separately, so a phrase never spans them; the dated article's
// " date YYYY-MM-DD" prefix is not searched. Regular expressions are RE2
// syntax, case-sensitive unless written with (?i).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

namespace re2 {
class RE2;
}

namespace newsmon::alerts {

struct KeywordRule {
  std::vector<std::string> all{};    // every one must appear
  std::vector<std::string> any{};    // when non-empty, at least one must appear
  std::vector<std::string> none{};   // none may appear
  std::vector<std::string> regex{};  // when non-empty, at least one must match
};

struct RouteSpec {
  // Empty feeds and tags take every story; otherwise a story is taken when
  // its feed is listed or it carries a listed tag.
  std::vector<std::string> feeds;
  std::vector<std::string> tags;
  KeywordRule match;
  // Opt-in for story_update alerts: sent when a story reaches this many
  // distinct sources. Unset: the sink takes new_story alerts only.
  std::optional<int> story_update_sources;
};

// The routing part of a sink's config: feeds, tags, `match` keyword rules and
// `story_updates`.
RouteSpec route_spec(const config::SinkConfig& sink);

// Case-folded words of `text`, in order: the unit keywords match on.
std::vector<std::string> words(std::string_view text);

// An alert's title and body split into words once, shared by every route.
struct AlertText {
  explicit AlertText(const Alert& alert);
  std::string_view title;
  std::string_view body;
  std::vector<std::string> title_words;
  std::vector<std::string> body_words;
};

class Route {
 public:
  // Fails on an invalid regex or a keyword without any letter or digit.
  static Result<Route> compile(RouteSpec spec);
  bool takes(const Alert& alert) const { return takes(alert, AlertText(alert)); }
  bool takes(const Alert& alert, const AlertText& text) const;

 private:
  using Phrase = std::vector<std::string>;
  RouteSpec m_spec;
  std::vector<Phrase> m_all;
  std::vector<Phrase> m_any;
  std::vector<Phrase> m_none;
  std::vector<std::shared_ptr<const re2::RE2>> m_regex;
};

class Router {
 public:
  // Errors name the sink and the rule that does not compile.
  Status add(std::string sink, RouteSpec spec);
  // The sinks that take `alert`, in the order they were added.
  std::vector<std::string> route(const Alert& alert) const;

 private:
  std::vector<std::pair<std::string, Route>> m_routes;
};

}  // namespace newsmon::alerts
