#include "daemon/dedup_jsonl.hpp"

#include <poll.h>
#include <simdjson.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

namespace newsmon::daemon {
namespace {

namespace ondemand = simdjson::ondemand;

static_assert(k_line_padding >= simdjson::SIMDJSON_PADDING);

// What an input line says about one of the keys the command reads.
struct Field {
  enum class State { absent, string, not_string };  // null counts as absent
  State state = State::absent;
  std::string_view value;  // when a string: into the parser that read it
};

struct Fields {
  Field id;
  Field date;
  Field title;
  Field text;
  Field source;
  Field link;
  Field guid;

  Field* find(std::string_view key) {
    if (key == "id") return &id;
    if (key == "date") return &date;
    if (key == "title") return &title;
    if (key == "text") return &text;
    if (key == "source") return &source;
    if (key == "link") return &link;
    if (key == "guid") return &guid;
    return nullptr;
  }
};

std::optional<std::chrono::sys_days> parse_date(std::string_view text) {
  if (text.size() != 10) {
    return std::nullopt;
  }
  // sscanf as the command always read dates (it also takes e.g. "2020-1-011").
  char copy[11] = {};
  std::memcpy(copy, text.data(), text.size());
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char dash1 = 0;
  char dash2 = 0;
  if (std::sscanf(copy, "%4d%c%2u%c%2u", &year, &dash1, &month, &dash2, &day) != 5 ||  // NOLINT
      dash1 != '-' || dash2 != '-') {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                   std::chrono::day{day}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return std::chrono::sys_days{date};
}

// The dated article's " date YYYY-MM-DD " prefix is metadata, not text.
std::string_view strip_date_prefix(std::string_view text) {
  constexpr std::string_view k_prefix = " date ";
  if (text.substr(0, k_prefix.size()) == k_prefix && text.size() >= k_prefix.size() + 11 &&
      text[k_prefix.size() + 10] == ' ') {
    text.remove_prefix(k_prefix.size() + 11);
  }
  return text;
}

// Fields to an item, whichever parser found them. When several fields are
// wrong, the last one in this order is reported, as it always was.
Result<dedup::DedupItem> item_from(const Fields& fields) {
  std::string error;
  auto check = [&error](const Field& field, const char* key, bool required) {
    if (field.state == Field::State::not_string) {
      error = std::string("\"") + key + "\" must be a string";
    } else if (field.state == Field::State::absent && required) {
      error = std::string("missing \"") + key + "\"";
    }
  };
  check(fields.id, "id", true);
  check(fields.date, "date", true);
  check(fields.title, "title", false);
  check(fields.text, "text", false);
  check(fields.source, "source", false);
  check(fields.link, "link", false);
  check(fields.guid, "guid", false);
  if (!error.empty()) {
    return Error{error};
  }
  auto published = parse_date(fields.date.value);
  if (!published) {
    return Error{"\"date\" must be YYYY-MM-DD, got \"" + std::string(fields.date.value) + "\""};
  }
  // SysTime counts nanoseconds in 64 bits: days past these would overflow.
  if (*published < std::chrono::ceil<std::chrono::days>(SysTime::min()) ||
      *published > std::chrono::floor<std::chrono::days>(SysTime::max())) {
    return Error{"\"date\" must be between 1677-09-22 and 2262-04-11, got \"" +
                 std::string(fields.date.value) + "\""};
  }
  dedup::DedupItem item;
  item.id = fields.id.value;
  item.title = fields.title.value;
  item.text = strip_date_prefix(fields.text.value);
  item.feed = fields.source.value;
  item.link = fields.link.value;
  item.guid = fields.guid.state == Field::State::string ? fields.guid.value : fields.id.value;
  item.published = SysTime{*published};
  item.arrival = item.published;
  return item;
}

// Calls visit(key, value) for each member of `object`, stopping at the
// first error, its own or the visitor's.
template <class Visit>
simdjson::error_code for_each_member(ondemand::object& object, Visit&& visit) {
  for (auto member : object) {
    ondemand::field field;
    std::string_view key;
    if (auto error = std::move(member).get(field)) {
      return error;
    }
    if (auto error = field.unescaped_key().get(key)) {
      return error;
    }
    if (auto error = visit(key, field.value())) {
      return error;
    }
  }
  return simdjson::SUCCESS;
}

// Reads a value to its end, checking it as strictly as nlohmann would: On
// Demand only checks what is read, and a line with a bad value anywhere is
// not a JSON object.
simdjson::error_code validate(ondemand::value value) {
  ondemand::json_type type{};
  if (auto error = value.type().get(type)) {
    return error;
  }
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto error = value.get_object().get(object)) {
        return error;
      }
      return for_each_member(object, [](std::string_view, ondemand::value member) {
        return validate(member);
      });
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (auto error = value.get_array().get(array)) {
        return error;
      }
      for (auto element : array) {
        ondemand::value inner;
        // get() is &&-qualified, even on a trivially copyable result.
        if (auto error = std::move(element).get(inner)) {  // NOLINT(performance-move-const-arg)
          return error;
        }
        if (auto error = validate(inner)) {
          return error;
        }
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string:
      return value.get_string().error();
    case ondemand::json_type::number:
      return value.get_number().error();
    case ondemand::json_type::boolean:
      return value.get_bool().error();
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) {
        return error;
      }
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// The fast path: every key read, known ones kept (the last of a repeated key
// wins, as in nlohmann), everything else validated and dropped.
simdjson::error_code read_fields(ondemand::parser& parser, std::string_view line, Fields& fields) {
  ondemand::document document;
  if (auto error =
          parser.iterate(line.data(), line.size(), line.size() + simdjson::SIMDJSON_PADDING)
              .get(document)) {
    return error;
  }
  ondemand::object object;
  if (auto error = document.get_object().get(object)) {
    return error;
  }
  auto read_member = [&](std::string_view key, ondemand::value value) -> simdjson::error_code {
    Field* known = fields.find(key);
    if (known == nullptr) {
      return validate(value);
    }
    ondemand::json_type type{};
    if (auto error = value.type().get(type)) {
      return error;
    }
    if (type == ondemand::json_type::string) {
      if (auto error = value.get_string().get(known->value)) {
        return error;
      }
      known->state = Field::State::string;
      return simdjson::SUCCESS;
    }
    if (auto error = validate(value)) {
      return error;
    }
    known->state =
        type == ondemand::json_type::null ? Field::State::absent : Field::State::not_string;
    return simdjson::SUCCESS;
  };
  if (auto error = for_each_member(object, read_member)) {
    return error;
  }
  // Anything after the object (`{...} {...}`) makes the line malformed.
  if (!document.current_location().error()) {
    return simdjson::TRAILING_CONTENT;
  }
  return simdjson::SUCCESS;
}

void append_replacement(std::string& out) { out.append("\xEF\xBF\xBD"); }

}  // namespace

bool is_blank_line(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

struct ArticleLineParser::Impl {
  ondemand::parser parser;
  std::string padded;
};

ArticleLineParser::ArticleLineParser() : m_impl(std::make_unique<Impl>()) {}
ArticleLineParser::~ArticleLineParser() = default;

Result<dedup::DedupItem> ArticleLineParser::parse_padded(std::string_view line) {
  Fields fields;
  if (read_fields(m_impl->parser, line, fields) != simdjson::SUCCESS) {
    // simdjson is stricter in a few places (a BOM, integers past 64 bits)
    // and its errors are not ours: nlohmann decides.
    return parse_article_line_reference(line);
  }
  return item_from(fields);
}

Result<dedup::DedupItem> ArticleLineParser::parse(std::string_view line) {
  m_impl->padded.assign(line);
  m_impl->padded.append(k_line_padding, ' ');
  return parse_padded(std::string_view(m_impl->padded.data(), line.size()));
}

Result<dedup::DedupItem> parse_article_line_reference(std::string_view line) {
  nlohmann::json object = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    return Error{"not a JSON object"};
  }
  Fields fields;
  for (const auto& [key, value] : object.items()) {
    Field* known = fields.find(key);
    if (known == nullptr || value.is_null()) {
      continue;
    }
    if (value.is_string()) {
      known->state = Field::State::string;
      known->value = value.get_ref<const std::string&>();
    } else {
      known->state = Field::State::not_string;
    }
  }
  return item_from(fields);
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());  // NOLINT
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    std::size_t run = i;
    while (run < size && bytes[run] >= 0x20 && bytes[run] < 0x80 && bytes[run] != '"' &&
           bytes[run] != '\\') {
      ++run;
    }
    out.append(text.data() + i, run - i);
    i = run;
    if (i == size) {
      break;
    }
    const unsigned char byte = bytes[i];
    if (byte < 0x80) {
      switch (byte) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\r':
          out += "\\r";
          break;
        default: {
          char escaped[7];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);  // NOLINT
          out.append(escaped, 6);
        }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence, checked against Unicode's table of well-formed
    // UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
    std::size_t length = 0;
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte == 0xE0) {
      length = 3;
      second_low = 0xA0;
    } else if (byte == 0xED) {
      length = 3;
      second_high = 0x9F;
    } else if (byte >= 0xE1 && byte <= 0xEF) {
      length = 3;
    } else if (byte == 0xF0) {
      length = 4;
      second_low = 0x90;
    } else if (byte == 0xF4) {
      length = 4;
      second_high = 0x8F;
    } else if (byte >= 0xF1 && byte <= 0xF3) {
      length = 4;
    } else {
      append_replacement(out);
      ++i;
      continue;
    }
    std::size_t valid = 1;
    while (valid < length && i + valid < size) {
      const unsigned char next = bytes[i + valid];
      const unsigned char low = valid == 1 ? second_low : 0x80;
      const unsigned char high = valid == 1 ? second_high : 0xBF;
      if (next < low || next > high) {
        break;
      }
      ++valid;
    }
    if (valid == length) {
      out.append(text.data() + i, length);
    } else {
      // One U+FFFD for the longest valid start; the byte that broke it is
      // read again on its own.
      append_replacement(out);
    }
    i += valid;
  }
  out += '"';
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (std::signbit(value)) {
    out += '-';
    value = -value;
  }
  if (value == 0) {
    out += "0.0";
    return;
  }
  // Shortest round-trip digits d.ddde±x, then laid out as nlohmann does.
  char scientific[32];
  auto written = std::to_chars(std::begin(scientific), std::end(scientific), value,
                               std::chars_format::scientific);
  std::string_view text(scientific, static_cast<std::size_t>(written.ptr - scientific));
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  std::string_view exponent_text = text.substr(e + 1);
  if (exponent_text.front() == '+') {
    exponent_text.remove_prefix(1);
  }
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  constexpr int k_min_exp = -4;
  constexpr int k_max_exp = 15;
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // where the point goes, counted from the first digit
  if (k <= n && n <= k_max_exp) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
    out += ".0";
  } else if (0 < n && n <= k_max_exp) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (k_min_exp < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    char exponent_out[16];
    std::snprintf(exponent_out, sizeof exponent_out, "e%c%02d", n - 1 < 0 ? '-' : '+',  // NOLINT
                  std::abs(n - 1));
    out += exponent_out;
  }
}

void append_decision_line(std::string& out, std::string_view id,
                          const dedup::DedupDecision& decision) {
  out += "{\"duplicate_of\":";
  if (decision.kind == dedup::DedupDecision::Kind::new_story) {
    out += "null";
  } else {
    append_json_string(out, decision.duplicate_of);
  }
  out += ",\"id\":";
  append_json_string(out, id);
  out += ",\"score\":";
  append_json_number(out, std::round(decision.score * 10000.0) / 10000.0);
  out += ",\"story\":";
  append_json_string(out, decision.story_id);
  out += "}\n";
}

LineReader::LineReader(int fd, std::size_t block_size, int cancel_fd)
    : m_fd(fd),
      m_cancel_fd(cancel_fd),
      m_buffer(std::make_unique<char[]>(block_size + k_line_padding)),
      m_capacity(block_size) {}

LineReader::~LineReader() = default;

std::optional<std::string_view> LineReader::next() {
  for (;;) {
    const char* begin = m_buffer.get() + m_begin;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', m_end - m_begin));
    if (newline != nullptr) {
      std::string_view line(begin, static_cast<std::size_t>(newline - begin));
      m_begin += line.size() + 1;
      ++m_line_number;
      return line;
    }
    if (m_eof) {
      if (m_begin == m_end) {
        return std::nullopt;
      }
      std::string_view line(begin, m_end - m_begin);
      m_begin = m_end;
      ++m_line_number;
      return line;
    }
    if (!fill()) {
      return std::nullopt;
    }
  }
}

// Moves the unfinished line to the front (growing the buffer when it fills
// it) and reads after it.
bool LineReader::fill() {
  if (m_begin > 0) {
    std::memmove(m_buffer.get(), m_buffer.get() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
  }
  if (m_end == m_capacity) {
    auto grown = std::make_unique<char[]>(2 * m_capacity + k_line_padding);
    std::memcpy(grown.get(), m_buffer.get(), m_end);
    m_buffer = std::move(grown);
    m_capacity *= 2;
  }
  for (;;) {
    if (m_cancel_fd >= 0) {
      pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_cancel_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        m_error = std::system_category().message(errno);
        return false;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        m_error = "cancelled";
        return false;
      }
    }
    const ssize_t got = ::read(m_fd, m_buffer.get() + m_end, m_capacity - m_end);
    if (got > 0) {
      m_end += static_cast<std::size_t>(got);
      return true;
    }
    if (got == 0) {
      m_eof = true;
      return true;
    }
    if (errno != EINTR) {
      m_error = std::system_category().message(errno);
      return false;
    }
  }
}

namespace {

// Batches small enough to keep memory bounded, large enough that handing
// one over costs nothing next to deciding on it.
constexpr std::size_t k_batch_articles = 256;
constexpr std::size_t k_batch_bytes = std::size_t{1} << 20;
constexpr std::size_t k_queue_batches = 4;

class EventFd {
 public:
  EventFd() : m_fd(::eventfd(0, EFD_CLOEXEC)) {
    if (m_fd < 0) {
      throw std::system_error(errno, std::system_category(), "eventfd");
    }
  }
  ~EventFd() { ::close(m_fd); }
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  int fd() const { return m_fd; }
  void signal() const {
    const std::uint64_t one = 1;
    static_cast<void>(::write(m_fd, &one, sizeof one));
  }

 private:
  int m_fd;
};

}  // namespace

struct ArticleStream::Impl {
  Impl(int fd, std::optional<config::DedupMode> mode, std::size_t block_size)
      : reader(fd, block_size, cancel.fd()), prepare_for(mode) {}

  void run();
  // False when the stream is stopping.
  bool push(ArticleBatch batch, bool last);
  ArticleBatch take_spent();

  EventFd cancel;
  LineReader reader;
  ArticleLineParser parser;
  std::optional<config::DedupMode> prepare_for;
  std::mutex mutex;
  std::condition_variable not_full;
  std::condition_variable not_empty;
  std::deque<ArticleBatch> queue;
  std::vector<std::vector<NumberedArticle>> spent;  // handed back, at most k_queue_batches
  bool finished = false;  // the last batch is queued
  bool stopping = false;
  std::thread thread;
};

void ArticleStream::Impl::run() {
  // Articles are written over those of a batch handed back (recycle()), so
  // their buffers are reused and freed on this thread, not the deciding one.
  ArticleBatch batch = take_spent();
  std::size_t filled = 0;
  // The place of the next article; it counts (++filled) only once made, so
  // one whose preparing threw is never handed over half made.
  auto next_article = [&]() -> NumberedArticle& {
    if (filled == batch.articles.size()) {
      batch.articles.emplace_back();
    }
    return batch.articles[filled];
  };
  auto finish = [&] { batch.articles.resize(filled); };
  std::size_t bytes = 0;
  try {
    while (auto line = reader.next()) {
      if (is_blank_line(*line)) {
        continue;
      }
      auto item = parser.parse_padded(*line);
      if (!item) {
        batch.failure = StreamFailure{StreamFailure::Kind::malformed_line, reader.line_number(),
                                      item.error().message};
        break;
      }
      bytes += item->text.size() + item->title.size();
      NumberedArticle& article = next_article();
      article.line_number = reader.line_number();
      article.item = std::move(*item);
      if (prepare_for) {
        dedup::prepare(article.item, *prepare_for, article.prepared);
      }
      ++filled;
      if (filled == k_batch_articles || bytes >= k_batch_bytes) {
        finish();
        if (!push(std::move(batch), false)) {
          return;
        }
        batch = take_spent();
        filled = 0;
        bytes = 0;
      }
    }
    if (!batch.failure && reader.error()) {
      batch.failure =
          StreamFailure{StreamFailure::Kind::read_error, reader.line_number(), *reader.error()};
    }
  } catch (const std::exception& error) {
    batch.failure =
        StreamFailure{StreamFailure::Kind::read_error, reader.line_number(), error.what()};
  }
  finish();
  push(std::move(batch), true);
}

ArticleBatch ArticleStream::Impl::take_spent() {
  ArticleBatch batch;
  std::lock_guard lock(mutex);
  if (!spent.empty()) {
    batch.articles = std::move(spent.back());
    spent.pop_back();
  }
  return batch;
}

bool ArticleStream::Impl::push(ArticleBatch batch, bool last) {
  std::unique_lock lock(mutex);
  not_full.wait(lock, [this] { return stopping || queue.size() < k_queue_batches; });
  if (stopping) {
    return false;
  }
  queue.push_back(std::move(batch));
  finished = last;
  not_empty.notify_one();
  return true;
}

ArticleStream::ArticleStream(int fd, std::optional<config::DedupMode> prepare_for,
                             std::size_t block_size)
    : m_impl(std::make_unique<Impl>(fd, prepare_for, block_size)) {
  m_impl->thread = std::thread([impl = m_impl.get()] { impl->run(); });
}

ArticleStream::~ArticleStream() {
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  m_impl->not_full.notify_one();
  m_impl->cancel.signal();
  m_impl->thread.join();
}

std::optional<ArticleBatch> ArticleStream::next() {
  std::unique_lock lock(m_impl->mutex);
  m_impl->not_empty.wait(lock, [this] { return !m_impl->queue.empty() || m_impl->finished; });
  if (m_impl->queue.empty()) {
    return std::nullopt;
  }
  ArticleBatch batch = std::move(m_impl->queue.front());
  m_impl->queue.pop_front();
  m_impl->not_full.notify_one();
  return batch;
}

void ArticleStream::recycle(ArticleBatch batch) {
  std::lock_guard lock(m_impl->mutex);
  if (m_impl->spent.size() < k_queue_batches) {
    m_impl->spent.push_back(std::move(batch.articles));
  }
}

OutputBuffer::OutputBuffer(int fd, std::size_t flush_size) : m_fd(fd), m_flush_size(flush_size) {
  m_text.reserve(flush_size + (flush_size / 4));
}

bool OutputBuffer::flush() {
  std::size_t done = 0;
  while (done < m_text.size()) {
    const ssize_t wrote = ::write(m_fd, m_text.data() + done, m_text.size() - done);
    if (wrote < 0) {
      if (errno == EINTR) {
        continue;
      }
      m_error = std::system_category().message(errno);
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  m_text.clear();
  return true;
}

}  // namespace newsmon::daemon
