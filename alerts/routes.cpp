#include "alerts/routes.hpp"

#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>

#include "common/unicode.hpp"

namespace newsmon::alerts {
namespace {

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* data) const { std::free(data); }  // NOLINT: utf8proc mallocs
};

// NFC + Unicode case folding, so "STRASSE" and "straße" and composed or
// decomposed accents compare equal. Invalid UTF-8 falls back to ASCII lower.
std::string fold_case(std::string_view text) {
  utf8proc_uint8_t* raw = nullptr;
  const auto length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &raw,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (length < 0) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return lower;
  }
  return {reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(length)};
}

bool contains_phrase(const std::vector<std::string>& words_in,
                     const std::vector<std::string>& phrase) {
  return std::search(words_in.begin(), words_in.end(), phrase.begin(), phrase.end()) !=
         words_in.end();
}

bool found(const AlertText& text, const std::vector<std::string>& phrase) {
  return contains_phrase(text.title_words, phrase) || contains_phrase(text.body_words, phrase);
}

Result<std::vector<std::vector<std::string>>> compile_phrases(const std::vector<std::string>& list,
                                                              std::string_view key) {
  std::vector<std::vector<std::string>> phrases;
  for (const auto& keyword : list) {
    auto phrase = words(keyword);
    if (phrase.empty()) {
      return Error{"match." + std::string(key) + ": \"" + keyword +
                   "\" has no letter or digit to match"};
    }
    phrases.push_back(std::move(phrase));
  }
  return phrases;
}

}  // namespace

RouteSpec route_spec(const config::SinkConfig& sink) {
  RouteSpec spec;
  spec.feeds = sink.feeds;
  spec.tags = sink.tags;
  spec.match = KeywordRule{sink.match.all, sink.match.any, sink.match.none, sink.match.regex};
  if (sink.story_updates > 0) {
    spec.story_update_sources = sink.story_updates;
  }
  return spec;
}

std::vector<std::string> words(std::string_view text) {
  const std::string folded = fold_case(text);
  const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(folded.data());
  const auto size = static_cast<utf8proc_ssize_t>(folded.size());
  std::vector<std::string> out;
  std::string current;
  for (utf8proc_ssize_t pos = 0; pos < size;) {
    utf8proc_int32_t code_point = 0;
    utf8proc_ssize_t length = utf8proc_iterate(data + pos, size - pos, &code_point);
    if (length <= 0) {
      length = 1;  // an invalid byte separates words
      code_point = -1;
    }
    if (code_point >= 0 && is_word_category(utf8proc_category(code_point))) {
      current.append(folded, static_cast<std::size_t>(pos), static_cast<std::size_t>(length));
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
    pos += length;
  }
  if (!current.empty()) {
    out.push_back(std::move(current));
  }
  return out;
}

AlertText::AlertText(const Alert& alert)
    : title(alert.item.title),
      body(split_dated_article(alert.article).body),
      title_words(words(title)),
      body_words(words(body)) {}

Result<Route> Route::compile(RouteSpec spec) {
  Route route;
  auto all = compile_phrases(spec.match.all, "all");
  auto any = compile_phrases(spec.match.any, "any");
  auto none = compile_phrases(spec.match.none, "none");
  for (const auto* list : {&all, &any, &none}) {
    if (!list->ok()) {
      return list->error();
    }
  }
  route.m_all = std::move(*all);
  route.m_any = std::move(*any);
  route.m_none = std::move(*none);
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& pattern : spec.match.regex) {
    auto compiled = std::make_shared<const RE2>(pattern, options);
    if (!compiled->ok()) {
      return Error{"match.regex: \"" + pattern + "\": " + compiled->error()};
    }
    route.m_regex.push_back(std::move(compiled));
  }
  route.m_spec = std::move(spec);
  return route;
}

bool Route::takes(const Alert& alert, const AlertText& text) const {
  if (alert.event == AlertEvent::story_update &&
      (!m_spec.story_update_sources ||
       static_cast<int>(alert.sources.size()) != *m_spec.story_update_sources)) {
    return false;
  }
  if (!m_spec.feeds.empty() || !m_spec.tags.empty()) {
    const bool feed_listed =
        std::find(m_spec.feeds.begin(), m_spec.feeds.end(), alert.feed.name) != m_spec.feeds.end();
    const bool tag_listed =
        std::any_of(alert.feed.tags.begin(), alert.feed.tags.end(), [&](const std::string& tag) {
          return std::find(m_spec.tags.begin(), m_spec.tags.end(), tag) != m_spec.tags.end();
        });
    if (!feed_listed && !tag_listed) {
      return false;
    }
  }
  const auto found_in_text = [&](const std::vector<std::string>& phrase) {
    return found(text, phrase);
  };
  if (!std::all_of(m_all.begin(), m_all.end(), found_in_text)) {
    return false;
  }
  if (!m_any.empty() && std::none_of(m_any.begin(), m_any.end(), found_in_text)) {
    return false;
  }
  if (std::any_of(m_none.begin(), m_none.end(), found_in_text)) {
    return false;
  }
  if (!m_regex.empty()) {
    const re2::StringPiece title(text.title.data(), text.title.size());
    const re2::StringPiece body(text.body.data(), text.body.size());
    const bool matched = std::any_of(m_regex.begin(), m_regex.end(), [&](const auto& regex) {
      return RE2::PartialMatch(title, *regex) || RE2::PartialMatch(body, *regex);
    });
    if (!matched) {
      return false;
    }
  }
  return true;
}

Status Router::add(std::string sink, RouteSpec spec) {
  auto route = Route::compile(std::move(spec));
  if (!route.ok()) {
    return Error{"alerts." + sink + ": " + route.error().message};
  }
  m_routes.emplace_back(std::move(sink), std::move(*route));
  return ok_status();
}

std::vector<std::string> Router::route(const Alert& alert) const {
  const AlertText text(alert);
  std::vector<std::string> sinks;
  for (const auto& [sink, route] : m_routes) {
    if (route.takes(alert, text)) {
      sinks.push_back(sink);
    }
  }
  return sinks;
}

}  // namespace newsmon::alerts
