#include "dedup/text.hpp"

#include <utf8proc.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <memory>

#include "common/unicode.hpp"

namespace newsmon::dedup {
namespace {

constexpr std::uint64_t k_fnv_offset = 0xcbf29ce484222325ull;
constexpr std::uint64_t k_fnv_prime = 0x100000001b3ull;

// Per byte: its lowercase form if it is an ASCII letter or digit, else 0.
// One table load instead of three range tests in the tokenizer's inner loop.
constexpr std::array<char, 256> k_ascii_word = [] {
  std::array<char, 256> table{};
  for (int c = '0'; c <= '9'; ++c) {
    table[static_cast<std::size_t>(c)] = static_cast<char>(c);
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[static_cast<std::size_t>(c)] = static_cast<char>(c);
    table[static_cast<std::size_t>(c - 'a' + 'A')] = static_cast<char>(c);
  }
  return table;
}();

bool is_ascii_alnum(unsigned char c) { return k_ascii_word[c] != 0; }

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

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }  // NOLINT: utf8proc mallocs
};

// NFKC + case fold of one token that holds non-ASCII bytes.
void fold_unicode(std::string_view raw, std::string& out) {
  utf8proc_uint8_t* mapped = nullptr;
  auto options = static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
  utf8proc_ssize_t size = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(raw.data()),
                                       static_cast<utf8proc_ssize_t>(raw.size()), &mapped, options);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owner(mapped);
  if (size < 0) {
    out.assign(raw);
    return;
  }
  out.assign(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(size));
}

// Walks `text` and calls `emit(folded, entity, unspaced, quoted,
// line_start)` for each token.
template <class Emit>
void for_each_token(std::string_view text, Emit&& emit) {
  std::string raw;
  raw.reserve(64);
  std::string folded;
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
      fold_unicode(raw, folded);
      emit(std::string_view(folded), capital && !sentence_start, unspaced, quoted, line_start);
    } else {
      emit(std::string_view(raw), capital && !sentence_start, unspaced, quoted, line_start);
    }
    sentence_start = false;
    line_start = false;
    raw.clear();
    non_ascii = false;
    capital = false;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      if (is_ascii_alnum(byte)) {
        if (raw.empty()) {
          capital = byte >= 'A' && byte <= 'Z';
        }
        // The whole run of ASCII letters and digits at once: most text is.
        std::size_t end = pos;
        while (end < text.size()) {
          char lower = k_ascii_word[static_cast<unsigned char>(text[end])];
          if (lower == 0) {
            break;
          }
          raw.push_back(lower);
          ++end;
        }
        pos = end;
        continue;
      }
      if (byte == '\'' && !raw.empty() && pos + 1 < text.size() &&
          is_ascii_alnum(static_cast<unsigned char>(text[pos + 1]))) {
        ++pos;
        continue;
      }
      if (byte == '<' || byte == '&') {
        if (std::size_t skip = markup_length(text, pos); skip > 0) {
          finish(false);
          pos += skip;
          continue;
        }
      }
      finish(false);
      if (is_sentence_end(byte) || byte == '\n') {
        sentence_start = true;
      }
      if (byte == '"') {
        quoted = !quoted;
      } else if (byte == '\n') {
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

std::uint64_t mix64(std::uint64_t value) {
  value ^= value >> 30;
  value *= 0xbf58476d1ce4e5b9ull;
  value ^= value >> 27;
  value *= 0x94d049bb133111ebull;
  value ^= value >> 31;
  return value;
}

std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t hash = k_fnv_offset ^ mix64(seed);
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= k_fnv_prime;
  }
  return mix64(hash);
}

std::uint64_t hash_combine(std::uint64_t seed, std::uint64_t value) {
  return mix64(seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2)));
}

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  tokenize(text, tokens);
  return tokens;
}

void tokenize(std::string_view text, std::vector<Token>& tokens) {
  tokens.clear();
  tokens.reserve(text.size() / 6);
  // hash_bytes(folded) inlined, its seed's mix computed once per text.
  const std::uint64_t basis = k_fnv_offset ^ mix64(0);
  for_each_token(text, [&](std::string_view folded, bool entity, bool unspaced, bool quoted,
                           bool line_start) {
    std::uint64_t hash = basis;
    for (char c : folded) {
      hash ^= static_cast<unsigned char>(c);
      hash *= k_fnv_prime;
    }
    tokens.push_back(Token{mix64(hash), entity, unspaced, quoted, line_start});
  });
}

std::string canonical_text(std::string_view text) {
  std::string out;
  for_each_token(text, [&](std::string_view folded, bool, bool, bool, bool) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out.append(folded);
  });
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
  // final mix is enough to tell sequences apart.
  std::uint64_t hash = k_fnv_offset;
  for (const Token& token : tokens) {
    hash = (hash ^ token.hash) * 0x9e3779b97f4a7c15ull;
    hash ^= hash >> 29;
  }
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
