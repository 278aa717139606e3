#pragma once
// Internal to the normalizer: the writer both HTML paths share, so that the
// fast path and gumbo produce text by the same folding rules.
#include <string>
#include <string_view>

namespace newsmon::feeds::detail {

// Accumulates text, folding whitespace and turning block boundaries into
// paragraph breaks, so that the output has its final shape as it is built.
class ParagraphWriter {
 public:
  void text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        m_pending_space = true;
        ++i;
        continue;
      }
      if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
        m_pending_space = true;
        i += 2;
        continue;
      }
      // Copy the run up to the next whitespace candidate in one piece.
      std::size_t end = i + 1;
      while (end < s.size()) {
        const char d = s[end];
        if (d == ' ' || d == '\n' || d == '\t' || d == '\r' || d == '\f' || d == '\v' ||
            d == '\xC2') {
          break;
        }
        ++end;
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
      m_out.append(s.substr(i, end - i));
      i = end;
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
  std::string m_out;
  bool m_in_paragraph = false;
  bool m_pending_space = false;
};

}  // namespace newsmon::feeds::detail
