#pragma once
// Internal to the normalizer: the writer both HTML paths share, so that the
// fast path and gumbo produce text by the same folding rules.
#include <array>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
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
        q = skip_plain_run(q, end);
        if (q >= end) {
          break;
        }
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
  // Past the bytes, 16 at a time, that the run loop in text() would take
  // one by one without a decision: not whitespace, not 0xC2 (which may start
  // U+00A0), and spaces only when single and followed by such a byte. The
  // byte it stops at is left to that loop.
  static const char* skip_plain_run(const char* q, const char* end) {
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(' ');
    const __m128i tab = _mm_set1_epi8('\t');
    const __m128i four = _mm_set1_epi8(4);
    const __m128i lead_c2 = _mm_set1_epi8(static_cast<char>(0xC2));
    // \t \n \v \f \r are 0x09..0x0D: one unsigned range test.
    auto other_space = [&](__m128i v) {
      const __m128i offset = _mm_sub_epi8(v, tab);
      return _mm_cmpeq_epi8(_mm_min_epu8(offset, four), offset);
    };
    while (end - q >= 17) {
      const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 1));
      const __m128i next_stops = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(next, space), other_space(next)),
                                              _mm_cmpeq_epi8(next, lead_c2));
      const __m128i stops = _mm_or_si128(
          _mm_or_si128(other_space(here), _mm_cmpeq_epi8(here, lead_c2)),
          _mm_and_si128(_mm_cmpeq_epi8(here, space), next_stops));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stops));
      if (mask != 0) {
        return q + __builtin_ctz(mask);
      }
      q += 16;
    }
#endif
    static_cast<void>(end);
    return q;
  }

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
