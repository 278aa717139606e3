#pragma once
// The Alert value dedup hands to the alerts stage, and the pure functions that
// turn it into bytes: the webhook JSON body (DESIGN.md "Webhook alert body"),
// Slack and Discord bodies, the HMAC signature and the idempotency key. No I/O
// here, so every format is testable as a plain value.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "config/config.hpp"

namespace newsmon::alerts {

enum class AlertEvent { new_story, story_update };

std::string_view to_string(AlertEvent event);

struct AlertFeed {
  std::string name;
  std::string url;
  std::vector<std::string> tags;  // routing only; not part of the webhook body

  friend bool operator==(const AlertFeed&, const AlertFeed&) = default;
};

struct AlertItem {
  std::string title;
  std::string link;
  std::string guid;
  std::optional<SysTime> published;  // UTC; unset when the feed gave no readable date

  friend bool operator==(const AlertItem&, const AlertItem&) = default;
};

struct Alert {
  AlertEvent event = AlertEvent::new_story;
  std::string story_id;
  AlertFeed feed;
  AlertItem item;
  std::string article;  // the dated article: " date YYYY-MM-DD body"
  SysTime detected_at;
  // story_update only: how many items the story holds and the distinct feeds
  // that carried it.
  int member_count = 0;
  std::vector<std::string> sources;

  friend bool operator==(const Alert&, const Alert&) = default;
};

// The webhook body, exactly DESIGN.md's object; a story_update adds
// "member_count" and "sources". The jsonl sink writes the same object.
std::string webhook_json(const Alert& alert);
// Slack incoming-webhook body: {"text": ...} in mrkdwn, at most k_slack_text_limit characters.
std::string slack_json(const Alert& alert);
// Discord webhook body: {"content": ..., "embeds": [...]} within Discord's limits,
// with mentions disabled so feed text can never ping anyone.
std::string discord_json(const Alert& alert);
// The body for a sink's `format:`.
std::string format_body(const Alert& alert, config::WebhookFormat format);

inline constexpr std::size_t k_slack_text_limit = 40'000;
inline constexpr std::size_t k_discord_content_limit = 2'000;
inline constexpr std::size_t k_discord_title_limit = 256;
inline constexpr std::size_t k_discord_description_limit = 4'096;

// At most `max_chars` code points of `text`, cut on a code point boundary;
// when cut, the last kept code point is "…" so a reader sees it was cut.
std::string truncate_utf8(std::string_view text, std::size_t max_chars);
std::size_t count_code_points(std::string_view text);

// "sha256=" + lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
std::string hmac_sha256_signature(std::string_view secret, std::string_view body);

inline constexpr std::string_view k_signature_header = "X-Newsmon-Signature";
inline constexpr std::string_view k_idempotency_header = "Idempotency-Key";
inline constexpr std::string_view k_event_header = "X-Newsmon-Event";

// The story id for a new_story. An update carries the source count too, so a
// receiver that deduplicates on the key does not drop it as a repeat of the
// story's first alert.
std::string idempotency_key(const Alert& alert);

// Every header of a webhook POST: Content-Type, Idempotency-Key, the event,
// the signature when `secret` is set, then the sink's configured extras.
std::vector<std::pair<std::string, std::string>> webhook_headers(
    const Alert& alert, std::string_view body, std::string_view secret,
    const std::map<std::string, std::string>& extra);

// " date YYYY-MM-DD body" split into its date and body; an article without the
// prefix is all body.
struct DatedArticle {
  std::string_view date;
  std::string_view body;
};
DatedArticle split_dated_article(std::string_view article);

// The outbox keeps the whole Alert (routing fields included) as JSON.
std::string serialize(const Alert& alert);
Result<Alert> deserialize(std::string_view text);

}  // namespace newsmon::alerts
