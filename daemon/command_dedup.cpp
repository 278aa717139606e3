// `newsmon dedup`: the daemon's dedup engine over a JSON-lines stream of
// articles, replayed on the articles' own dates.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "common/sqlite.hpp"
#include "config/units.hpp"
#include "daemon/commands.hpp"
#include "daemon/dedup_jsonl.hpp"
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

  // A closed stdin would become the next file opened here (the state file,
  // the reader's eventfd) and be read as input.
  if (::fcntl(STDIN_FILENO, F_GETFD) < 0) {
    std::cerr << "newsmon dedup: stdin: " << std::strerror(errno) << "\n";
    return k_exit_failure;
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

  // Lines are read, parsed and prepared on a second thread while this one
  // decides.
  std::optional<ArticleStream> articles;
  try {
    articles.emplace(STDIN_FILENO, options.mode);
  } catch (const std::system_error& error) {
    std::cerr << "newsmon dedup: " << error.what() << "\n";
    return k_exit_failure;
  }
  OutputBuffer out(STDOUT_FILENO);
  // Decisions before a failure are still written, then the failure.
  auto fail = [&out](int code, const std::string& message) {
    out.flush();
    std::cerr << "newsmon dedup: " << message << "\n";
    return code;
  };
  auto where = [](std::size_t line_number) {
    return "stdin:" + std::to_string(line_number) + ": ";
  };
  int in_batch = 0;
  std::optional<sqlite::Transaction> transaction;
  try {
    while (auto batch = articles->next()) {
      const auto& articles_in_batch = batch->articles;
      for (std::size_t i = 0; i < articles_in_batch.size(); ++i) {
        const auto& article = articles_in_batch[i];
        if (db && !transaction) {
          transaction.emplace(*db);
        }
        if (i + 1 < articles_in_batch.size()) {
          engine->prefetch(articles_in_batch[i + 1].prepared);
        }
        auto decision = engine->observe(article.item, article.prepared);
        if (!decision) {
          return fail(k_exit_failure, where(article.line_number) + decision.error().message);
        }
        append_decision_line(out.text(), article.item.id, *decision);
        if (transaction && ++in_batch == k_batch) {
          transaction->commit();
          transaction.reset();
          in_batch = 0;
        }
        if (!out.maybe_flush()) {
          return fail(k_exit_failure, "stdout: " + *out.error());
        }
      }
      if (const auto& failure = batch->failure) {
        if (failure->kind == StreamFailure::Kind::malformed_line) {
          return fail(k_exit_usage, where(failure->line_number) + failure->message);
        }
        return fail(k_exit_failure, "stdin: " + failure->message);
      }
      articles->recycle(std::move(*batch));
    }
    if (transaction) {
      transaction->commit();
    }
  } catch (const sqlite::SqliteError& error) {
    return fail(k_exit_failure, error.what());
  }
  if (!out.flush()) {
    std::cerr << "newsmon dedup: stdout: " << *out.error() << "\n";
    return k_exit_failure;
  }
  return k_exit_ok;
}

}  // namespace newsmon::daemon
