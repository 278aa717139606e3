#include "alerts/alert.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>

namespace newsmon::alerts {
namespace {

using Json = nlohmann::ordered_json;

// Feed text is not guaranteed valid UTF-8; a bad byte becomes U+FFFD rather
// than an exception in the middle of delivery.
std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Length in bytes of the UTF-8 sequence starting at text[pos]; 1 for a byte
// that does not start a valid sequence, so malformed input still advances.
std::size_t sequence_length(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 1;
  if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = lead <= 0xEF ? 3 : 1;
  } else if (lead >= 0xC2) {
    length = 2;
  }
  if (pos + length > text.size()) {
    return 1;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80) {
      return 1;
    }
  }
  return length;
}

constexpr std::string_view k_ellipsis = "\xE2\x80\xA6";  // "…"

std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Escapes `text` for Slack and keeps the result within `max_chars` code
// points, cutting between escapes so no "&amp;" is ever split.
std::string slack_escape_truncated(std::string_view text, std::size_t max_chars) {
  std::string whole = slack_escape(text);
  if (count_code_points(whole) <= max_chars) {
    return whole;
  }
  std::string out;
  std::size_t used = 0;
  const std::size_t budget = max_chars == 0 ? 0 : max_chars - 1;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = sequence_length(text, pos);
    std::string piece = slack_escape(text.substr(pos, length));
    const std::size_t piece_chars = length == 1 ? piece.size() : 1;
    if (used + piece_chars > budget) {
      break;
    }
    out += piece;
    used += piece_chars;
    pos += length;
  }
  if (max_chars > 0) {
    out += k_ellipsis;
  }
  return out;
}

}  // namespace

DatedArticle split_dated_article(std::string_view article) {
  constexpr std::string_view k_prefix = " date ";
  constexpr std::size_t k_date_length = 10;
  if (article.substr(0, k_prefix.size()) != k_prefix ||
      article.size() < k_prefix.size() + k_date_length) {
    return {{}, article};
  }
  std::string_view date = article.substr(k_prefix.size(), k_date_length);
  std::string_view body = article.substr(k_prefix.size() + k_date_length);
  if (!body.empty() && body.front() == ' ') {
    body.remove_prefix(1);
  }
  return {date, body};
}

namespace {

Json nullable_time(const std::optional<SysTime>& time) {
  return time ? Json(format_utc(*time)) : Json(nullptr);
}

std::int64_t to_nanos(SysTime time) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

SysTime from_nanos(std::int64_t nanos) {
  return SysTime(std::chrono::duration_cast<SysTime::duration>(std::chrono::nanoseconds(nanos)));
}

}  // namespace

std::string_view to_string(AlertEvent event) {
  return event == AlertEvent::new_story ? "new_story" : "story_update";
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); pos += sequence_length(text, pos)) {
    ++count;
  }
  return count;
}

std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
  std::size_t count = 0;
  std::size_t pos = 0;
  std::size_t keep_end = 0;  // where the text is cut if it turns out too long
  while (pos < text.size()) {
    if (count == max_chars) {
      if (max_chars == 0) {
        return {};
      }
      return std::string(text.substr(0, keep_end)) + std::string(k_ellipsis);
    }
    pos += sequence_length(text, pos);
    ++count;
    if (count + 1 <= max_chars) {
      keep_end = pos;
    }
  }
  return std::string(text);
}

std::string webhook_json(const Alert& alert) {
  Json body = {
      {"event", to_string(alert.event)},
      {"story_id", alert.story_id},
      {"feed", {{"name", alert.feed.name}, {"url", alert.feed.url}}},
      {"item",
       {{"title", alert.item.title},
        {"link", alert.item.link},
        {"guid", alert.item.guid},
        {"published", nullable_time(alert.item.published)}}},
      {"article", alert.article},
      {"detected_at", format_utc(alert.detected_at)},
  };
  if (alert.event == AlertEvent::story_update) {
    body["member_count"] = alert.member_count;
    body["sources"] = alert.sources;
  }
  return dump(body);
}

std::string slack_json(const Alert& alert) {
  const DatedArticle dated = split_dated_article(alert.article);
  std::string header = alert.event == AlertEvent::new_story ? "*New story*" : "*Story update*";
  header.append(" from ").append(slack_escape(alert.feed.name));
  if (alert.event == AlertEvent::story_update) {
    header.append(" (").append(std::to_string(alert.sources.size())).append(" sources)");
  }
  header.append(": ");
  if (alert.item.link.empty()) {
    header.append("*").append(slack_escape(alert.item.title)).append("*");
  } else {
    header.append("<").append(slack_escape(alert.item.link)).append("|");
    header.append(slack_escape(alert.item.title)).append(">");
  }
  if (!dated.date.empty()) {
    header.append("\n").append(dated.date);
  }
  header += "\n\n";
  const std::size_t header_chars = count_code_points(header);
  std::string text;
  if (header_chars >= k_slack_text_limit) {
    text = slack_escape_truncated(alert.item.title, k_slack_text_limit);
  } else {
    text = header + slack_escape_truncated(dated.body, k_slack_text_limit - header_chars);
  }
  return dump(Json{{"text", text}, {"unfurl_links", false}});
}

std::string discord_json(const Alert& alert) {
  const DatedArticle dated = split_dated_article(alert.article);
  std::string content = alert.event == AlertEvent::new_story ? "**New story**" : "**Story update**";
  content += " from " + alert.feed.name;
  if (alert.event == AlertEvent::story_update) {
    content += " (" + std::to_string(alert.sources.size()) + " sources)";
  }
  content += ": " + alert.item.title;
  Json embed = {
      {"title", truncate_utf8(alert.item.title, k_discord_title_limit)},
      {"description", truncate_utf8(dated.body, k_discord_description_limit)},
      {"timestamp", format_utc(alert.item.published.value_or(alert.detected_at))},
      {"footer", {{"text", truncate_utf8(alert.feed.name, k_discord_title_limit)}}},
  };
  // Discord rejects the whole message when an embed url is not http(s).
  if (alert.item.link.starts_with("https://") || alert.item.link.starts_with("http://")) {
    embed["url"] = alert.item.link;
  }
  return dump(Json{
      {"content", truncate_utf8(content, k_discord_content_limit)},
      {"embeds", Json::array({embed})},
      {"allowed_mentions", {{"parse", Json::array()}}},
  });
}

std::string format_body(const Alert& alert, config::WebhookFormat format) {
  switch (format) {
    case config::WebhookFormat::slack:
      return slack_json(alert);
    case config::WebhookFormat::discord:
      return discord_json(alert);
    case config::WebhookFormat::json:
      break;
  }
  return webhook_json(alert);
}

std::string hmac_sha256_signature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data(), &length);
  constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 0x0F];
  }
  return out;
}

std::string idempotency_key(const Alert& alert) {
  if (alert.event == AlertEvent::story_update) {
    return alert.story_id + "/sources=" + std::to_string(alert.sources.size());
  }
  return alert.story_id;
}

std::vector<std::pair<std::string, std::string>> webhook_headers(
    const Alert& alert, std::string_view body, std::string_view secret,
    const std::map<std::string, std::string>& extra) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {std::string(k_idempotency_header), idempotency_key(alert)},
      {std::string(k_event_header), std::string(to_string(alert.event))},
  };
  if (!secret.empty()) {
    headers.emplace_back(k_signature_header, hmac_sha256_signature(secret, body));
  }
  for (const auto& [name, value] : extra) {
    headers.emplace_back(name, value);
  }
  return headers;
}

std::string serialize(const Alert& alert) {
  Json json = {
      {"event", to_string(alert.event)},
      {"story_id", alert.story_id},
      {"feed", {{"name", alert.feed.name}, {"url", alert.feed.url}, {"tags", alert.feed.tags}}},
      {"item",
       {{"title", alert.item.title},
        {"link", alert.item.link},
        {"guid", alert.item.guid},
        {"published_ns",
         alert.item.published ? Json(to_nanos(*alert.item.published)) : Json(nullptr)}}},
      {"article", alert.article},
      {"detected_at_ns", to_nanos(alert.detected_at)},
      {"member_count", alert.member_count},
      {"sources", alert.sources},
  };
  return dump(json);
}

Result<Alert> deserialize(std::string_view text) {
  const Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Error{"stored alert is not a JSON object"};
  }
  try {
    Alert alert;
    const auto event = json.at("event").get<std::string>();
    if (event == "new_story") {
      alert.event = AlertEvent::new_story;
    } else if (event == "story_update") {
      alert.event = AlertEvent::story_update;
    } else {
      return Error{"stored alert has unknown event \"" + event + "\""};
    }
    alert.story_id = json.at("story_id").get<std::string>();
    const auto& feed = json.at("feed");
    alert.feed.name = feed.at("name").get<std::string>();
    alert.feed.url = feed.at("url").get<std::string>();
    alert.feed.tags = feed.at("tags").get<std::vector<std::string>>();
    const auto& item = json.at("item");
    alert.item.title = item.at("title").get<std::string>();
    alert.item.link = item.at("link").get<std::string>();
    alert.item.guid = item.at("guid").get<std::string>();
    if (const auto& published = item.at("published_ns"); !published.is_null()) {
      alert.item.published = from_nanos(published.get<std::int64_t>());
    }
    alert.article = json.at("article").get<std::string>();
    alert.detected_at = from_nanos(json.at("detected_at_ns").get<std::int64_t>());
    alert.member_count = json.at("member_count").get<int>();
    alert.sources = json.at("sources").get<std::vector<std::string>>();
    return alert;
  } catch (const Json::exception& error) {
    return Error{std::string("stored alert is incomplete: ") + error.what()};
  }
}

}  // namespace newsmon::alerts
