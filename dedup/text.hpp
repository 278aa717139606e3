#pragma once
// Canonical text: the pure functions that turn an article's bytes into what
// the dedup layers compare. Two texts that differ only in Unicode form, case,
// punctuation, markup residue or whitespace canonicalise to the same tokens.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace newsmon::dedup {

// 64-bit hashes, finished with the splitmix64 mixer so every output bit
// depends on every input bit (the signatures slice hashes into bin, rank and
// fingerprint bits and need them independent). hash_bytes is FNV-1a: item
// and link keys persisted by older versions stay valid.
// (Inline: the shingle loop calls mix64 once per shingle, the engine
// hash_combine per key.)
inline std::uint64_t mix64(std::uint64_t value) {
  value ^= value >> 30;
  value *= 0xbf58476d1ce4e5b9ull;
  value ^= value >> 27;
  value *= 0x94d049bb133111ebull;
  value ^= value >> 31;
  return value;
}
std::uint64_t hash_bytes(std::string_view bytes, std::uint64_t seed = 0);
inline std::uint64_t hash_combine(std::uint64_t seed, std::uint64_t value) {
  return mix64(seed ^ (value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2)));
}

// Token::hash of one folded token: 8 bytes per multiply, not FNV's one
// (tokens are most of the dedup stage's hashing). Persisted through every
// hash built on tokens: changing it needs a new dedup store schema version
// (sqlite_store.cpp).
std::uint64_t hash_token(std::string_view folded);

struct Token {
  std::uint64_t hash = 0;  // hash_token() of the folded token
  // Capitalised in the source and not the first word of a sentence: a
  // likely name, weighted up by the coverage layer.
  bool entity = false;
  // One character of a script written without spaces (Han, Kana, Thai...):
  // shingles over these are character shingles.
  bool unspaced = false;
  // Inside quotation marks: words someone said, which independent reports
  // of different events can share verbatim.
  bool quoted = false;
  // First token of a line: lines are the boilerplate filter's units.
  bool line_start = false;
};

// NFKC + case folding (utf8proc), tokens of letters and digits; apostrophes
// inside words are dropped ("Russia's" == "russias"), every other
// punctuation mark separates; HTML tags and character entities left over by
// feeds are skipped.
std::vector<Token> tokenize(std::string_view text);
// The same into a caller's buffer (cleared first), reusing its capacity.
void tokenize(std::string_view text, std::vector<Token>& out);

// tokenize() without its fast path for plain ASCII words: every token
// through the general walk. Slower; tests hold the two to the same tokens.
void tokenize_general(std::string_view text, std::vector<Token>& out);

// The folded tokens joined by single spaces: what tokenize() hashes, for
// tests and for people reading a decision.
std::string canonical_text(std::string_view text);

// Lines of an article (the dated article separates paragraphs by blank
// lines; each non-empty line is one unit for the boilerplate filter).
std::vector<std::string_view> split_units(std::string_view text);

// Hash of a token sequence: equal for texts that canonicalise equally.
std::uint64_t hash_tokens(std::span<const Token> tokens);

// A URL reduced to what identifies the resource: scheme and host lowercased,
// default port and fragment dropped, tracking parameters (utm_*, fbclid,
// gclid, ...) removed, remaining query kept in order. Returns the input
// trimmed when it is not an http(s) URL.
std::string canonical_url(std::string_view url);

}  // namespace newsmon::dedup
