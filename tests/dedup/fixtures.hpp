#pragma once
// Real articles for the dedup tests: the seed pair and the dedup-dev set
// (tests/data/dedup, copied from the project's shared data).
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dedup/dedup.hpp"

namespace newsmon::dedup::testing {

inline std::string data_path(const std::string& name) {
  return std::string(NEWSMON_TEST_DATA) + "/dedup/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A seed file is a dated article: " date YYYY-MM-DD body".
inline std::string seed_body(const std::string& name) {
  std::string text = read_text(data_path(name));
  return text.substr(std::string(" date 2018-05-31 ").size());
}

struct DevArticle {
  std::string id;
  std::string date;
  std::string title;
  std::string text;
  std::string source;
  std::string cluster;
};

inline const std::vector<DevArticle>& dev_articles() {
  static const std::vector<DevArticle> articles = [] {
    std::vector<DevArticle> out;
    std::ifstream gold(data_path("gold.jsonl"));
    std::ifstream in(data_path("articles.jsonl"));
    std::string line;
    std::string gold_line;
    while (std::getline(in, line) && std::getline(gold, gold_line)) {
      auto object = nlohmann::json::parse(line);
      auto label = nlohmann::json::parse(gold_line);
      out.push_back(DevArticle{object["id"], object["date"], object["title"], object["text"],
                               object["source"], label["cluster"]});
    }
    return out;
  }();
  return articles;
}

inline const DevArticle& dev_article(const std::string& id) {
  for (const auto& article : dev_articles()) {
    if (article.id == id) {
      return article;
    }
  }
  throw std::runtime_error("no dev article " + id);
}

inline SysTime day(int year, unsigned month, unsigned d, int hour = 0) {
  return std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                               std::chrono::day{d}} +
         std::chrono::hours(hour);
}

inline DedupItem make_item(std::string id, std::string feed, std::string title, std::string text,
                           SysTime when) {
  DedupItem item;
  item.guid = id;
  item.id = std::move(id);
  item.feed = std::move(feed);
  item.title = std::move(title);
  item.text = std::move(text);
  item.published = when;
  item.arrival = when;
  return item;
}

}  // namespace newsmon::dedup::testing
