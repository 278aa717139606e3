#pragma once
// Synthetic news articles for the dedup benchmarks: a 60,000-word vocabulary
// drawn with a Zipf(1.05) law (what word frequencies in news text follow),
// ~3 KB bodies in paragraphs of 40-90 words, capitalised names, and 15% of
// articles near-copies of a recent one (syndicated wire copy), so the copy
// layer verifies real candidates. Deterministic for a seed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace newsmon::bench {

struct Article {
  std::string title;
  std::string text;
};

class ArticleGenerator {
 public:
  explicit ArticleGenerator(std::uint64_t seed = 1) : m_random(seed) {
    constexpr std::size_t k_vocabulary = 60'000;
    std::mt19937_64 words(12345);
    std::uniform_int_distribution<int> length(2, 9);
    std::uniform_int_distribution<int> letter(0, 25);
    m_words.reserve(k_vocabulary);
    for (std::size_t i = 0; i < k_vocabulary; ++i) {
      std::string word;
      int n = length(words) + (i < 100 ? -1 : 0);
      for (int j = 0; j < std::max(n, 1); ++j) {
        word.push_back(static_cast<char>('a' + letter(words)));
      }
      m_words.push_back(word);
    }
    double total = 0;
    m_cdf.reserve(k_vocabulary);
    for (std::size_t i = 0; i < k_vocabulary; ++i) {
      total += 1.0 / std::pow(static_cast<double>(i + 1), 1.05);
      m_cdf.push_back(total);
    }
    for (double& value : m_cdf) {
      value /= total;
    }
  }

  Article next() {
    Article article;
    if (!m_recent.empty() && m_unit(m_random) < 0.15) {
      article = m_recent[m_random() % m_recent.size()];
      article.title = "Update: " + article.title;
      // Light edit: one paragraph replaced.
      auto cut = article.text.find("\n\n");
      if (cut != std::string::npos) {
        article.text = paragraph() + article.text.substr(cut);
      }
    } else {
      article.title = sentence(8);
      while (article.text.size() < 3000) {
        if (!article.text.empty()) {
          article.text += "\n\n";
        }
        article.text += paragraph();
      }
    }
    m_recent.push_back(article);
    if (m_recent.size() > 200) {
      m_recent.pop_front();
    }
    return article;
  }

 private:
  const std::string& word() {
    double u = m_unit(m_random);
    auto it = std::lower_bound(m_cdf.begin(), m_cdf.end(), u);
    return m_words[static_cast<std::size_t>(std::min<std::ptrdiff_t>(
        it - m_cdf.begin(), static_cast<std::ptrdiff_t>(m_words.size()) - 1))];
  }

  std::string sentence(int words) {
    std::string out;
    for (int i = 0; i < words; ++i) {
      std::string w = word();
      if (i == 0 || m_unit(m_random) < 0.08) {
        w[0] = static_cast<char>(w[0] - 'a' + 'A');
      }
      if (i != 0) {
        out += ' ';
      }
      out += w;
    }
    return out + ".";
  }

  std::string paragraph() {
    std::string out;
    int words = 40 + static_cast<int>(m_random() % 50);
    while (words > 0) {
      int n = std::min(words, 8 + static_cast<int>(m_random() % 14));
      if (!out.empty()) {
        out += ' ';
      }
      out += sentence(n);
      words -= n;
    }
    return out;
  }

  std::mt19937_64 m_random;
  std::uniform_real_distribution<double> m_unit{0.0, 1.0};
  std::vector<std::string> m_words;
  std::vector<double> m_cdf;
  std::deque<Article> m_recent;
};

}  // namespace newsmon::bench
