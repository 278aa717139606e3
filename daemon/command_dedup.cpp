// `newsmon dedup`: the daemon's dedup engine over a JSON-lines stream of
// articles, replayed on the articles' own dates.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/sqlite.hpp"
#include "config/units.hpp"
#include "daemon/commands.hpp"
#include "dedup/dedup.hpp"
#include "dedup/sqlite_store.hpp"

namespace newsmon::daemon {
namespace {

constexpr std::string_view k_help =
    "usage: newsmon dedup [--mode copies|stories] [--window D] [--threshold T] [--state FILE]\n"
    "                     < articles.jsonl\n"
    "\n"
    "Reads one article per line: {\"id\", \"date\": \"YYYY-MM-DD\", \"title\", \"text\"}\n"
    "(optional: \"source\", \"link\", \"guid\"). Writes one decision per line:\n"
    "{\"id\", \"duplicate_of\": id|null, \"story\": id, \"score\": number}: score is the\n"
    "similarity that decided (1 for exact copies and repeats; for a new story, the\n"
    "closest miss).\n"
    "\n"
    "  --mode       copies: republished, excerpted or edited text only;\n"
    "               stories (default): also independent coverage of one event\n"
    "  --window D   how far back an article can match, on the articles' own dates\n"
    "               (default 72h, the daemon's default; e.g. 7d for slow streams)\n"
    "  --threshold  copies: containment of shared shingles (default 0.5);\n"
    "               stories: TF-IDF cosine of the coverage layer, halved every 5 days\n"
    "               between the articles (default 0.13)\n"
    "  --state FILE keep the window in this SQLite file across runs\n"
    "               (default: in memory only)\n"
    "\n"
    "An item whose guid (else id) was seen before in the same source is a repeat.\n"
    "Exit 2 on bad options or a malformed input line (named by its number).\n";

// Items per transaction with --state: one fsync per batch, not per line.
constexpr int k_batch = 1000;

std::optional<std::string> string_field(const nlohmann::json& object, const char* key,
                                        bool required, std::string& error) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) {
    if (required) {
      error = std::string("missing \"") + key + "\"";
    }
    return std::nullopt;
  }
  if (!found->is_string()) {
    error = std::string("\"") + key + "\" must be a string";
    return std::nullopt;
  }
  return found->get<std::string>();
}

std::optional<SysTime> parse_date(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char dash1 = 0;
  char dash2 = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d%c%2u%c%2u", &year, &dash1, &month,  // NOLINT
                                       &dash2, &day) != 5 ||
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
std::string strip_date_prefix(std::string text) {
  constexpr std::string_view k_prefix = " date ";
  if (text.rfind(k_prefix, 0) == 0 && text.size() >= k_prefix.size() + 11 &&
      text[k_prefix.size() + 10] == ' ') {
    text.erase(0, k_prefix.size() + 11);
  }
  return text;
}

// Parses one input line; an empty optional with `error` set when malformed.
std::optional<dedup::DedupItem> parse_item(const std::string& line, std::string& error) {
  nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  dedup::DedupItem item;
  auto id = string_field(object, "id", true, error);
  auto date = string_field(object, "date", true, error);
  auto title = string_field(object, "title", false, error);
  auto text = string_field(object, "text", false, error);
  auto source = string_field(object, "source", false, error);
  auto link = string_field(object, "link", false, error);
  auto guid = string_field(object, "guid", false, error);
  if (!error.empty()) {
    return std::nullopt;
  }
  auto published = parse_date(*date);
  if (!published) {
    error = "\"date\" must be YYYY-MM-DD, got \"" + *date + "\"";
    return std::nullopt;
  }
  item.id = *id;
  item.title = title.value_or("");
  item.text = strip_date_prefix(text.value_or(""));
  item.feed = source.value_or("");
  item.link = link.value_or("");
  item.guid = guid.value_or(item.id);
  item.published = *published;
  item.arrival = *published;
  return item;
}

std::string decision_line(const std::string& id, const dedup::DedupDecision& decision) {
  nlohmann::json out;
  out["id"] = id;
  out["duplicate_of"] = decision.kind == dedup::DedupDecision::Kind::new_story
                            ? nlohmann::json(nullptr)
                            : nlohmann::json(decision.duplicate_of);
  out["story"] = decision.story_id;
  out["score"] = std::round(decision.score * 10000.0) / 10000.0;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int command_dedup(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(args, {{"--mode", "", true},
                                        {"--window", "", true},
                                        {"--threshold", "", true},
                                        {"--state", "", true},
                                        {"--help", "-h", false}});
  if (parsed.error) {
    return usage_error("dedup", *parsed.error);
  }
  if (parsed.flags.count("--help") != 0) {
    std::cout << k_help;
    return k_exit_ok;
  }
  if (!parsed.positional.empty()) {
    return usage_error("dedup", "unexpected argument '" + parsed.positional.front() +
                                    "' (articles are read from stdin)");
  }
  dedup::DedupOptions options;
  options.time_source = dedup::TimeSource::published;
  if (auto mode = parsed.options.find("--mode"); mode != parsed.options.end()) {
    if (mode->second == "copies") {
      options.mode = config::DedupMode::copies;
    } else if (mode->second == "stories") {
      options.mode = config::DedupMode::stories;
    } else {
      return usage_error("dedup", "--mode must be copies or stories, got '" + mode->second + "'");
    }
  }
  if (auto window = parsed.options.find("--window"); window != parsed.options.end()) {
    auto duration = config::parse_duration(window->second);
    if (!duration || duration->count() <= 0) {
      return usage_error("dedup", "--window must be a duration like 72h or 7d, got '" +
                                      window->second + "'");
    }
    options.window = *duration;
  }
  if (auto threshold = parsed.options.find("--threshold"); threshold != parsed.options.end()) {
    char* end = nullptr;
    double value = std::strtod(threshold->second.c_str(), &end);
    if (threshold->second.empty() || *end != '\0' || !(value > 0.0 && value <= 1.0)) {
      return usage_error("dedup", "--threshold must be a number in (0, 1], got '" +
                                      threshold->second + "'");
    }
    options.threshold = value;
  }

  std::unique_ptr<sqlite::Database> db;
  std::unique_ptr<dedup::DedupEngine> engine;
  try {
    std::unique_ptr<dedup::WindowStore> store;
    if (auto state = parsed.options.find("--state"); state != parsed.options.end()) {
      db = std::make_unique<sqlite::Database>(state->second);
      store = std::make_unique<dedup::SqliteWindowStore>(*db);
    }
    engine = std::make_unique<dedup::DedupEngine>(options, std::move(store));
  } catch (const sqlite::SqliteError& error) {
    std::cerr << "newsmon dedup: " << error.what() << "\n";
    return k_exit_failure;
  }

  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  std::size_t line_no = 0;
  int in_batch = 0;
  std::optional<sqlite::Transaction> transaction;
  try {
    while (std::getline(std::cin, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      std::string error;
      auto item = parse_item(line, error);
      if (!item) {
        std::cout << out << std::flush;
        std::cerr << "newsmon dedup: stdin:" << line_no << ": " << error << "\n";
        return k_exit_usage;
      }
      if (db && !transaction) {
        transaction.emplace(*db);
      }
      auto decision = engine->observe(*item);
      if (!decision) {
        std::cout << out << std::flush;
        std::cerr << "newsmon dedup: stdin:" << line_no << ": " << decision.error().message << "\n";
        return k_exit_failure;
      }
      out += decision_line(item->id, *decision);
      out += '\n';
      if (transaction && ++in_batch == k_batch) {
        transaction->commit();
        transaction.reset();
        in_batch = 0;
      }
      if (out.size() > (1u << 16)) {
        std::cout << out;
        out.clear();
      }
    }
    if (transaction) {
      transaction->commit();
    }
  } catch (const sqlite::SqliteError& error) {
    std::cout << out << std::flush;
    std::cerr << "newsmon dedup: " << error.what() << "\n";
    return k_exit_failure;
  }
  std::cout << out << std::flush;
  return k_exit_ok;
}

}  // namespace newsmon::daemon
