#pragma once
// Internal to the normalizer: the writer both HTML paths share, so that the
// fast path and gumbo produce text by the same folding rules.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace newsmon::feeds::detail {

// Accumulates text, folding whitespace and turning block boundaries into
// paragraph breaks, so that the output has its final shape as it is built.
class ParagraphWriter {
 public:
  void reserve(std::size_t bytes) { m_out.reserve(bytes); }

  void text(std::string_view s) {
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
      const std::uint8_t cls = k_class[static_cast<unsigned char>(*p)];
      if (cls == k_space) {
        m_pending_space = true;
        ++p;
        continue;
      }
      if (cls == k_lead_c2 && p + 1 < end && static_cast<unsigned char>(p[1]) == 0xA0) {
        m_pending_space = true;  // U+00A0 NO-BREAK SPACE folds like a space
        p += 2;
        continue;
      }
      // A run of words separated by single plain spaces is copied in one go.
      const char* q = p + 1;
      while (q < end) {
        const std::uint8_t c = k_class[static_cast<unsigned char>(*q)];
        if (c == k_word) {
          ++q;
        } else if (*q == ' ' && q + 1 < end && k_class[static_cast<unsigned char>(q[1])] == k_word) {
          q += 2;
        } else if (c == k_lead_c2 && !(q + 1 < end && static_cast<unsigned char>(q[1]) == 0xA0)) {
          ++q;
        } else {
          break;
        }
      }
      if (m_in_paragraph) {
        if (m_pending_space) {
          m_out += ' ';
        }
      } else {
        if (!m_out.empty()) {
          m_out += "\n\n";
        }
        m_in_paragraph = true;
      }
      m_pending_space = false;
      m_out.append(p, static_cast<std::size_t>(q - p));
      p = q;
    }
  }

  void paragraph_break() {
    m_in_paragraph = false;
    m_pending_space = false;
  }

  // Folds everything into one line (titles).
  void space() { m_pending_space = true; }

  std::string take() { return std::move(m_out); }

 private:
  static constexpr std::uint8_t k_word = 0;
  static constexpr std::uint8_t k_space = 1;
  static constexpr std::uint8_t k_lead_c2 = 2;  // may start U+00A0
  static constexpr std::array<std::uint8_t, 256> k_class = [] {
    std::array<std::uint8_t, 256> table{};
    for (const unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v'}) {
      table[c] = k_space;
    }
    table[0xC2] = k_lead_c2;
    return table;
  }();

  std::string m_out;
  bool m_in_paragraph = false;
  bool m_pending_space = false;
};

}  // namespace newsmon::feeds::detail
