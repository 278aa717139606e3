#pragma once
// `newsmon dedup`'s JSON lines (DESIGN.md): article lines in, decision lines
// out, at the speed of the input rather than of a DOM parser.
//
// Input lines are parsed with simdjson On-Demand straight from the read
// buffer; a line simdjson rejects is parsed again with nlohmann, so which
// lines are accepted and every error message stay what they have always been
// (nlohmann is the reference; see parse_article_line_reference).
// Decision lines are formatted by hand, byte for byte what nlohmann's dump
// gave (pinned by tests against nlohmann).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "dedup/dedup.hpp"

namespace newsmon::daemon {

// Bytes after the end of a line that ArticleLineParser::parse_padded may read
// (simdjson's SIMDJSON_PADDING); their values do not matter.
inline constexpr std::size_t k_line_padding = 64;

// Whitespace-only lines are skipped, as they always were.
bool is_blank_line(std::string_view line);

// Parses article lines: {"id": str, "date": "YYYY-MM-DD", "title": str,
// "text": str, "source": str, "link": str, "guid": str} — id and date
// required, null counts as absent, other keys and values ignored (but must
// be valid JSON). The error names what is wrong, not the line: the caller
// knows the line number. One parser per thread; reused across lines.
class ArticleLineParser {
 public:
  ArticleLineParser();
  ~ArticleLineParser();
  ArticleLineParser(const ArticleLineParser&) = delete;
  ArticleLineParser& operator=(const ArticleLineParser&) = delete;

  // `line` without its '\n'; k_line_padding bytes after it must be readable.
  Result<dedup::DedupItem> parse_padded(std::string_view line);
  // Copies `line` into a padded buffer first (tests, odd callers).
  Result<dedup::DedupItem> parse(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The nlohmann parse the command has always done, and the arbiter for lines
// the fast parser rejects.
Result<dedup::DedupItem> parse_article_line_reference(std::string_view line);

// Appends `text` as a JSON string literal, as nlohmann's dump with
// ensure_ascii=false and error_handler_t::replace writes it: '"', '\\' and
// control characters escaped (\b \f \n \r \t, else \u00xx), other bytes as
// they are, and each ill-formed UTF-8 sequence (its maximal valid prefix, or
// one byte) replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// Appends `value` as nlohmann's dump writes a double: the shortest digits
// that read back the same, fixed notation with at least one decimal (1.0,
// 0.0001) for decimal exponents in (-4, 15], else d.ddde+XX; null when not
// finite.
void append_json_number(std::string& out, double value);

// Appends one decision line and its '\n':
// {"duplicate_of":id|null,"id":id,"score":number,"story":id} — nlohmann's
// key order — with the score rounded to 4 decimals.
void append_decision_line(std::string& out, std::string_view id,
                          const dedup::DedupDecision& decision);

// Reads a file descriptor in large blocks and hands out its lines in place,
// each followed by at least k_line_padding readable bytes. Lines split on
// '\n' only (a CRLF line keeps its '\r', as std::getline left it); a last
// line without '\n' still counts.
class LineReader {
 public:
  // With a `cancel_fd` (an eventfd), a read waiting for input gives up as
  // soon as that becomes readable.
  explicit LineReader(int fd, std::size_t block_size = std::size_t{1} << 22, int cancel_fd = -1);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line, valid until the next call; nullopt at the end of the
  // input or on a read error (then error() says why).
  std::optional<std::string_view> next();
  // 1-based number of the line next() returned last.
  std::size_t line_number() const { return m_line_number; }
  const std::optional<std::string>& error() const { return m_error; }

 private:
  bool fill();

  int m_fd;
  int m_cancel_fd;
  std::unique_ptr<char[]> m_buffer;
  std::size_t m_capacity;  // data bytes, without the padding
  std::size_t m_begin = 0;
  std::size_t m_end = 0;
  bool m_eof = false;
  std::size_t m_line_number = 0;
  std::optional<std::string> m_error;
};

struct NumberedArticle {
  std::size_t line_number = 0;
  dedup::DedupItem item;
  dedup::PreparedItem prepared;  // when the stream prepares for a mode
};

// Why an article stream ended early.
struct StreamFailure {
  enum class Kind { malformed_line, read_error };
  Kind kind = Kind::malformed_line;
  std::size_t line_number = 0;
  std::string message;  // what ArticleLineParser or the read said
};

struct ArticleBatch {
  std::vector<NumberedArticle> articles;
  // On the last batch when the input did not end cleanly; the articles
  // before it are still good.
  std::optional<StreamFailure> failure;
};

// Reads and parses article lines on a thread of its own while the caller
// decides, handing them over in order, in batches, through a bounded queue:
// a few MiB of articles in flight however large the input (one longer line
// aside). Blank lines are skipped; the stream stops at the first malformed
// line. The constructor throws std::system_error when it cannot start.
class ArticleStream {
 public:
  // With `prepare_for`, each article is also prepared (dedup::prepare) for
  // an engine in that mode, on the reading thread.
  explicit ArticleStream(int fd, std::optional<config::DedupMode> prepare_for = std::nullopt,
                         std::size_t block_size = std::size_t{1} << 22);
  // Stops the reader, also when it waits for input, and joins it.
  ~ArticleStream();
  ArticleStream(const ArticleStream&) = delete;
  ArticleStream& operator=(const ArticleStream&) = delete;

  // The next batch; nullopt after the last.
  std::optional<ArticleBatch> next();
  // Hands a decided batch back: the next batches are read into its buffers.
  void recycle(ArticleBatch batch);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Collects output and writes it to a file descriptor in large writes.
class OutputBuffer {
 public:
  explicit OutputBuffer(int fd, std::size_t flush_size = std::size_t{1} << 20);
  std::string& text() { return m_text; }
  // Writes when the buffer is past its flush size; false on a write error.
  bool maybe_flush() { return m_text.size() < m_flush_size || flush(); }
  bool flush();
  const std::optional<std::string>& error() const { return m_error; }

 private:
  int m_fd;
  std::size_t m_flush_size;
  std::string m_text;
  std::optional<std::string> m_error;
};

}  // namespace newsmon::daemon
