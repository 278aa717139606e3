// Writes N synthetic articles as `newsmon dedup` input lines (JSON lines),
// one minute apart, for bench/dedup_cli.sh.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "bench/synthetic.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dedup_corpus N > articles.jsonl\n";
    return 2;
  }
  const long count = std::stol(argv[1]);
  newsmon::bench::ArticleGenerator generator(7);
  std::ios::sync_with_stdio(false);
  auto start = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1};
  for (long i = 0; i < count; ++i) {
    auto article = generator.next();
    // 100,000 articles over ~70 days: about 4,300 in a 72h window.
    auto when = std::chrono::floor<std::chrono::days>(start + std::chrono::minutes(i));
    std::chrono::year_month_day date{when};
    char day[16];
    std::snprintf(day, sizeof day, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    std::cout << nlohmann::json{{"id", std::string("a").append(std::to_string(i))},
                                {"date", day},
                                {"title", article.title},
                                {"text", article.text},
                                {"source", std::string("feed").append(std::to_string(i % 50))}}
                     .dump()
              << '\n';
  }
  return 0;
}
