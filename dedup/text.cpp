#include "dedup/text.hpp"

#include <utf8proc.h>

#if defined(__SSE2__) && !defined(NEWSMON_DEDUP_NO_SSE2)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>

#include "common/unicode.hpp"
#include "dedup/load_early.hpp"

namespace newsmon::dedup {
namespace {

constexpr std::uint64_t k_fnv_offset = 0xcbf29ce484222325ull;
constexpr std::uint64_t k_fnv_prime = 0x100000001b3ull;

// Token hashes: the folded bytes in 8-byte little-endian chunks, each
// absorbed by a multiply and a shift (a bijection of the chunk, so two
// tokens of up to 8 bytes never collide), finished with mix64.
constexpr std::uint64_t k_token_seed = 0x243f6a8885a308d3ull;
constexpr std::uint64_t k_token_multiplier = 0x9e3779b97f4a7c15ull;
constexpr std::uint64_t k_ones = 0x0101010101010101ull;
constexpr std::uint64_t k_highs = 0x8080808080808080ull;

std::uint64_t load_word(const char* bytes) {
  std::uint64_t word = 0;
  std::memcpy(&word, bytes, sizeof(word));
  if constexpr (std::endian::native == std::endian::big) {
    word = __builtin_bswap64(word);
  }
  return word;
}

std::uint64_t absorb(std::uint64_t hash, std::uint64_t chunk) {
  hash = (hash ^ chunk) * k_token_multiplier;
  return hash ^ (hash >> 32);
}

// hash_token() of `size` bytes at `bytes`, which may be read 8 bytes past
// their end (the tokenizer's buffer keeps that slack): no byte-wise tail.
std::uint64_t hash_padded_token(const char* bytes, std::size_t size) {
  std::uint64_t hash = k_token_seed;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    hash = absorb(hash, load_word(bytes + i));
  }
  if (std::size_t tail = size - i; tail > 0) {
    hash = absorb(hash, load_word(bytes + i) & (~0ull >> (64 - 8 * tail)));
  }
  return mix64(hash + size);
}

// Per byte, high bit set where the byte is an ASCII letter or digit. Each
// range test adds a per-byte constant to 7-bit values (no carry crosses a
// byte) and reads the high bit.
std::uint64_t ascii_alnum_bytes(std::uint64_t word) {
  auto at_least = [](std::uint64_t values, unsigned low) { return values + (0x80 - low) * k_ones; };
  auto above = [](std::uint64_t values, unsigned high) { return values + (0x7f - high) * k_ones; };
  std::uint64_t low7 = word & ~k_highs;
  std::uint64_t folded = low7 | (0x20 * k_ones);  // upper case to lower
  std::uint64_t letters = at_least(folded, 'a') & ~above(folded, 'z');
  std::uint64_t digits = at_least(low7, '0') & ~above(low7, '9');
  return (letters | digits) & ~word & k_highs;
}

// What a byte means to the tokenizer, one table load per byte.
enum ByteClass : std::uint8_t {
  k_word = 1,           // letter or digit
  k_sentence_end = 2,   // . ! ?
  k_newline = 4,
  k_straight_quote = 8,
  k_special = 16,       // apostrophe, or the start of markup: < &
  // Classes from here up end the ASCII fast path when they follow a word.
  k_joining = 32,       // apostrophe
  k_non_ascii = 64,     // 0x80 and above
};

constexpr std::array<std::uint8_t, 256> k_byte_class = [] {
  std::array<std::uint8_t, 256> table{};
  for (std::size_t c = 0x80; c < table.size(); ++c) {
    table[c] = k_non_ascii;
  }
  for (int c = '0'; c <= '9'; ++c) {
    table[static_cast<std::size_t>(c)] = k_word;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[static_cast<std::size_t>(c)] = k_word;
    table[static_cast<std::size_t>(c - 'a' + 'A')] = k_word;
  }
  for (char c : {'.', '!', '?'}) {
    table[static_cast<std::size_t>(c)] = k_sentence_end;
  }
  table['\n'] = k_newline;
  table['"'] = k_straight_quote;
  for (char c : {'<', '&'}) {
    table[static_cast<std::size_t>(c)] = k_special;
  }
  table['\''] = k_special | k_joining;
  return table;
}();

bool is_ascii_alnum(unsigned char c) { return k_byte_class[c] == k_word; }

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Scripts written without spaces between words: their characters are
// compared one by one, so shingles over them are character shingles.
bool is_unspaced(utf8proc_int32_t cp) {
  return (cp >= 0x0E00 && cp <= 0x0EFF)     // Thai, Lao
         || (cp >= 0x1000 && cp <= 0x109F)  // Myanmar
         || (cp >= 0x1780 && cp <= 0x17FF)  // Khmer
         || (cp >= 0x3040 && cp <= 0x30FF)  // Hiragana, Katakana
         || (cp >= 0x31F0 && cp <= 0x31FF)  // Katakana extensions
         || (cp >= 0x3400 && cp <= 0x4DBF)  // Han extension A
         || (cp >= 0x4E00 && cp <= 0x9FFF)  // Han
         || (cp >= 0xF900 && cp <= 0xFAFF)  // Han compatibility
         || (cp >= 0xFF66 && cp <= 0xFF9F)  // halfwidth Katakana
         || (cp >= 0x20000 && cp <= 0x2FFFF);
}

bool is_sentence_end(utf8proc_int32_t cp) {
  return cp == '.' || cp == '!' || cp == '?' || cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F;
}

bool is_apostrophe(utf8proc_int32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x02BC; }

// Length of an HTML tag or character entity starting at `pos`, 0 if there is
// none. Feeds leave these behind when their markup was escaped twice.
std::size_t markup_length(std::string_view text, std::size_t pos) {
  constexpr std::size_t k_max_tag = 256;
  constexpr std::size_t k_max_entity = 10;
  char c = text[pos];
  if (c == '<' && pos + 1 < text.size()) {
    auto next = static_cast<unsigned char>(text[pos + 1]);
    if (!(std::isalpha(next) != 0 || next == '/' || next == '!')) {
      return 0;
    }
    for (std::size_t i = pos + 1; i < text.size() && i - pos < k_max_tag; ++i) {
      if (text[i] == '>') {
        return i - pos + 1;
      }
      if (text[i] == '<' || text[i] == '\n') {
        return 0;
      }
    }
    return 0;
  }
  if (c == '&') {
    for (std::size_t i = pos + 1; i < text.size() && i - pos <= k_max_entity + 1; ++i) {
      if (text[i] == ';') {
        return i - pos > 1 ? i - pos + 1 : 0;
      }
      auto byte = static_cast<unsigned char>(text[i]);
      if (!is_ascii_alnum(byte) && byte != '#') {
        return 0;
      }
    }
  }
  return 0;
}

// The token being read: ASCII letters lowercased, other bytes as they came.
// Written 8 bytes at a time, so it keeps 8 bytes of slack past its end;
// small tokens stay in the object, no allocation per text.
class TokenBuffer {
 public:
  TokenBuffer() = default;
  TokenBuffer(const TokenBuffer&) = delete;
  TokenBuffer& operator=(const TokenBuffer&) = delete;

  bool empty() const { return m_size == 0; }
  void clear() { m_size = 0; }
  std::string_view view() const { return {data(), m_size}; }

  // Appends the run of ASCII letters and digits starting at `pos` (which is
  // one), lowercased; returns the position after it.
  std::size_t append_ascii_run(std::string_view text, std::size_t pos) {
    while (text.size() - pos >= 8) {
      std::uint64_t word = load_word(text.data() + pos);
      std::uint64_t stops = ~ascii_alnum_bytes(word) & k_highs;
      // Letters and digits all have 0x20 set once lowercased.
      store_word(word | (0x20 * k_ones));
      if (stops != 0) {
        auto length = static_cast<std::size_t>(std::countr_zero(stops)) / 8;
        m_size += length;
        return pos + length;
      }
      m_size += 8;
      pos += 8;
    }
    // The text's last few bytes, one at a time.
    reserve(m_size + 8);
    for (; pos < text.size() && is_ascii_alnum(static_cast<unsigned char>(text[pos])); ++pos) {
      bytes()[m_size++] = static_cast<char>(text[pos] | 0x20);
    }
    return pos;
  }

  void append(std::string_view more) {
    reserve(m_size + more.size());
    std::memcpy(bytes() + m_size, more.data(), more.size());
    m_size += more.size();
  }

  void assign(std::string_view other) {
    clear();
    append(other);
  }

 private:
  static constexpr std::size_t k_slack = 8;
  static constexpr std::size_t k_local = 120;

  const char* data() const { return m_heap.empty() ? m_local.data() : m_heap.data(); }
  char* bytes() { return m_heap.empty() ? m_local.data() : m_heap.data(); }

  void reserve(std::size_t size) {
    if (size + k_slack <= capacity()) {
      return;
    }
    std::string grown(std::max(2 * capacity(), size + k_slack), '\0');
    std::memcpy(grown.data(), data(), m_size);
    m_heap = std::move(grown);
  }

  std::size_t capacity() const { return m_heap.empty() ? m_local.size() : m_heap.size(); }

  void store_word(std::uint64_t word) {
    reserve(m_size + 8);
    if constexpr (std::endian::native == std::endian::big) {
      word = __builtin_bswap64(word);
    }
    std::memcpy(bytes() + m_size, &word, sizeof(word));
  }

  std::array<char, k_local> m_local{};
  std::string m_heap;
  std::size_t m_size = 0;
};

// NFKC + case fold of a token holding non-ASCII bytes, as utf8proc_map
// does it but into a buffer kept by the thread (utf8proc_map allocates
// twice per call): the folded form, valid until the next call, or `raw`
// itself when utf8proc rejects it.
std::string_view fold_unicode(std::string_view raw) {
  constexpr auto k_options = static_cast<utf8proc_option_t>(
      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
  thread_local std::vector<utf8proc_int32_t> buffer(64);
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(raw.data());
  const auto length = static_cast<utf8proc_ssize_t>(raw.size());
  // One spare code point: reencode needs a byte more than it writes.
  auto room = static_cast<utf8proc_ssize_t>(buffer.size()) - 1;
  utf8proc_ssize_t size = utf8proc_decompose(bytes, length, buffer.data(), room, k_options);
  if (size > room) {
    buffer.resize(static_cast<std::size_t>(size) + 1);
    size = utf8proc_decompose(bytes, length, buffer.data(), size, k_options);
  }
  if (size >= 0) {
    size = utf8proc_reencode(buffer.data(), size, k_options);
  }
  if (size < 0) {
    return raw;
  }
  return {reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(size)};
}

// What a token's flags depend on besides the token itself.
struct WalkState {
  bool sentence_start = true;
  bool quoted = false;
  bool line_start = true;
};

// Hash of an ASCII word of `length` bytes (1..15) from its lowercased
// 8-byte words, as hash_padded_token() computes it from the bytes.
std::uint64_t hash_ascii_word(std::uint64_t first, std::uint64_t second, unsigned length) {
  if (length <= 8) {
    return mix64(absorb(k_token_seed, first & (~0ull >> (64 - 8 * length))) + length);
  }
  const std::uint64_t one = absorb(k_token_seed, first);
  return mix64(absorb(one, second & (~0ull >> (128 - 8 * length))) + length);
}

// Length of the run of ASCII letters and digits at `bytes` (16 readable):
// 0 to 16, 16 meaning at least that. `first` and `second` get the 16 bytes
// as two little-endian words. (NEWSMON_DEDUP_NO_SSE2 selects the portable
// version, to check it on x86.)
#if defined(__SSE2__) && !defined(NEWSMON_DEDUP_NO_SSE2)
unsigned ascii_word_length(const char* bytes, std::uint64_t& first, std::uint64_t& second) {
  // Signed compares: a byte in [low, low + n) is, once (0x80 - low) is
  // added, below -128 + n; bytes from 0x80 up never are.
  auto in_range = [](__m128i values, char low, int n) {
    return _mm_cmplt_epi8(_mm_add_epi8(values, _mm_set1_epi8(static_cast<char>(0x80 - low))),
                          _mm_set1_epi8(static_cast<char>(-128 + n)));
  };
  __m128i values = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
  __m128i letters = in_range(_mm_or_si128(values, _mm_set1_epi8(0x20)), 'a', 26);
  __m128i digits = in_range(values, '0', 10);
  auto alnum = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(letters, digits)));
  first = static_cast<std::uint64_t>(_mm_cvtsi128_si64(values));
  second = static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(values, values)));
  return static_cast<unsigned>(std::countr_zero(~alnum));  // 16 when all are
}
#else
unsigned ascii_word_length(const char* bytes, std::uint64_t& first, std::uint64_t& second) {
  first = load_word(bytes);
  std::uint64_t stops = ~ascii_alnum_bytes(first) & k_highs;
  if (stops != 0) {
    return static_cast<unsigned>(std::countr_zero(stops)) / 8;
  }
  second = load_word(bytes + 8);
  stops = ~ascii_alnum_bytes(second) & k_highs;
  return 8 + (stops != 0 ? static_cast<unsigned>(std::countr_zero(stops)) / 8 : 8);
}
#endif

// Tokens gather in a block and go to the output a block at a time: no
// capacity check per token. (The caller owns it: filled once per text.)
using TokenBlock = std::array<Token, 64>;

// What the fast path needs to know of 64 bytes, one bit per byte (bit i:
// byte i): classified together, so a word's length and the step to the
// next one come from bit scans rather than from a load that waits on the
// word before.
struct WindowMasks {
  std::uint64_t alnum = 0;         // ASCII letter or digit
  std::uint64_t upper = 0;         // A-Z
  std::uint64_t sentence_end = 0;  // . ! ? or newline: the next word starts a sentence
  std::uint64_t newline = 0;
  std::uint64_t quote = 0;         // straight double quote
  std::uint64_t stop = 0;          // what the general walk reads: ' < & and non-ASCII
};

#if defined(__SSE2__) && !defined(NEWSMON_DEDUP_NO_SSE2)
WindowMasks classify_window(const char* bytes) {
  auto in_range = [](__m128i values, char low, int n) {
    return _mm_cmplt_epi8(_mm_add_epi8(values, _mm_set1_epi8(static_cast<char>(0x80 - low))),
                          _mm_set1_epi8(static_cast<char>(-128 + n)));
  };
  auto bits = [](__m128i lanes) {
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(lanes)));
  };
  auto equal = [](__m128i values, char c) { return _mm_cmpeq_epi8(values, _mm_set1_epi8(c)); };
  WindowMasks masks;
  for (unsigned chunk = 0; chunk < 4; ++chunk) {
    const __m128i values = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + 16 * chunk));
    const __m128i upper = in_range(values, 'A', 26);
    const __m128i alnum = _mm_or_si128(in_range(_mm_or_si128(values, _mm_set1_epi8(0x20)), 'a', 26),
                                       in_range(values, '0', 10));
    const __m128i newline = equal(values, '\n');
    const __m128i sentence_end = _mm_or_si128(
        _mm_or_si128(equal(values, '.'), equal(values, '!')), _mm_or_si128(equal(values, '?'), newline));
    const __m128i special =
        _mm_or_si128(_mm_or_si128(equal(values, '\''), equal(values, '<')), equal(values, '&'));
    const unsigned shift = 16 * chunk;
    masks.alnum |= bits(alnum) << shift;
    masks.upper |= bits(upper) << shift;
    masks.sentence_end |= bits(sentence_end) << shift;
    masks.newline |= bits(newline) << shift;
    masks.quote |= bits(equal(values, '"')) << shift;
    masks.stop |= (bits(special) | bits(values)) << shift;  // the high bit: non-ASCII
  }
  return masks;
}
#else
WindowMasks classify_window(const char* bytes) {
  WindowMasks masks;
  for (unsigned i = 0; i < 64; ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    const std::uint8_t kind = k_byte_class[byte];
    const std::uint64_t bit = std::uint64_t{1} << i;
    masks.alnum |= kind == k_word ? bit : 0;
    masks.upper |= byte >= 'A' && byte <= 'Z' ? bit : 0;
    masks.sentence_end |= (kind & (k_sentence_end | k_newline)) != 0 ? bit : 0;
    masks.newline |= kind == k_newline ? bit : 0;
    masks.quote |= kind == k_straight_quote ? bit : 0;
    masks.stop |= kind >= k_special ? bit : 0;
  }
  return masks;
}
#endif

// Bits 0 to n - 1 (n up to 64).
std::uint64_t bits_below(unsigned n) { return n < 64 ? (std::uint64_t{1} << n) - 1 : ~std::uint64_t{0}; }

// The fast path over one 64-byte window at `bytes` (with 16 more readable):
// its words of up to 15 letters and digits that end before the first byte
// the general walk must read and before the window's end. Returns how many
// bytes it consumed, 0 when its first word is not one of those.
unsigned window_words(const char* bytes, WalkState& state, TokenBlock& block, std::size_t& in_block) {
  const WindowMasks masks = classify_window(bytes);
  // Where the window's share ends: its first stop byte or its end, less a
  // word that touches it (an apostrophe may continue the word, and the
  // window may end inside one), less the first word of 16 or more.
  unsigned limit = static_cast<unsigned>(std::countr_zero(masks.stop));
  if (limit > 0) {
    limit -= static_cast<unsigned>(std::countl_one(masks.alnum << (64 - limit)));
  }
  std::uint64_t words = masks.alnum & bits_below(limit);
  std::uint64_t long_runs = words & (words >> 1);
  long_runs &= long_runs >> 2;
  long_runs &= long_runs >> 4;
  long_runs &= long_runs >> 8;  // bit i: bytes i to i + 15 all letters or digits
  limit = std::min(limit, static_cast<unsigned>(std::countr_zero(long_runs)));
  if (limit == 0) {
    return 0;
  }
  words &= bits_below(limit);

  // Which bytes are inside straight quotes: a quote toggles, a newline ends
  // an unbalanced one.
  std::uint64_t quoted_bytes = 0;
  bool quoted = state.quoted;
  unsigned from = 0;
  for (std::uint64_t events = (masks.quote | masks.newline) & bits_below(limit); events != 0;
       events &= events - 1) {
    const auto at = static_cast<unsigned>(std::countr_zero(events));
    quoted_bytes |= quoted ? bits_below(at) & ~bits_below(from) : 0;
    quoted = ((masks.quote >> at) & 1) != 0 && !quoted;
    from = at;
  }
  quoted_bytes |= quoted ? bits_below(limit) & ~bits_below(from) : 0;

  // A word starts a sentence (or a line) when a sentence end (a newline)
  // lies between it and the word before; the state carried in counts as
  // one at byte 0. Adding such a bit to the separator bits carries through
  // the rest of its separator run into the next word's first bit.
  const std::uint64_t starts = words & ~(words << 1);
  const std::uint64_t separators = ~masks.alnum;
  const std::uint64_t sentence_starts =
      (separators + (masks.sentence_end | (state.sentence_start ? 1u : 0u))) & starts;
  const std::uint64_t line_starts = (separators + (masks.newline | (state.line_start ? 1u : 0u))) & starts;
  const std::uint64_t entities = masks.upper & starts & ~sentence_starts;
  constexpr std::uint64_t k_lower = 0x20 * k_ones;  // letters and digits all have it
  unsigned previous_end = 0;
  std::uint64_t lasts = words & ~(words >> 1);
  for (std::uint64_t next = starts; next != 0; next &= next - 1, lasts &= lasts - 1) {
    const auto start = static_cast<unsigned>(std::countr_zero(next));
    const auto end = static_cast<unsigned>(std::countr_zero(lasts)) + 1;
    const std::uint64_t first = load_word(bytes + start) | k_lower;
    const std::uint64_t second = load_word(bytes + start + 8) | k_lower;
    block[in_block++] = Token{hash_ascii_word(first, second, end - start), ((entities >> start) & 1) != 0,
                              false, ((quoted_bytes >> start) & 1) != 0, ((line_starts >> start) & 1) != 0};
    previous_end = end;
  }
  // The state after the window: the carried one if it held no word, and
  // what lies between its last word and its end.
  const std::uint64_t tail = bits_below(limit) & ~bits_below(previous_end);
  const bool empty = starts == 0;
  state = WalkState{(empty && state.sentence_start) || (masks.sentence_end & tail) != 0, quoted,
                    (empty && state.line_start) || (masks.newline & tail) != 0};
  return limit;
}

// The fast path, most of most text: ASCII words of up to 15 letters and
// digits and the plain separators between them, each word lowercased and
// hashed in the registers it was loaded into. 64-byte windows
// (window_words) while 80 bytes remain, then 16 bytes loaded and
// classified per word. Returns at the first thing it leaves to the general
// walk (a longer word, an apostrophe, markup, a non-ASCII byte, the text's
// last 16 bytes).
std::size_t ascii_words(std::string_view text, std::size_t pos, WalkState& state,
                        TokenBlock& block, std::vector<Token>& tokens) {
  const char* data = text.data();
  const std::size_t size = text.size();
  bool sentence_start = state.sentence_start;
  bool quoted = state.quoted;
  bool line_start = state.line_start;
  std::size_t in_block = 0;
  // 64 bytes at a time while a word loaded from any of them has 16 bytes.
  while (size - pos >= 80) {
    // A window adds up to 32 words, and the tail loop below writes one
    // before it checks for a full block: a place must stay free.
    if (in_block + 32 >= block.size()) {
      tokens.insert(tokens.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(in_block));
      in_block = 0;
    }
    WalkState walk{sentence_start, quoted, line_start};
    const unsigned consumed = window_words(data + pos, walk, block, in_block);
    if (consumed == 0) {
      break;
    }
    sentence_start = walk.sentence_start;
    quoted = walk.quoted;
    line_start = walk.line_start;
    pos += consumed;
  }
  // The text's last 80 bytes a word at a time. (A window that consumed
  // nothing leaves what stopped it to the general walk.)
  while (size - pos >= 16 && size - pos < 80) {
    std::uint64_t word = 0;
    std::uint64_t second = 0;
    const unsigned length = ascii_word_length(data + pos, word, second);
    auto first = static_cast<unsigned char>(word);
    if (length == 0) {
      // A separator: only the plain ones (a byte class of at most a quote).
      std::uint8_t kind = k_byte_class[first];
      if (kind >= k_special) {
        break;
      }
      sentence_start = sentence_start || (kind & (k_sentence_end | k_newline)) != 0;
      quoted = kind == k_straight_quote ? !quoted : (kind == k_newline ? false : quoted);
      line_start = line_start || kind == k_newline;
      ++pos;
      continue;
    }
    std::uint8_t kind = k_byte_class[static_cast<unsigned char>(data[pos + length])];
    if (length == 16 || kind >= k_joining) {
      break;
    }
    constexpr std::uint64_t k_lower = 0x20 * k_ones;  // letters and digits all have it
    block[in_block++] = Token{hash_ascii_word(word | k_lower, second | k_lower, length),
                              first <= 'Z' && first >= 'A' && !sentence_start, false, quoted,
                              line_start};
    if (in_block == block.size()) {
      tokens.insert(tokens.end(), block.begin(), block.end());
      in_block = 0;
    }
    sentence_start = false;
    line_start = false;
    pos += length;
    // The separator after it in the same step, unless it may start markup.
    if (kind != k_special) {
      sentence_start = (kind & (k_sentence_end | k_newline)) != 0;
      quoted = kind == k_straight_quote ? !quoted : (kind == k_newline ? false : quoted);
      line_start = kind == k_newline;
      ++pos;
    }
  }
  tokens.insert(tokens.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(in_block));
  state = WalkState{sentence_start, quoted, line_start};
  return pos;
}

// Walks `text` and calls `emit(folded, token)` for each token, `folded`
// its folded bytes (which may be read 8 bytes past their end). With
// `fast_tokens`, plain ASCII words skip `emit` and go straight into it (by
// ascii_words()): `emit` must append to the same vector.
template <class Emit>
void for_each_token(std::string_view text, Emit&& emit, std::vector<Token>* fast_tokens) {
  TokenBuffer raw;
  TokenBlock block;
  bool non_ascii = false;
  bool capital = false;
  bool sentence_start = true;
  bool quoted = false;
  bool line_start = true;
  auto finish = [&](bool unspaced) {
    if (raw.empty()) {
      return;
    }
    if (non_ascii) {
      // Into the padded buffer: the hash reads whole words. (When utf8proc
      // rejects the bytes, they stay as they came.)
      if (std::string_view folded = fold_unicode(raw.view()); folded.data() != raw.view().data()) {
        raw.assign(folded);
      }
      non_ascii = false;
    }
    std::string_view folded = raw.view();
    emit(folded, Token{hash_padded_token(folded.data(), folded.size()), capital && !sentence_start,
                       unspaced, quoted, line_start});
    sentence_start = false;
    line_start = false;
    raw.clear();
    capital = false;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (fast_tokens != nullptr && raw.empty()) {
      WalkState walk{sentence_start, quoted, line_start};
      pos = ascii_words(text, pos, walk, block, *fast_tokens);
      sentence_start = walk.sentence_start;
      quoted = walk.quoted;
      line_start = walk.line_start;
      if (pos >= text.size()) {
        break;
      }
    }
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      std::uint8_t kind = k_byte_class[byte];
      if (kind == k_word) {
        if (raw.empty()) {
          capital = byte >= 'A' && byte <= 'Z';
        }
        // The whole run of ASCII letters and digits at once.
        pos = raw.append_ascii_run(text, pos);
        continue;
      }
      if ((kind & k_special) != 0) {
        if (byte == '\'' && !raw.empty() && pos + 1 < text.size() &&
            is_ascii_alnum(static_cast<unsigned char>(text[pos + 1]))) {
          ++pos;
          continue;
        }
        if (byte != '\'') {
          if (std::size_t skip = markup_length(text, pos); skip > 0) {
            finish(false);
            pos += skip;
            continue;
          }
        }
      }
      if (!raw.empty()) {
        finish(false);
      }
      if (kind == k_sentence_end || kind == k_newline) {
        sentence_start = true;
      }
      if (kind == k_straight_quote) {
        quoted = !quoted;
      } else if (kind == k_newline) {
        quoted = false;  // an unbalanced quote ends with its paragraph
        line_start = true;
      }
      ++pos;
      continue;
    }
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t length =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                         static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (length <= 0) {  // invalid UTF-8: a separator, never a crash
      finish(false);
      ++pos;
      continue;
    }
    std::string_view bytes = text.substr(pos, static_cast<std::size_t>(length));
    pos += static_cast<std::size_t>(length);
    if (is_apostrophe(cp) && !raw.empty() && pos < text.size() &&
        is_ascii_alnum(static_cast<unsigned char>(text[pos]))) {
      continue;
    }
    utf8proc_category_t category = utf8proc_category(cp);
    if (is_unspaced(cp)) {
      finish(false);
      raw.assign(bytes);
      non_ascii = true;
      // Combining vowels and tone marks belong to the character before them.
      while (pos < text.size()) {
        utf8proc_int32_t mark = -1;
        utf8proc_ssize_t mark_length =
            utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos),
                             static_cast<utf8proc_ssize_t>(text.size() - pos), &mark);
        if (mark_length <= 0) {
          break;
        }
        auto mark_category = utf8proc_category(mark);
        if (mark_category != UTF8PROC_CATEGORY_MN && mark_category != UTF8PROC_CATEGORY_MC) {
          break;
        }
        raw.append(text.substr(pos, static_cast<std::size_t>(mark_length)));
        pos += static_cast<std::size_t>(mark_length);
      }
      finish(true);
      continue;
    }
    if (is_word_category(category)) {
      if (raw.empty()) {
        capital = category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT;
      }
      raw.append(bytes);
      non_ascii = true;
      continue;
    }
    finish(false);
    if (is_sentence_end(cp)) {
      sentence_start = true;
    }
    if (cp == 0x201C || cp == 0x201E || cp == 0x00AB) {  // “ „ «
      quoted = true;
    } else if (cp == 0x201D || cp == 0x00BB) {  // ” »
      quoted = false;
    }
  }
  finish(false);
}

}  // namespace

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t hash = k_fnv_offset ^ mix64(seed);
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= k_fnv_prime;
  }
  return mix64(hash);
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  tokenize(text, tokens);
  return tokens;
}

std::uint64_t hash_token(std::string_view folded) {
  // The padded form over a copy of the last partial chunk.
  std::size_t whole = folded.size() & ~std::size_t{7};
  std::uint64_t hash = k_token_seed;
  for (std::size_t i = 0; i < whole; i += 8) {
    hash = absorb(hash, load_word(folded.data() + i));
  }
  if (whole < folded.size()) {
    std::array<char, 8> tail{};
    std::memcpy(tail.data(), folded.data() + whole, folded.size() - whole);
    hash = absorb(hash, load_word(tail.data()));
  }
  return mix64(hash + folded.size());
}

void tokenize(std::string_view text, std::vector<Token>& tokens) {
  tokens.clear();
  tokens.reserve(text.size() / 6);
  // The text's lines requested at once: a text that has left the near
  // caches (a batch made ahead, as in dedup_bench) then misses once, not
  // once a window as the walk meets it; one still in cache costs a load
  // per line. (Past 16 KB the lines would be evicted again before the
  // walk got there.)
  for (std::size_t at = 0; at < std::min<std::size_t>(text.size(), 16384); at += 64) {
    load_early(text.data() + at);
  }
  for_each_token(
      text, [&](std::string_view, const Token& token) { tokens.push_back(token); }, &tokens);
}

void tokenize_general(std::string_view text, std::vector<Token>& tokens) {
  tokens.clear();
  for_each_token(
      text, [&](std::string_view, const Token& token) { tokens.push_back(token); }, nullptr);
}

std::string canonical_text(std::string_view text) {
  std::string out;
  for_each_token(
      text,
      [&](std::string_view folded, const Token&) {
        if (!out.empty()) {
          out.push_back(' ');
        }
        out.append(folded);
      },
      nullptr);
  return out;
}

std::vector<std::string_view> split_units(std::string_view text) {
  std::vector<std::string_view> units;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      units.push_back(line);
    }
    start = end + 1;
  }
  return units;
}

std::uint64_t hash_tokens(std::span<const Token> tokens) {
  // Token hashes are already mixed: a multiply-xor chain per token and one
  // final mix is enough to tell sequences apart. Four chains, token i in
  // chain i % 4, so the multiplies of neighbouring tokens overlap.
  std::array<std::uint64_t, 4> lanes = {k_fnv_offset, k_fnv_offset ^ 1, k_fnv_offset ^ 2,
                                        k_fnv_offset ^ 3};
  auto step = [](std::uint64_t hash, std::uint64_t token) {
    hash = (hash ^ token) * k_token_multiplier;
    return hash ^ (hash >> 29);
  };
  std::size_t i = 0;
  for (; i + 4 <= tokens.size(); i += 4) {
    lanes[0] = step(lanes[0], tokens[i].hash);
    lanes[1] = step(lanes[1], tokens[i + 1].hash);
    lanes[2] = step(lanes[2], tokens[i + 2].hash);
    lanes[3] = step(lanes[3], tokens[i + 3].hash);
  }
  for (; i < tokens.size(); ++i) {
    lanes[i % 4] = step(lanes[i % 4], tokens[i].hash);
  }
  std::uint64_t hash = step(step(step(lanes[0], lanes[1]), lanes[2]), lanes[3]);
  return mix64(hash ^ tokens.size());
}

std::string canonical_url(std::string_view url) {
  auto first = url.find_first_not_of(" \t\r\n");
  auto last = url.find_last_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  url = url.substr(first, last - first + 1);
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::string(url);
  }
  std::string scheme;
  for (char c : url.substr(0, scheme_end)) {
    scheme.push_back(ascii_lower(c));
  }
  if (scheme != "http" && scheme != "https") {
    return std::string(url);
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  std::string host;
  for (char c : authority) {
    host.push_back(ascii_lower(c));
  }
  if (host.ends_with('.')) {
    host.pop_back();
  }
  const std::string default_port = scheme == "http" ? ":80" : ":443";
  if (host.ends_with(default_port)) {
    host.resize(host.size() - default_port.size());
  }
  auto query_start = rest.find('?');
  std::string_view path = rest.substr(0, query_start);
  std::string_view query = query_start == std::string_view::npos ? std::string_view{}
                                                                 : rest.substr(query_start + 1);
  std::string out = scheme + "://" + host;
  out.append(path.empty() ? std::string_view("/") : path);
  static constexpr std::array<std::string_view, 16> k_tracking = {
      "fbclid", "gclid",  "dclid",   "msclkid", "yclid",  "mc_cid",   "mc_eid",     "igshid",
      "_ga",    "_gl",    "ref_src", "ocid",    "cmpid",  "at_medium", "at_campaign", "spm"};
  std::string kept;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    std::string name;
    for (char c : param.substr(0, param.find('='))) {
      name.push_back(ascii_lower(c));
    }
    bool tracking = name.empty() || name.starts_with("utm_");
    for (auto known : k_tracking) {
      tracking = tracking || name == known;
    }
    if (!tracking) {
      kept.append(kept.empty() ? "?" : "&");
      kept.append(param);
    }
  }
  return out + kept;
}

}  // namespace newsmon::dedup
