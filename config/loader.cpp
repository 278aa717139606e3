#include "config/loader.hpp"

#include <curl/curl.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "config/opml.hpp"
#include "config/units.hpp"

namespace newsmon::config {
namespace {

namespace fs = std::filesystem;

// --- diagnostics ------------------------------------------------------------

struct Location {
  int line = 0;
  int column = 0;
};

Location location_of(const YAML::Mark& mark) {
  if (mark.line < 0) {
    return {1, 1};
  }
  return {mark.line + 1, mark.column + 1};
}

class Context {
 public:
  Context(std::string file, std::string base_dir, const EnvLookup& env)
      : m_file(std::move(file)), m_base_dir(std::move(base_dir)), m_env(env) {}

  void error(const YAML::Mark& mark, const std::string& path, std::string message) {
    Location at = location_of(mark);
    m_errors.push_back(Diagnostic{m_file, at.line, at.column, path, std::move(message)});
  }

  std::optional<std::string> env(const std::string& name) const { return m_env(name); }
  const std::string& base_dir() const { return m_base_dir; }
  std::vector<Diagnostic> take_errors() { return std::move(m_errors); }
  bool has_errors() const { return !m_errors.empty(); }

 private:
  std::string m_file;
  std::string m_base_dir;
  const EnvLookup& m_env;
  std::vector<Diagnostic> m_errors;
};

// --- values -----------------------------------------------------------------

// One YAML value with its key path; the typed readers report located errors
// and return nullopt so the caller keeps its default.
class Value {
 public:
  Value(const YAML::Node& node, const YAML::Mark& key_mark, std::string path, Context& ctx)
      : m_node(node), m_key_mark(key_mark), m_path(std::move(path)), m_ctx(ctx) {}

  const YAML::Node& node() const { return m_node; }
  const std::string& path() const { return m_path; }
  Context& context() const { return m_ctx; }

  YAML::Mark mark() const {
    YAML::Mark mark = m_node.Mark();
    return mark.line < 0 ? m_key_mark : mark;
  }

  void error(std::string message) const { m_ctx.error(mark(), m_path, std::move(message)); }

  std::optional<std::string> string() const {
    if (!m_node.IsScalar()) {
      error("expected a string, got " + kind());
      return std::nullopt;
    }
    return substitute_env(m_node.Scalar());
  }

  std::optional<bool> boolean() const {
    if (m_node.IsScalar()) {
      const std::string& text = m_node.Scalar();
      if (text == "true" || text == "yes" || text == "on") {
        return true;
      }
      if (text == "false" || text == "no" || text == "off") {
        return false;
      }
    }
    error("expected true or false, got " + describe());
    return std::nullopt;
  }

  std::optional<long long> integer(long long min, long long max) const {
    long long value = 0;
    if (!m_node.IsScalar() || !parse_number(m_node.Scalar(), value)) {
      error("expected an integer, got " + describe());
      return std::nullopt;
    }
    if (value < min || value > max) {
      error("must be between " + std::to_string(min) + " and " + std::to_string(max) +
            ", got " + m_node.Scalar());
      return std::nullopt;
    }
    return value;
  }

  std::optional<double> number(double min, double max) const {
    double value = 0;
    if (!m_node.IsScalar() || !parse_number(m_node.Scalar(), value)) {
      error("expected a number, got " + describe());
      return std::nullopt;
    }
    if (value < min || value > max) {
      std::ostringstream range;
      range << "must be between " << min << " and " << max << ", got " << m_node.Scalar();
      error(range.str());
      return std::nullopt;
    }
    return value;
  }

  std::optional<Duration> duration(Duration min, Duration max) const {
    std::optional<Duration> value;
    if (m_node.IsScalar()) {
      value = parse_duration(m_node.Scalar());
    }
    if (!value) {
      error("expected a duration like 90s, 15m, 72h or 7d, got " + describe());
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      error("must be between " + format_duration(min) + " and " + format_duration(max) +
            ", got " + m_node.Scalar());
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::uint64_t> size(std::uint64_t min, std::uint64_t max) const {
    std::optional<std::uint64_t> value;
    if (m_node.IsScalar()) {
      value = parse_size(m_node.Scalar());
    }
    if (!value) {
      error("expected a size like 512KiB or 8MiB, got " + describe());
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      error("must be between " + std::to_string(min) + " and " + std::to_string(max) +
            " bytes, got " + m_node.Scalar());
      return std::nullopt;
    }
    return value;
  }

  template <class Enum, std::size_t N>
  std::optional<Enum> choice(const std::array<std::pair<std::string_view, Enum>, N>& options) const {
    if (m_node.IsScalar()) {
      for (const auto& [name, value] : options) {
        if (m_node.Scalar() == name) {
          return value;
        }
      }
    }
    std::string names;
    for (const auto& [name, value] : options) {
      names += names.empty() ? "" : ", ";
      names += name;
    }
    error("expected one of " + names + ", got " + describe());
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> string_list() const {
    std::vector<std::string> out;
    if (m_node.IsScalar()) {
      if (auto one = string()) {
        out.push_back(*one);
        return out;
      }
      return std::nullopt;
    }
    if (!m_node.IsSequence()) {
      error("expected a list of strings, got " + kind());
      return std::nullopt;
    }
    bool ok = true;
    for (std::size_t i = 0; i < m_node.size(); ++i) {
      Value item(m_node[i], mark(), m_path + "[" + std::to_string(i) + "]", m_ctx);
      if (auto text = item.string()) {
        out.push_back(*text);
      } else {
        ok = false;
      }
    }
    return ok ? std::optional(out) : std::nullopt;
  }

  std::optional<std::map<std::string, std::string>> string_map() const {
    if (!m_node.IsMap()) {
      error("expected a mapping of names to strings, got " + kind());
      return std::nullopt;
    }
    std::map<std::string, std::string> out;
    bool ok = true;
    for (const auto& entry : m_node) {
      std::string key = entry.first.Scalar();
      Value item(entry.second, entry.first.Mark(), m_path + "." + key, m_ctx);
      if (auto text = item.string()) {
        out[key] = *text;
      } else {
        ok = false;
      }
    }
    return ok ? std::optional(out) : std::nullopt;
  }

  // A filesystem path; relative paths resolve against the config file's folder.
  std::optional<std::string> path_value() const {
    auto text = string();
    if (!text) {
      return std::nullopt;
    }
    if (text->empty()) {
      error("must not be empty");
      return std::nullopt;
    }
    if (*text == "-") {
      return text;
    }
    fs::path path(*text);
    if (path.is_relative()) {
      path = fs::path(m_ctx.base_dir()) / path;
    }
    return path.lexically_normal().string();
  }

  std::string describe() const {
    if (m_node.IsScalar()) {
      return "'" + m_node.Scalar() + "'";
    }
    return kind();
  }

  std::string kind() const {
    switch (m_node.Type()) {
      case YAML::NodeType::Map: return "a mapping";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Null: return "nothing";
      case YAML::NodeType::Scalar: return "'" + m_node.Scalar() + "'";
      default: return "an undefined value";
    }
  }

 private:
  template <class T>
  static bool parse_number(const std::string& text, T& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size();
  }

  // `${NAME}` and `${NAME:-fallback}`; a variable that is unset (with no
  // fallback) is an error, so a secret is never silently empty.
  std::optional<std::string> substitute_env(const std::string& text) const {
    std::string out;
    std::size_t pos = 0;
    bool ok = true;
    while (pos < text.size()) {
      std::size_t start = text.find("${", pos);
      if (start == std::string::npos) {
        out.append(text, pos);
        break;
      }
      out.append(text, pos, start - pos);
      std::size_t end = text.find('}', start);
      if (end == std::string::npos) {
        error("unterminated ${ in '" + text + "'");
        return std::nullopt;
      }
      std::string name = text.substr(start + 2, end - start - 2);
      std::optional<std::string> fallback;
      if (auto sep = name.find(":-"); sep != std::string::npos) {
        fallback = name.substr(sep + 2);
        name.resize(sep);
      }
      if (name.empty()) {
        error("empty variable name in '" + text + "'");
        ok = false;
      } else if (auto value = m_ctx.env(name)) {
        out += *value;
      } else if (fallback) {
        out += *fallback;
      } else {
        error("environment variable " + name + " is not set");
        ok = false;
      }
      pos = end + 1;
    }
    return ok ? std::optional(out) : std::nullopt;
  }

  YAML::Node m_node;  // a handle; holding it by value keeps temporaries alive
  YAML::Mark m_key_mark;
  std::string m_path;
  Context& m_ctx;
};

// --- tables -----------------------------------------------------------------

template <class S>
struct Field {
  std::string_view key;
  std::string_view type;
  std::string_view default_value;
  std::string_view description;
  void (*read)(const Value&, S&);
  unsigned only_for = ~0u;  // sinks: the SinkType bits this key applies to
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

template <class S, std::size_t N>
void read_map(const YAML::Node& node, const YAML::Mark& key_mark, const std::string& path,
              Context& ctx, const std::array<Field<S>, N>& fields, S& out,
              unsigned type_bit = ~0u, std::string_view type_name = {}) {
  if (!node.IsMap()) {
    Value(node, key_mark, path, ctx).error("expected a mapping, got " +
                                            Value(node, key_mark, path, ctx).kind());
    return;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const std::string key_path = join_path(path, key);
    if (!seen.insert(key).second) {
      ctx.error(entry.first.Mark(), key_path, "duplicate key");
      continue;
    }
    const Field<S>* field = nullptr;
    for (const auto& candidate : fields) {
      if (candidate.key == key && (candidate.only_for & type_bit) != 0) {
        field = &candidate;
      }
    }
    if (field != nullptr) {
      field->read(Value(entry.second, entry.first.Mark(), key_path, ctx), out);
      continue;
    }
    std::string message = "unknown key '" + key + "'";
    if (!type_name.empty()) {
      message += " for type '" + std::string(type_name) + "'";
    }
    const Field<S>* nearest = nullptr;
    std::size_t best = std::max<std::size_t>(2, key.size() / 3) + 1;
    for (const auto& candidate : fields) {
      std::size_t distance = edit_distance(key, candidate.key);
      if ((candidate.only_for & type_bit) != 0 && distance < best) {
        best = distance;
        nearest = &candidate;
      }
    }
    if (nearest != nullptr) {
      message += " (did you mean '" + std::string(nearest->key) + "'?)";
    }
    ctx.error(entry.first.Mark(), key_path, message);
  }
}

template <class S>
void set_if(std::optional<S> value, S& target) {
  if (value) {
    target = std::move(*value);
  }
}

constexpr std::array k_first_poll = {std::pair{std::string_view("seed"), FirstPoll::seed},
                                     std::pair{std::string_view("alert"), FirstPoll::alert}};
constexpr std::array k_dedup_modes = {std::pair{std::string_view("copies"), DedupMode::copies},
                                      std::pair{std::string_view("stories"), DedupMode::stories}};
constexpr std::array k_log_levels = {
    std::pair{std::string_view("trace"), LogLevel::trace},
    std::pair{std::string_view("debug"), LogLevel::debug},
    std::pair{std::string_view("info"), LogLevel::info},
    std::pair{std::string_view("warn"), LogLevel::warn},
    std::pair{std::string_view("error"), LogLevel::error}};
constexpr std::array k_store_types = {std::pair{std::string_view("sqlite"), StoreType::sqlite},
                                      std::pair{std::string_view("redis"), StoreType::redis}};
constexpr std::array k_sink_types = {std::pair{std::string_view("log"), SinkType::log},
                                     std::pair{std::string_view("webhook"), SinkType::webhook},
                                     std::pair{std::string_view("archive"), SinkType::archive},
                                     std::pair{std::string_view("jsonl"), SinkType::jsonl}};
constexpr std::array k_webhook_formats = {
    std::pair{std::string_view("json"), WebhookFormat::json},
    std::pair{std::string_view("slack"), WebhookFormat::slack},
    std::pair{std::string_view("discord"), WebhookFormat::discord}};

// A URL as libcurl parses it, with a scheme from the allowed set.
std::optional<std::string> read_url(const Value& value, std::initializer_list<std::string_view> schemes) {
  auto text = value.string();
  if (!text) {
    return std::nullopt;
  }
  struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
  };
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (curl_url_set(url.get(), CURLUPART_URL, text->c_str(), 0) != CURLUE_OK) {
    value.error("not a valid URL: '" + *text + "'");
    return std::nullopt;
  }
  char* scheme = nullptr;
  curl_url_get(url.get(), CURLUPART_SCHEME, &scheme, 0);
  std::string scheme_text = scheme != nullptr ? scheme : "";
  curl_free(scheme);
  if (std::find(schemes.begin(), schemes.end(), scheme_text) == schemes.end()) {
    std::string allowed;
    for (auto s : schemes) {
      allowed += allowed.empty() ? "" : " or ";
      allowed += s;
    }
    value.error("URL scheme '" + scheme_text + "' is not allowed (use " + allowed + ")");
    return std::nullopt;
  }
  return text;
}

// Feed URLs are checked after the whole file is read, because
// fetch.allow_file_urls may come after the feeds.
struct PendingFeedUrl {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
  std::size_t feed_index;
};

struct FeedsContext {
  std::vector<PendingFeedUrl> urls;
};

const std::array k_defaults_fields = {
    Field<FetchDefaults>{"interval", "duration", "10m", "how often each feed is polled",
        [](const Value& v, FetchDefaults& d) { set_if(v.duration(1s, Duration(30 * 24h)), d.interval); }},
    Field<FetchDefaults>{"timeout", "duration", "30s", "total time allowed for one fetch",
        [](const Value& v, FetchDefaults& d) { set_if(v.duration(1s, 10min), d.timeout); }},
    Field<FetchDefaults>{"connect_timeout", "duration", "10s", "time allowed to connect",
        [](const Value& v, FetchDefaults& d) { set_if(v.duration(1s, 5min), d.connect_timeout); }},
    Field<FetchDefaults>{"max_body", "size", "8MiB", "largest feed body accepted (after decompression)",
        [](const Value& v, FetchDefaults& d) { set_if(v.size(1024, 1ull << 30), d.max_body); }},
    Field<FetchDefaults>{"max_redirects", "integer", "5", "redirects followed per fetch",
        [](const Value& v, FetchDefaults& d) {
          if (auto n = v.integer(0, 20)) d.max_redirects = static_cast<int>(*n);
        }},
};

const std::array k_fetch_fields = {
    Field<FetchSettings>{"user_agent", "string", "newsmon/VERSION (+URL)", "User-Agent header sent with every fetch",
        [](const Value& v, FetchSettings& f) { set_if(v.string(), f.user_agent); }},
    Field<FetchSettings>{"concurrency", "integer", "64", "fetches in flight at once, in total",
        [](const Value& v, FetchSettings& f) {
          if (auto n = v.integer(1, 10000)) f.concurrency = static_cast<int>(*n);
        }},
    Field<FetchSettings>{"per_host", "integer", "6", "fetches in flight at once to one host",
        [](const Value& v, FetchSettings& f) {
          if (auto n = v.integer(1, 1000)) f.per_host = static_cast<int>(*n);
        }},
    Field<FetchSettings>{"allow_file_urls", "bool", "false", "accept file:// feed URLs (demo and tests)",
        [](const Value& v, FetchSettings& f) { set_if(v.boolean(), f.allow_file_urls); }},
};

const std::array k_dedup_fields = {
    Field<DedupSettings>{"mode", "copies|stories", "stories", "copies: republished text only; stories: also rewrites of one event",
        [](const Value& v, DedupSettings& d) { set_if(v.choice(k_dedup_modes), d.mode); }},
    Field<DedupSettings>{"window", "duration", "72h", "how long an item can match later ones",
        [](const Value& v, DedupSettings& d) { set_if(v.duration(1min, Duration(365 * 24h)), d.window); }},
    Field<DedupSettings>{"threshold", "number", "per mode", "similarity at or above which two items are one story",
        [](const Value& v, DedupSettings& d) {
          if (auto t = v.number(0.01, 1.0)) d.threshold = *t;
        }},
    Field<DedupSettings>{"capacity", "integer", "1000000", "most items held in the window",
        [](const Value& v, DedupSettings& d) {
          if (auto n = v.integer(100, static_cast<long long>(k_max_dedup_capacity))) d.capacity = static_cast<std::uint64_t>(*n);
        }},
};

const std::array k_store_fields = {
    Field<StoreSettings>{"type", "sqlite|redis", "sqlite", "where the dedup window is kept",
        [](const Value& v, StoreSettings& s) { set_if(v.choice(k_store_types), s.type); }},
    Field<StoreSettings>{"url", "url", "", "redis://host:port of a shared window (type redis)",
        [](const Value& v, StoreSettings& s) { set_if(read_url(v, {"redis", "rediss"}), s.url); }},
};

const std::array k_http_fields = {
    Field<HttpSettings>{"listen", "host:port", "", "address of /metrics and /healthz",
        [](const Value& v, HttpSettings& h) {
          auto text = v.string();
          if (!text) return;
          auto colon = text->rfind(':');
          unsigned port = 0;
          auto digits = colon == std::string::npos ? std::string() : text->substr(colon + 1);
          auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
          if (colon == 0 || colon == std::string::npos || ec != std::errc{} ||
              end != digits.data() + digits.size() || port > 65535) {
            v.error("expected host:port like 127.0.0.1:9108, got '" + *text + "'");
            return;
          }
          h.listen = *text;
        }},
};

const std::array k_match_fields = {
    Field<KeywordMatch>{"all", "list", "[]", "words or phrases that must all appear",
        [](const Value& v, KeywordMatch& m) { set_if(v.string_list(), m.all); }},
    Field<KeywordMatch>{"any", "list", "[]", "words or phrases of which one must appear",
        [](const Value& v, KeywordMatch& m) { set_if(v.string_list(), m.any); }},
    Field<KeywordMatch>{"none", "list", "[]", "words or phrases that must not appear",
        [](const Value& v, KeywordMatch& m) { set_if(v.string_list(), m.none); }},
    Field<KeywordMatch>{"regex", "list", "[]", "RE2 expressions of which one must match",
        [](const Value& v, KeywordMatch& m) {
          auto patterns = v.string_list();
          if (!patterns) return;
          for (std::size_t i = 0; i < patterns->size(); ++i) {
            RE2 compiled((*patterns)[i], RE2::Quiet);
            if (!compiled.ok()) {
              YAML::Node item = v.node().IsSequence() ? v.node()[i] : v.node();
              Value(item, v.mark(), v.path() + "[" + std::to_string(i) + "]", v.context())
                  .error("invalid regular expression: " + compiled.error());
              return;
            }
          }
          m.regex = std::move(*patterns);
        }},
};

constexpr unsigned bit(SinkType type) { return 1u << static_cast<unsigned>(type); }
constexpr unsigned k_webhook = bit(SinkType::webhook);

const std::array k_sink_fields = {
    Field<SinkConfig>{"type", "log|webhook|archive|jsonl", "", "the kind of sink (required)",
        [](const Value&, SinkConfig&) {}},
    Field<SinkConfig>{"name", "string", "TYPE#N", "name in logs, metrics and status",
        [](const Value& v, SinkConfig& s) { set_if(v.string(), s.name); }},
    Field<SinkConfig>{"feeds", "list", "all", "only stories first seen in these feeds",
        [](const Value& v, SinkConfig& s) { set_if(v.string_list(), s.feeds); }},
    Field<SinkConfig>{"tags", "list", "all", "only stories first seen in feeds with one of these tags",
        [](const Value& v, SinkConfig& s) { set_if(v.string_list(), s.tags); }},
    Field<SinkConfig>{"match", "mapping", "{}", "keyword rules on title and text: all, any, none, regex",
        [](const Value& v, SinkConfig& s) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_match_fields, s.match);
        }},
    Field<SinkConfig>{"story_updates", "integer", "0", "send a story_update when a story reaches this many feeds (0: never)",
        [](const Value& v, SinkConfig& s) {
          if (auto n = v.integer(0, 1000)) s.story_updates = static_cast<int>(*n);
        }},
    Field<SinkConfig>{"url", "url", "", "endpoint the alert is POSTed to (webhook, required)",
        [](const Value& v, SinkConfig& s) { set_if(read_url(v, {"http", "https"}), s.url); }, k_webhook},
    Field<SinkConfig>{"secret", "string", "", "HMAC-SHA256 key for X-Newsmon-Signature; use ${ENV}",
        [](const Value& v, SinkConfig& s) { set_if(v.string(), s.secret); }, k_webhook},
    Field<SinkConfig>{"format", "json|slack|discord", "json", "body shape",
        [](const Value& v, SinkConfig& s) { set_if(v.choice(k_webhook_formats), s.format); }, k_webhook},
    Field<SinkConfig>{"timeout", "duration", "10s", "time allowed per delivery attempt",
        [](const Value& v, SinkConfig& s) { set_if(v.duration(1s, 5min), s.timeout); }, k_webhook},
    Field<SinkConfig>{"max_attempts", "integer", "8", "attempts before an alert is dead-lettered",
        [](const Value& v, SinkConfig& s) {
          if (auto n = v.integer(1, 1000)) s.max_attempts = static_cast<int>(*n);
        }, k_webhook},
    Field<SinkConfig>{"headers", "mapping", "{}", "extra request headers",
        [](const Value& v, SinkConfig& s) { set_if(v.string_map(), s.headers); }, k_webhook},
    Field<SinkConfig>{"dir", "path", "", "folder the dated articles are written to (archive, required)",
        [](const Value& v, SinkConfig& s) { set_if(v.path_value(), s.dir); }, bit(SinkType::archive)},
    Field<SinkConfig>{"path", "path", "", "file the JSON lines are appended to, - for stdout (jsonl, required)",
        [](const Value& v, SinkConfig& s) { set_if(v.path_value(), s.path); }, bit(SinkType::jsonl)},
};

struct FeedEntry {
  FeedConfig feed;
  FeedsContext* context = nullptr;
  std::size_t index = 0;
};

const std::array k_feed_fields = {
    Field<FeedEntry>{"name", "string", "", "unique name of the feed (required)",
        [](const Value& v, FeedEntry& e) {
          auto name = v.string();
          if (name && name->empty()) {
            v.error("must not be empty");
          } else {
            set_if(name, e.feed.name);
          }
        }},
    Field<FeedEntry>{"url", "url", "", "http(s) address of the RSS, Atom or JSON feed (required)",
        [](const Value& v, FeedEntry& e) {
          e.context->urls.push_back({v.node(), v.mark(), v.path(), e.index});
        }},
    Field<FeedEntry>{"interval", "duration", "defaults.interval", "poll interval of this feed",
        [](const Value& v, FeedEntry& e) {
          set_if(v.duration(1s, Duration(30 * 24h)), e.feed.interval);
        }},
    Field<FeedEntry>{"timeout", "duration", "defaults.timeout", "total time allowed for one fetch",
        [](const Value& v, FeedEntry& e) {
          set_if(v.duration(1s, 10min), e.feed.timeout);
        }},
    Field<FeedEntry>{"max_body", "size", "defaults.max_body", "largest body accepted",
        [](const Value& v, FeedEntry& e) {
          set_if(v.size(1024, 1ull << 30), e.feed.max_body);
        }},
    Field<FeedEntry>{"enabled", "bool", "true", "false keeps the feed configured but not polled",
        [](const Value& v, FeedEntry& e) { set_if(v.boolean(), e.feed.enabled); }},
    Field<FeedEntry>{"tags", "list", "[]", "labels for routing alerts",
        [](const Value& v, FeedEntry& e) { set_if(v.string_list(), e.feed.tags); }},
    Field<FeedEntry>{"headers", "mapping", "{}", "extra request headers (e.g. auth)",
        [](const Value& v, FeedEntry& e) { set_if(v.string_map(), e.feed.headers); }},
    Field<FeedEntry>{"first_poll", "seed|alert", "first_poll", "what the feed's items at its first poll do",
        [](const Value& v, FeedEntry& e) {
          set_if(v.choice(k_first_poll), e.feed.first_poll);
        }},
};

struct Root {
  Config config;
  FeedsContext feeds;
  YAML::Node feeds_node;
  YAML::Mark feeds_mark;
  YAML::Node alerts_node;
  YAML::Mark alerts_mark;
  YAML::Mark opml_mark;
};

const std::array k_root_fields = {
    Field<Root>{"state_dir", "path", "/var/lib/newsmon", "folder of the SQLite state",
        [](const Value& v, Root& r) { set_if(v.path_value(), r.config.state_dir); }},
    Field<Root>{"log_level", "trace|debug|info|warn|error", "info", "least severe level logged",
        [](const Value& v, Root& r) { set_if(v.choice(k_log_levels), r.config.log_level); }},
    Field<Root>{"first_poll", "seed|alert", "seed", "seed: a new feed's current items are recorded, not alerted",
        [](const Value& v, Root& r) { set_if(v.choice(k_first_poll), r.config.first_poll); }},
    Field<Root>{"defaults", "mapping", "", "per-feed fetch settings unless a feed overrides them",
        [](const Value& v, Root& r) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_defaults_fields, r.config.defaults);
        }},
    Field<Root>{"fetch", "mapping", "", "fetcher-wide settings",
        [](const Value& v, Root& r) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_fetch_fields, r.config.fetch);
        }},
    Field<Root>{"dedup", "mapping", "", "how items are recognised as the same story",
        [](const Value& v, Root& r) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_dedup_fields, r.config.dedup);
        }},
    Field<Root>{"store", "mapping", "", "where the dedup window lives",
        [](const Value& v, Root& r) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_store_fields, r.config.store);
        }},
    Field<Root>{"http", "mapping", "", "the metrics and health endpoint",
        [](const Value& v, Root& r) {
          read_map(v.node(), v.mark(), v.path(), v.context(), k_http_fields, r.config.http);
        }},
    Field<Root>{"feeds_opml", "path", "", "an OPML file whose feeds are added to feeds",
        [](const Value& v, Root& r) {
          set_if(v.path_value(), r.config.feeds_opml);
          r.opml_mark = v.mark();
        }},
    Field<Root>{"feeds", "list", "[]", "the feeds to watch",
        [](const Value& v, Root& r) {
          r.feeds_node = v.node();
          r.feeds_mark = v.mark();
        }},
    Field<Root>{"alerts", "list", "[{type: log}]", "where new stories go",
        [](const Value& v, Root& r) {
          r.alerts_node = v.node();
          r.alerts_mark = v.mark();
        }},
};

// A feed starts from the defaults; its own keys override them. `defaults` and
// `first_poll` are read before the feeds list, wherever they stand in the file.
FeedConfig feed_with_defaults(const Config& config) {
  FeedConfig feed;
  feed.interval = config.defaults.interval;
  feed.timeout = config.defaults.timeout;
  feed.max_body = config.defaults.max_body;
  feed.first_poll = config.first_poll;
  return feed;
}

void read_feeds(Root& root, Context& ctx) {
  const YAML::Node& node = root.feeds_node;
  if (!node.IsDefined() || node.IsNull()) {
    return;
  }
  if (!node.IsSequence()) {
    ctx.error(node.Mark(), "feeds", "expected a list of feeds, got " +
                                        Value(node, root.feeds_mark, "feeds", ctx).kind());
    return;
  }
  std::map<std::string, int> first_line_of_name;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string path = "feeds[" + std::to_string(i) + "]";
    FeedEntry entry{feed_with_defaults(root.config), &root.feeds, i};
    const YAML::Node item = node[i];
    YAML::Mark mark = item.Mark();
    entry.feed.line = location_of(mark).line;
    read_map(item, mark, path, ctx, k_feed_fields, entry);
    if (!item.IsMap()) {
      root.config.feeds.push_back(std::move(entry.feed));  // keeps indexes aligned
      continue;
    }
    if (!item["name"]) {
      ctx.error(mark, path + ".name", "missing required key");
    } else if (!entry.feed.name.empty()) {
      auto [it, inserted] = first_line_of_name.emplace(entry.feed.name, entry.feed.line);
      if (!inserted) {
        ctx.error(item["name"].Mark(), path + ".name",
                  "duplicate feed name '" + entry.feed.name + "' (first declared at line " +
                      std::to_string(it->second) + ")");
      }
    }
    if (!item["url"]) {
      ctx.error(mark, path + ".url", "missing required key");
    }
    root.config.feeds.push_back(std::move(entry.feed));
  }
}

void resolve_feed_urls(Root& root, Context& ctx) {
  for (const auto& pending : root.feeds.urls) {
    Value value(pending.node, pending.mark, pending.path, ctx);
    std::optional<std::string> url;
    // "file:relative/path" names a file beside the config, for the bundled demo.
    if (pending.node.IsScalar() && pending.node.Scalar().rfind("file:", 0) == 0 &&
        pending.node.Scalar().rfind("file://", 0) != 0) {
      fs::path file(pending.node.Scalar().substr(5));
      if (file.is_relative()) {
        file = fs::path(ctx.base_dir()) / file;
      }
      url = "file://" + fs::absolute(file).lexically_normal().string();
    } else {
      url = root.config.fetch.allow_file_urls ? read_url(value, {"http", "https", "file"})
                                              : read_url(value, {"http", "https"});
    }
    if (url && url->rfind("file:", 0) == 0 && !root.config.fetch.allow_file_urls) {
      value.error("file URLs need fetch.allow_file_urls: true");
      continue;
    }
    if (url) {
      root.config.feeds[pending.feed_index].url = *url;
    }
  }
}

// OPML feeds join the YAML ones; a URL listed in both keeps its YAML entry, and
// a title that collides with another feed's name gets a numeric suffix.
void read_opml_feeds(Root& root, Context& ctx) {
  if (root.config.feeds_opml.empty()) {
    return;
  }
  auto opml = read_opml_file(root.config.feeds_opml);
  if (!opml) {
    ctx.error(root.opml_mark, "feeds_opml", opml.error().message);
    return;
  }
  std::set<std::string> names;
  std::set<std::string> urls;
  for (const auto& feed : root.config.feeds) {
    names.insert(feed.name);
    urls.insert(feed.url);
  }
  for (const auto& entry : *opml) {
    if (!urls.insert(entry.url).second) {
      continue;
    }
    YAML::Node url_node(entry.url);
    Value value(url_node, root.opml_mark, "feeds_opml", ctx);
    if (!read_url(value, {"http", "https"})) {
      continue;
    }
    FeedConfig feed = feed_with_defaults(root.config);
    feed.name = entry.name;
    for (int suffix = 2; !names.insert(feed.name).second; ++suffix) {
      feed.name = entry.name + " (" + std::to_string(suffix) + ")";
    }
    feed.url = entry.url;
    feed.tags = entry.tags;
    root.config.feeds.push_back(std::move(feed));
  }
}

void read_alerts(Root& root, Context& ctx) {
  const YAML::Node& node = root.alerts_node;
  if (!node.IsDefined() || node.IsNull()) {
    SinkConfig log_sink;
    log_sink.name = "log#0";
    root.config.alerts.push_back(std::move(log_sink));
    return;
  }
  if (!node.IsSequence()) {
    ctx.error(node.Mark(), "alerts",
              "expected a list of sinks, got " + Value(node, root.alerts_mark, "alerts", ctx).kind());
    return;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string path = "alerts[" + std::to_string(i) + "]";
    const YAML::Node item = node[i];
    if (!item.IsMap()) {
      ctx.error(item.Mark(), path, "expected a mapping with a type, got " +
                                       Value(item, item.Mark(), path, ctx).kind());
      continue;
    }
    if (!item["type"]) {
      ctx.error(item.Mark(), path + ".type", "missing required key (log, webhook, archive or jsonl)");
      continue;
    }
    auto type = Value(item["type"], item.Mark(), path + ".type", ctx).choice(k_sink_types);
    if (!type) {
      continue;
    }
    SinkConfig sink;
    sink.type = *type;
    read_map(item, item.Mark(), path, ctx, k_sink_fields, sink, bit(*type), to_string(*type));
    if (sink.name.empty()) {
      sink.name = std::string(to_string(*type)) + "#" + std::to_string(i);
    }
    if (!names.insert(sink.name).second) {
      ctx.error(item["name"] ? item["name"].Mark() : item.Mark(), path + ".name",
                "duplicate sink name '" + sink.name + "'");
    }
    const char* required = *type == SinkType::webhook   ? "url"
                           : *type == SinkType::archive ? "dir"
                           : *type == SinkType::jsonl   ? "path"
                                                        : nullptr;
    if (required != nullptr && !item[required]) {
      ctx.error(item.Mark(), path + "." + required, "missing required key");
    }
    root.config.alerts.push_back(std::move(sink));
  }
}

void check_cross_keys(Root& root, const YAML::Node& document, Context& ctx) {
  if (root.config.store.type == StoreType::redis) {
    const YAML::Node store = document["store"];
    if (!store["url"]) {
      ctx.error(store.Mark(), "store.url", "missing required key for type redis");
    }
    ctx.error(store["type"].Mark(), "store.type",
              "the redis store is not available in this build yet; use sqlite");
  }
}

}  // namespace

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key_path +
         ": " + message;
}

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

LoadResult load_config_text(std::string_view text, const std::string& display_name,
                            const std::string& base_dir, const EnvLookup& env) {
  Context ctx(display_name, base_dir, env);
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    ctx.error(e.mark, "(document)", e.msg);
    return {std::nullopt, ctx.take_errors()};
  }
  Root root;
  root.config.source_path = display_name;
  if (document.IsNull()) {
    ctx.error(document.Mark(), "(document)", "the config is empty");
    return {std::nullopt, ctx.take_errors()};
  }
  read_map(document, document.Mark(), "", ctx, k_root_fields, root);
  read_feeds(root, ctx);
  resolve_feed_urls(root, ctx);
  read_opml_feeds(root, ctx);
  read_alerts(root, ctx);
  if (document.IsMap()) {
    check_cross_keys(root, document, ctx);
  }
  if (ctx.has_errors()) {
    auto errors = ctx.take_errors();
    std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return {std::nullopt, std::move(errors)};
  }
  return {std::move(root.config), {}};
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {std::nullopt, {Diagnostic{path, 0, 0, "(file)", "cannot read the config file"}}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  fs::path base = fs::absolute(fs::path(path)).parent_path();
  return load_config_text(text.str(), path, base.string(), env);
}

std::string config_reference() {
  std::string out;
  auto cell = [](std::string_view text) {
    std::string escaped;
    for (char c : text) {
      escaped += c == '|' ? "\\|" : std::string(1, c);
    }
    return escaped;
  };
  auto section = [&out, &cell](std::string_view title, const auto& fields) {
    out += "### " + std::string(title) + "\n\n| key | type | default | meaning |\n|---|---|---|---|\n";
    for (const auto& field : fields) {
      out += "| `" + std::string(field.key) + "` | " + cell(field.type) + " | " +
             cell(field.default_value) + " | " + cell(field.description) + " |\n";
    }
    out += "\n";
  };
  section("top level", k_root_fields);
  section("defaults", k_defaults_fields);
  section("fetch", k_fetch_fields);
  section("dedup", k_dedup_fields);
  section("store", k_store_fields);
  section("http", k_http_fields);
  section("feeds[]", k_feed_fields);
  section("alerts[]", k_sink_fields);
  return out;
}

std::size_t enabled_feed_count(const Config& config) {
  return static_cast<std::size_t>(std::count_if(config.feeds.begin(), config.feeds.end(),
                                                [](const FeedConfig& feed) { return feed.enabled; }));
}

std::string_view to_string(DedupMode mode) {
  return mode == DedupMode::copies ? "copies" : "stories";
}

std::string_view to_string(SinkType type) {
  switch (type) {
    case SinkType::log: return "log";
    case SinkType::webhook: return "webhook";
    case SinkType::archive: return "archive";
    case SinkType::jsonl: return "jsonl";
  }
  return "?";
}

std::string_view to_string(LogLevel level) {
  for (const auto& [name, value] : k_log_levels) {
    if (value == level) {
      return name;
    }
  }
  return "?";
}

}  // namespace newsmon::config
