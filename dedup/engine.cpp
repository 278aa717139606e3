#include <algorithm>
#include <array>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>
#include <unordered_map>

#include "common/sqlite.hpp"
#include "dedup/boilerplate.hpp"
#include "dedup/dedup.hpp"
#include "dedup/band_index.hpp"
#include "dedup/flat_counter.hpp"
#include "dedup/flat_map.hpp"
#include "dedup/load_early.hpp"
#include "dedup/term_vector.hpp"
#include "dedup/text_index.hpp"

namespace newsmon::dedup {
namespace {

using Millis = std::int64_t;
constexpr std::uint32_t k_no_slot = std::numeric_limits<std::uint32_t>::max();
// A full window holds one slot more than its capacity while it evicts. (A
// restore files what the store holds before it evicts: a store written
// under a larger capacity, itself at most k_max_capacity.)
static_assert(k_max_capacity + 1 <= BandIndex::k_max_value);

// Coverage layer sizes. An article keeps its k_vector_terms heaviest terms
// (what cosine compares) and is indexed under its k_index_terms heaviest (in
// practice its rarest: names, places, numbers). A query probes the posting
// lists of its own k_query_terms heaviest terms, newest k_posting_scan
// entries of each, so a burst of coverage on one name cannot make a query
// scan the whole window. (64 rather than 256: at a 1M window the scan was
// half of a query's time, and the bench's decisions did not change.)
constexpr std::size_t k_vector_terms = 64;
constexpr std::size_t k_index_terms = 16;
constexpr std::size_t k_query_terms = 16;
constexpr std::size_t k_posting_scan = 64;
// At most this many candidates get a cosine per query.
constexpr std::size_t k_max_scored = 16;
// A candidate must be indexed under this many of the query's heaviest terms
// before its cosine is computed (dedup-dev recall 0.883 vs 0.890 with 1; it
// cuts the cosines computed per query several-fold).
constexpr std::uint8_t k_min_shared_terms = 2;
// Below this many shingles containment is too noisy to call a text an
// excerpt of another; short texts must match on Jaccard.
constexpr std::uint32_t k_min_containment_shingles = 20;
// Unless this much of an article is left after the boilerplate filter, the
// filter is ignored: an item made only of recurring lines is compared whole.
constexpr double k_min_kept_fraction = 0.2;
// Coverage scores halve every k_score_half_life of distance in time: the
// same words a day apart are likelier one event than the same words a week
// apart (measured on dedup-dev: half-lives of 3 to 7 days all keep precision
// at 1.0 at the default threshold; without decay precision drops to 0.94).
constexpr double k_score_half_life_ms = 5 * 86'400'000.0;
// Evicted articles whose document frequencies still count, about.
constexpr std::uint64_t k_background_documents = 100'000;
// Time buckets per window and per key retention period: eviction removes a
// bucket at a time, so the window overshoots by at most 1/k_buckets.
constexpr Millis k_buckets = 64;

Millis to_millis(SysTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// Ids back to back in one arena string, each after its length as a LEB128
// varint: a slot or story keeps just the offset (4 bytes) instead of a
// std::string (32) or an offset and a length.
std::uint32_t append_id(std::string& arena, std::string_view id) {
  const auto offset = static_cast<std::uint32_t>(arena.size());
  std::size_t length = id.size();
  do {
    auto byte = static_cast<unsigned char>(length & 0x7Fu);
    length >>= 7;
    if (length != 0) {
      byte |= 0x80u;
    }
    arena.push_back(static_cast<char>(byte));
  } while (length != 0);
  arena.append(id);
  return offset;
}

std::string_view read_id(std::string_view arena, std::uint32_t offset) {
  std::size_t length = 0;
  std::size_t at = offset;
  for (unsigned shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(arena[at++]);
    length |= static_cast<std::size_t>(byte & 0x7Fu) << shift;
    if ((byte & 0x80u) == 0) {
      break;
    }
  }
  return arena.substr(at, length);
}

// One article in the window. Its signature, packed terms and id live in
// side tables (below); 40 bytes, a million of them at a full window.
struct Slot {
  Millis time_ms = 0;
  std::uint64_t seq = 0;
  std::uint64_t text_hash = 0;
  std::uint32_t story = 0;      // its place in the StoryTable
  std::uint32_t id_offset = 0;  // in its time bucket's id arena
  float term_scale = 0;
  std::uint8_t term_count = 0;
  bool live = false;
};
static_assert(sizeof(Slot) == 40);

struct ItemBucket {
  std::vector<std::uint32_t> slots;
  std::size_t head = 0;  // slots before it were evicted for capacity
  // The ids of the bucket's items, back to back: one allocation per bucket
  // instead of a string per article; it leaves with the bucket.
  std::string ids;
  // Document frequencies this bucket contributed, subtracted when it leaves:
  // counted in `df` while items arrive, then moved to `sealed_df`, an exact-
  // size list (8 bytes a term against the table's 11-21), once no more are
  // expected (a late item counts in `df` again).
  FlatCounter df;
  std::vector<StoredTermCount> sealed_df;
  std::uint64_t documents = 0;
  std::uint64_t last_seq = 0;
  bool sealed = false;  // and in the store as one row, if there is a store

  template <class Visit>
  void for_each_df(Visit&& visit) const {
    for (const StoredTermCount& count : sealed_df) {
      visit(count.term, count.count);
    }
    df.for_each(visit);
  }
};

constexpr std::uint32_t k_no_story = std::numeric_limits<std::uint32_t>::max();

struct KeyEntry {
  std::uint32_t story = k_no_story;  // place in the StoryTable
  Millis time_ms = 0;
};

// Keys and stories by the key bucket of their time (a story: of its
// last_ms), to expire them a bucket at a time.
struct KeyBucket {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> stories;  // places; a story moved on is skipped
  // The ids of the stories listed here (append_id): a story's id is in the
  // bucket of its last_ms, copied along when that moves to a later bucket,
  // so it leaves with the story's last bucket.
  std::string ids;
};

constexpr std::uint32_t k_no_id = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t k_no_list = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t k_no_feed = std::numeric_limits<std::uint32_t>::max();

// A story as the window keeps it: 40 bytes, its id in a key bucket's arena,
// its first source inline and any others in a list of their own. Keys and
// slots point at it by its place in the slab, so no map from story number
// to place is kept (the number is for the store).
struct Story {
  std::uint64_t number = 0;  // 0: a free place
  Millis last_ms = 0;
  // 0: absent as far as decisions go (expired while slots or keys still
  // point here, or a number the store had no story for); the next article
  // that joins it starts it afresh, as if the place were new.
  std::uint32_t members = 0;
  std::uint32_t refs = 0;             // keys and window items pointing at this place
  std::uint32_t id_offset = k_no_id;  // in the ids of the key bucket of last_ms
  std::uint32_t first_feed = k_no_feed;
  std::uint32_t more_feeds = k_no_list;  // in StoryTable's feed lists
};
static_assert(sizeof(Story) == 40);

// A place in `slab`: the last freed one if any, else a new one at the end.
template <class T>
std::uint32_t take_place(std::vector<T>& slab, std::vector<std::uint32_t>& free) {
  if (!free.empty()) {
    std::uint32_t place = free.back();
    free.pop_back();
    return place;
  }
  slab.emplace_back();
  return static_cast<std::uint32_t>(slab.size() - 1);
}

// Stories in a dense slab, freed places reused. A place is freed once the
// story has expired and nothing points at it any more: a slot can outlive
// its story's key retention (the window's buckets and the key buckets are
// of different lengths), and it must not then point at another story.
class StoryTable {
 public:
  Story& operator[](std::uint32_t place) { return m_slab[place]; }
  const Story& operator[](std::uint32_t place) const { return m_slab[place]; }

  // A place for the story `number`, empty and not yet pointed at.
  std::uint32_t add(std::uint64_t number) {
    const std::uint32_t place = take_place(m_slab, m_free);
    m_slab[place] = Story{};
    m_slab[place].number = number;
    return place;
  }

  void hold(std::uint32_t place) { ++m_slab[place].refs; }

  void release(std::uint32_t place) {
    Story& story = m_slab[place];
    --story.refs;
    if (story.refs == 0 && story.members == 0) {
      free_place(place);
    }
  }

  // The story leaves (its keys' retention passed); its place goes when
  // nothing points at it.
  void expire(std::uint32_t place) {
    Story& story = m_slab[place];
    set_members(story, 0);
    story.last_ms = 0;
    story.id_offset = k_no_id;
    clear_feeds(story);
    if (story.refs == 0) {
      free_place(place);
    }
  }

  // Calls visit(feed) for each of the story's sources, in the order they
  // joined.
  template <class Visit>
  void for_each_feed(const Story& story, Visit&& visit) const {
    if (story.first_feed == k_no_feed) {
      return;
    }
    visit(story.first_feed);
    if (story.more_feeds != k_no_list) {
      for (std::uint32_t feed : m_feed_lists[story.more_feeds]) {
        visit(feed);
      }
    }
  }

  // Starts loading the place the next add() takes, when it reuses one.
  void prefetch_next_place() const {
    if (!m_free.empty()) {
      load_early(&m_slab[m_free.back()]);
    }
  }

  std::size_t feed_count(const Story& story) const {
    if (story.first_feed == k_no_feed) {
      return 0;
    }
    return 1 + (story.more_feeds == k_no_list ? 0 : m_feed_lists[story.more_feeds].size());
  }

  // Adds `feed` to the story's sources unless it is one.
  void add_feed(Story& story, std::uint32_t feed) {
    if (story.first_feed == k_no_feed) {
      story.first_feed = feed;
      return;
    }
    if (story.first_feed == feed) {
      return;
    }
    if (story.more_feeds == k_no_list) {
      story.more_feeds = take_place(m_feed_lists, m_free_lists);
    }
    std::vector<std::uint32_t>& more = m_feed_lists[story.more_feeds];
    if (std::find(more.begin(), more.end(), feed) == more.end()) {
      more.push_back(feed);
    }
  }

  void clear_feeds(Story& story) {
    story.first_feed = k_no_feed;
    if (story.more_feeds != k_no_list) {
      m_feed_lists[story.more_feeds] = {};
      m_free_lists.push_back(story.more_feeds);
      story.more_feeds = k_no_list;
    }
  }

  // Members go through here, to count the stories that have some.
  void set_members(Story& story, std::uint32_t members) {
    if (story.members == 0 && members > 0) {
      ++m_size;
    } else if (story.members > 0 && members == 0) {
      --m_size;
    }
    story.members = members;
  }

  // Stories with members.
  std::size_t size() const { return m_size; }

  std::size_t bytes() const {
    std::size_t total = m_slab.capacity() * sizeof(Story) +
                        (m_free.capacity() + m_free_lists.capacity()) * sizeof(std::uint32_t) +
                        m_feed_lists.capacity() * sizeof(std::vector<std::uint32_t>);
    for (const auto& list : m_feed_lists) {
      total += list.capacity() * sizeof(std::uint32_t);
    }
    return total;
  }

 private:
  void free_place(std::uint32_t place) {
    clear_feeds(m_slab[place]);
    m_slab[place] = Story{};
    m_free.push_back(place);
  }

  std::vector<Story> m_slab;
  std::vector<std::uint32_t> m_free;
  std::size_t m_size = 0;
  // The sources of stories with more than one, after the first.
  std::vector<std::vector<std::uint32_t>> m_feed_lists;
  std::vector<std::uint32_t> m_free_lists;
};

// Posting list of one term: slots in insertion order; evicted entries are
// marked dead and squeezed out once they are an eighth of the list. The
// lists are a sixth of a stories-mode window, so they grow by a quarter
// rather than double, and give back room they no longer use: doubling and
// squeezing at half left 1.5 to 3 times the entries' bytes allocated.
struct Postings {
  std::vector<std::uint32_t> slots;
  std::uint32_t dead = 0;

  void push(std::uint32_t slot) {
    if (slots.size() == slots.capacity()) {
      slots.reserve(slots.size() + slots.size() / 4 + 4);
    }
    slots.push_back(slot);
  }

  // After an entry died: squeezes the dead out if they are many, keeping
  // the order (the scan takes the newest entries).
  void squeeze() {
    if (dead * 8 <= slots.size()) {
      return;
    }
    std::erase(slots, k_no_slot);
    dead = 0;
    if (slots.capacity() > 2 * slots.size()) {
      std::vector<std::uint32_t> smaller;
      smaller.reserve(slots.size() + slots.size() / 4);
      smaller.assign(slots.begin(), slots.end());
      slots.swap(smaller);
    }
  }
};

struct Candidate {
  std::uint32_t slot = k_no_slot;
  double score = 0;
};

// Inputs of the comparisons for one version of an article's text: its hash,
// and its signature (copies) or term counts (stories).
struct TextFingerprint {
  std::uint64_t text_hash = 0;
  Signature signature;
  std::vector<TermCount> counts;
};

// `body` is compared, or the title when the body is empty; stories mode
// needs no signature (a copy shares the rare terms its source is indexed
// under and scores near 1 on the coverage layer).
void fingerprint(config::DedupMode mode, std::span<const Token> title, std::span<const Token> body,
                 TextFingerprint& out) {
  std::span<const Token> compared = body.empty() ? title : body;
  out.text_hash = compared.empty() ? 0 : hash_tokens(compared);
  out.signature = Signature{};
  out.counts.clear();
  if (mode == config::DedupMode::stories) {
    count_terms(title, body, out.counts);
  } else {
    out.signature = shingle_signature(compared);
  }
}

std::uint64_t make_url_key(const DedupItem& item) {
  return item.link.empty() ? 0 : hash_bytes(canonical_url(item.link), 'u');
}

// `url_key`: make_url_key(item), the key of a guid-less item with a link.
std::uint64_t make_item_key(const DedupItem& item, std::uint64_t url_key) {
  if (!item.guid.empty()) {
    return hash_combine(hash_bytes(item.feed, 'f'), hash_bytes(item.guid, 'g'));
  }
  if (!item.link.empty()) {
    return url_key;
  }
  auto day = std::chrono::floor<std::chrono::days>(item.published).time_since_epoch().count();
  return hash_combine(hash_combine(hash_bytes(item.feed, 'f'), hash_bytes(item.title, 't')),
                      static_cast<std::uint64_t>(day));
}

}  // namespace

struct PreparedItem::Data {
  config::DedupMode mode = config::DedupMode::stories;
  std::uint64_t item_key = 0;
  std::uint64_t url_key = 0;  // 0: no link
  std::vector<Token> body;
  std::vector<Token> title;
  // The body's lines: the hash of each (the boilerplate filter's unit) and
  // its token range.
  std::vector<std::uint64_t> units;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> lines;
  TextFingerprint whole;  // as if no line were boilerplate
};

PreparedItem::PreparedItem() = default;
PreparedItem::~PreparedItem() = default;
PreparedItem::PreparedItem(PreparedItem&&) noexcept = default;
PreparedItem& PreparedItem::operator=(PreparedItem&&) noexcept = default;

void prepare(const DedupItem& item, config::DedupMode mode, PreparedItem& out) {
  if (!out.m_data) {
    out.m_data = std::make_unique<PreparedItem::Data>();
  }
  PreparedItem::Data& data = *out.m_data;
  data.mode = mode;
  data.url_key = make_url_key(item);
  data.item_key = make_item_key(item, data.url_key);
  tokenize(item.text, data.body);
  tokenize(item.title, data.title);
  data.units.clear();
  data.lines.clear();
  const std::span<const Token> body = data.body;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t end = start + 1;
    while (end < body.size() && !body[end].line_start) {
      ++end;
    }
    data.units.push_back(hash_tokens(body.subspan(start, end - start)));
    data.lines.emplace_back(static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end));
    start = end;
  }
  fingerprint(mode, data.title, data.body, data.whole);
}

class DedupEngine::Impl {
 public:
  Impl(DedupOptions options, std::unique_ptr<WindowStore> store)
      : m_options(options), m_store(std::move(store)) {
    m_options.key_retention = std::max(m_options.key_retention, m_options.window);
    m_options.capacity = std::clamp<std::uint64_t>(m_options.capacity, 1, k_max_capacity);
    m_item_bucket_ms = std::max<Millis>(1, m_options.window.count() / k_buckets);
    m_key_bucket_ms = std::max<Millis>(1, m_options.key_retention.count() / k_buckets);
    m_stories_mode = m_options.mode == config::DedupMode::stories;
  }

  const DedupOptions& options() const { return m_options; }
  std::unique_ptr<WindowStore> release_store() { return std::move(m_store); }

  void load() {
    if (!m_store) {
      return;
    }
    WindowLoader loader;
    loader.clock = [this](const StoredClock& clock) { m_clock = clock; };
    loader.item_count = [this](std::uint64_t items) { reserve(items); };
    loader.background = [this](const StoredTermCount& count) {
      m_df.add_background(count.term, count.count);
    };
    // Story numbers to places, while loading only: keys and items name
    // their story by number in the store. A number without a story gets an
    // empty place, as the first article to join it would in observe().
    FlatMap64<std::uint32_t> places;
    auto place_of = [&](std::uint64_t number) {
      if (const std::uint32_t* place = places.find(number)) {
        return *place;
      }
      const std::uint32_t place = m_stories.add(number);
      places[number] = place;
      return place;
    };
    loader.story = [&](StoredStory&& stored) {
      const std::uint32_t place = place_of(stored.story);
      Story& story = m_stories[place];
      m_stories.set_members(story, stored.members);
      m_stories.clear_feeds(story);
      for (const std::string& feed : stored.feeds) {
        m_stories.add_feed(story, feed_number(feed));
      }
      file_story(place, stored.last_ms, stored.id);
    };
    loader.key = [&](const StoredKey& key) { set_key(key.key, place_of(key.story), key.time_ms); };
    loader.boilerplate = [this](const StoredBoilerplate& unit) { m_boilerplate.restore(unit); };
    loader.bucket_terms = [this](StoredBucketTerms&& stored) {
      ItemBucket& bucket = m_item_buckets[floor_div(stored.start_ms, m_item_bucket_ms)];
      bucket.sealed_df.insert(bucket.sealed_df.end(), stored.counts.begin(), stored.counts.end());
      bucket.documents += stored.documents;
      m_documents += stored.documents;
      bucket.last_seq = std::max(bucket.last_seq, stored.last_seq);
      bucket.sealed = true;
    };
    loader.item = [&](StoredItem&& item) {
      insert_slot(item.id, item.time_ms, item.seq, place_of(item.story), item.text_hash,
                  item.signature, item.term_words, item.term_scale, item.df_terms);
    };
    // The window's document frequencies are the sum of its buckets': summed
    // once per bucket term after loading rather than once per article term
    // (insert_slot leaves the window's counts to its caller).
    m_store->load(loader);
    for (const auto& [index, bucket] : m_item_buckets) {
      bucket.for_each_df([&](std::uint32_t term, std::uint32_t count) { m_df.add_window(term, count); });
    }
  }

  // `prepared` null or for the other mode: the item is prepared here, in
  // reused buffers, once it is known not to be a repeat.
  DedupDecision observe(const DedupItem& item, const PreparedItem::Data* prepared) {
    if (prepared != nullptr && prepared->mode != m_options.mode) {
      prepared = nullptr;
    }
    Millis time_ms = to_millis(m_options.time_source == TimeSource::published ? item.published
                                                                             : item.arrival);
    advance(time_ms);

    // Exact layer: the same item again.
    const std::uint64_t url_key = prepared != nullptr ? prepared->url_key : make_url_key(item);
    const std::uint64_t item_key =
        prepared != nullptr ? prepared->item_key : make_item_key(item, url_key);
    for (std::uint64_t key : {item_key, url_key}) {
      if (key == 0) {
        continue;
      }
      if (const KeyEntry* found = m_keys.find(key)) {
        return repeat(found->story, item_key, url_key, time_ms);
      }
    }
    if (prepared == nullptr) {
      prepare(item, m_options.mode, m_scratch.prepared);
      prepared = m_scratch.prepared.m_data.get();
    }

    // The feed's boilerplate lines leave the comparison; the prepared
    // fingerprint is of the whole text, made again only when lines left.
    const std::string& feed_name = item.feed;
    const BoilerplateFilter::Units* feed_units = m_boilerplate.feed_units(feed_name);
    const TextFingerprint* text = &prepared->whole;
    if (feed_units != nullptr) {
      for (std::uint64_t unit : prepared->units) {
        feed_units->prefetch(unit);
      }
      auto& kept_lines = m_scratch.kept_lines;
      kept_lines.clear();
      std::size_t kept_tokens = 0;
      for (std::size_t line = 0; line < prepared->lines.size(); ++line) {
        if (!BoilerplateFilter::is_boilerplate(feed_units, prepared->units[line])) {
          kept_lines.push_back(prepared->lines[line]);
          kept_tokens += prepared->lines[line].second - prepared->lines[line].first;
        }
      }
      const std::size_t all_tokens = prepared->body.size();
      if (kept_tokens != all_tokens &&
          static_cast<double>(kept_tokens) >= k_min_kept_fraction * static_cast<double>(all_tokens)) {
        std::vector<Token>& kept = m_scratch.kept;
        kept.clear();
        for (auto [first, last] : kept_lines) {
          kept.insert(kept.end(), prepared->body.begin() + first, prepared->body.begin() + last);
        }
        fingerprint(m_options.mode, prepared->title, kept, m_scratch.filtered);
        text = &m_scratch.filtered;
      }
    }
    const std::uint64_t text_hash = text->text_hash;
    const Signature& signature = text->signature;
    const std::vector<TermCount>& counts = text->counts;
    std::vector<WeightedTerm>& query = m_scratch.query;
    std::vector<WeightedTerm>& terms = m_scratch.terms;
    query.clear();
    terms.clear();
    if (m_stories_mode) {
      std::vector<double>& idf = m_scratch.idf;
      idf.resize(counts.size());
      const std::uint64_t documents = m_documents + m_clock.background_documents;
      for (const TermCount& count : counts) {
        m_df.prefetch(count.term);
      }
      // The article joins the window's counts in the probe that reads its
      // IDF (its terms are distinct, so no read sees its own count): nothing
      // between here and insert_slot() reads them, and a store error after
      // here is followed by restore(), which rebuilds them.
      const InverseDocumentFrequency inverse(documents);
      for (std::size_t i = 0; i < counts.size(); ++i) {
        idf[i] = inverse(m_df.count_document(counts[i].term));
      }
      weigh_terms(counts, idf, counts.size(), query);
      heaviest_first(query, k_vector_terms, terms);
    }

    // What this item will look up or evict after the copy search, loaded
    // alongside it so the misses overlap: its text hash's entry, the place
    // a new story takes, and the slot capacity evicts next.
    m_text.load_early(text_hash);
    m_stories.prefetch_next_place();
    prefetch_next_victim();

    Candidate best;
    if (text_hash != 0) {
      if (const std::uint32_t found = find_text(text_hash);
          found != TextIndex::k_none && in_window(found, time_ms)) {
        best = Candidate{found, 1.0};
      }
    }
    // A new story still reports the closest miss: the score shows how near
    // it came to joining one.
    double closest = 0;
    if (best.slot == k_no_slot && !m_stories_mode) {
      Candidate copy = best_copy(signature, time_ms);
      closest = copy.score;
      if (copy.score >= copy_threshold()) {
        best = copy;
      }
    }
    if (best.slot == k_no_slot && m_stories_mode) {
      Candidate coverage = best_coverage(query, terms, time_ms);
      closest = std::max(closest, coverage.score);
      if (coverage.score >= story_threshold()) {
        best = coverage;
      }
    }

    DedupDecision decision;
    std::uint32_t place = k_no_story;
    if (best.slot != k_no_slot) {
      place = m_slots[best.slot].story;
      decision.kind = DedupDecision::Kind::duplicate;
      decision.duplicate_of = std::string(slot_id(best.slot));
      decision.score = best.score;
    } else {
      place = m_stories.add(m_clock.next_story++);
      decision.kind = DedupDecision::Kind::new_story;
      decision.score = closest;
    }
    const std::size_t sources_before = m_stories.feed_count(m_stories[place]);
    const Story& story = join_story(place, item, time_ms);
    describe_story(story, decision);
    decision.new_source = m_stories.feed_count(story) > sources_before;
    const std::uint64_t story_no = story.number;

    // Record: store first (it may throw), then memory.
    std::vector<std::uint32_t>& df_terms = m_scratch.df_terms;
    df_terms.resize(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      df_terms[i] = counts[i].term;
    }
    const std::uint64_t seq = m_clock.next_seq++;
    std::vector<std::uint32_t>& words = m_scratch.words;
    words.resize(terms.size());
    const float scale = pack_terms(terms, words.data());
    std::vector<StoredBoilerplate>& boilerplate_changes = m_scratch.boilerplate_changes;
    boilerplate_changes.clear();
    m_boilerplate.learn(feed_name, prepared->units, m_store ? &boilerplate_changes : nullptr);
    if (m_store) {
      m_store->put_item(StoredItem{seq, item.id, feed_name, time_ms, story_no, text_hash,
                                   signature, words, scale, df_terms});
      m_store->put_story(to_stored(story));
      for (const auto& change : boilerplate_changes) {
        m_store->put_boilerplate(change);
      }
    }
    put_keys(place, item_key, url_key, time_ms);
    insert_slot(item.id, time_ms, seq, place, text_hash, signature, words, scale, df_terms);
    if (m_store) {
      m_store->put_clock(m_clock);
    }
    enforce_capacity();
    return decision;
  }

  void prefetch(const PreparedItem::Data& next) const {
    if (next.mode != m_options.mode) {
      return;
    }
    for (std::uint64_t key : {next.item_key, next.url_key}) {
      if (key != 0) {
        m_keys.load_early(key);
      }
    }
    if (next.whole.text_hash != 0) {
      m_text.load_early(next.whole.text_hash);
    }
  }

  DedupStats stats() const {
    DedupStats stats;
    stats.items = m_live;
    stats.keys = m_keys.size();
    stats.stories = m_stories.size();
    stats.terms = m_df.window_terms();
    std::size_t bytes = m_slots.capacity() * sizeof(Slot) +
                        m_signatures.capacity() * sizeof(Signature) +
                        m_band_sides.capacity() * sizeof(std::uint32_t) +
                        m_term_words.capacity() * sizeof(std::uint32_t) +
                        m_marks.capacity() * sizeof(std::uint32_t) + m_lsh.bytes() +
                        m_free.capacity() * sizeof(std::uint32_t);
    bytes += m_keys.bytes() + m_text.bytes() + m_stories.bytes();
    bytes += m_df.bytes();
    bytes += m_posting_index.bytes() + m_posting_lists.capacity() * sizeof(Postings) +
             m_free_postings.capacity() * sizeof(std::uint32_t);
    for (const Postings& postings : m_posting_lists) {
      bytes += postings.slots.capacity() * sizeof(std::uint32_t);
    }
    for (const auto& [index, bucket] : m_item_buckets) {
      bytes += 64 + bucket.slots.capacity() * 4 + bucket.ids.capacity() + bucket.df.bytes() +
               bucket.sealed_df.capacity() * sizeof(StoredTermCount);
    }
    for (const auto& [index, bucket] : m_key_buckets) {
      bytes += 64 + bucket.keys.capacity() * sizeof(std::uint64_t) +
               bucket.stories.capacity() * sizeof(std::uint32_t) + bucket.ids.capacity();
    }
    for (const std::string& feed : m_feed_names) {
      bytes += 64 + feed.capacity();
    }
    bytes += m_boilerplate.bytes();
    stats.bytes = bytes;
    return stats;
  }

 private:
  // Copies mode: whether the slot's band keys are in the band index.
  bool in_lsh(std::uint32_t slot) const {
    return !m_stories_mode && m_slots[slot].live && m_signatures[slot].shingles > 0;
  }

  bool in_window(std::uint32_t slot, Millis time_ms) const {
    const Slot& candidate = m_slots[slot];
    return candidate.live && std::llabs(time_ms - candidate.time_ms) <= m_options.window.count();
  }

  double copy_threshold() const {
    return m_options.mode == config::DedupMode::copies && m_options.threshold
               ? *m_options.threshold
               : k_default_copy_threshold;
  }

  double story_threshold() const { return m_options.threshold.value_or(k_default_story_threshold); }

  std::string_view slot_id(std::uint32_t index) const {
    const Slot& slot = m_slots[index];
    auto bucket = m_item_buckets.find(floor_div(slot.time_ms, m_item_bucket_ms));
    return read_id(bucket->second.ids, slot.id_offset);
  }

  std::string_view story_id(const Story& story) const {
    if (story.id_offset == k_no_id) {
      return {};
    }
    auto bucket = m_key_buckets.find(floor_div(story.last_ms, m_key_bucket_ms));
    return read_id(bucket->second.ids, story.id_offset);
  }

  std::uint32_t find_text(std::uint64_t text_hash) const {
    return m_text.find(text_hash, [&](std::uint32_t slot) { return m_slots[slot].text_hash; });
  }

  std::uint32_t feed_number(const std::string& feed) {
    auto [found, added] = m_feed_numbers.try_emplace(feed, static_cast<std::uint32_t>(m_feed_names.size()));
    if (added) {
      m_feed_names.push_back(feed);
    }
    return found->second;
  }

  void describe_story(const Story& story, DedupDecision& decision) const {
    decision.story_id = story_id(story);
    decision.story_members = story.members;
    decision.story_feeds.clear();
    decision.story_feeds.reserve(m_stories.feed_count(story));
    m_stories.for_each_feed(
        story, [&](std::uint32_t feed) { decision.story_feeds.push_back(m_feed_names[feed]); });
  }

  Candidate best_copy(const Signature& signature, Millis time_ms) {
    Candidate best;
    if (signature.shingles == 0) {
      return best;
    }
    next_epoch();
    auto keys = band_keys(signature);
    for (std::uint64_t key : keys) {
      m_lsh.load_early(static_cast<std::uint32_t>(key));
    }
    for (std::uint64_t key : keys) {
      m_lsh.find(static_cast<std::uint32_t>(key), [&](std::uint32_t slot) {
        if (mark_epoch(slot) == m_visit_epoch || !in_window(slot, time_ms)) {
          return;
        }
        m_marks[slot] = m_visit_epoch << 8;
        const Signature& other = m_signatures[slot];
        Similarity similarity = estimate(signature, other);
        bool long_enough = std::min(signature.shingles, other.shingles) >= k_min_containment_shingles;
        double score = long_enough ? similarity.containment : similarity.jaccard;
        if (score > best.score) {
          best = Candidate{slot, score};
        }
      });
    }
    return best;
  }

  // Per slot: the last query that reached it (high 24 bits) and how many of
  // that query's probe terms it is indexed under (low 8).
  std::uint32_t mark_epoch(std::uint32_t slot) const { return m_marks[slot] >> 8; }

  void next_epoch() {
    if (++m_visit_epoch == (1u << 24)) {
      std::fill(m_marks.begin(), m_marks.end(), 0u);
      m_visit_epoch = 1;
    }
  }

  Candidate best_coverage(std::span<const WeightedTerm> query,
                          std::span<const WeightedTerm> heaviest, Millis time_ms) {
    Candidate best;
    if (query.empty()) {
      return best;
    }
    next_epoch();
    m_candidates.clear();
    // Count, per candidate, how many of the query's heaviest terms it is
    // indexed under; only those sharing several get the full cosine. One
    // shared rare word is what same-topic articles have in common too.
    // Passes so the cache misses of each overlap: the index entries, the
    // lists, the lists' newest ends, then the candidates' marks.
    const std::size_t probes = std::min(k_query_terms, heaviest.size());
    for (std::size_t p = 0; p < probes; ++p) {
      m_posting_index.prefetch(term_prefix(heaviest[p].term));
    }
    std::array<const std::vector<std::uint32_t>*, k_query_terms> lists{};
    for (std::size_t p = 0; p < probes; ++p) {
      if (const std::uint32_t* list = m_posting_index.find(term_prefix(heaviest[p].term))) {
        lists[p] = &m_posting_lists[*list].slots;
        __builtin_prefetch(lists[p]);
      }
    }
    for (std::size_t p = 0; p < probes; ++p) {
      if (lists[p] != nullptr && !lists[p]->empty()) {
        const std::uint32_t* newest = lists[p]->data() + lists[p]->size() - 1;
        for (std::size_t back = 0; back < std::min(lists[p]->size(), k_posting_scan); back += 16) {
          __builtin_prefetch(newest - back);
        }
      }
    }
    std::vector<std::uint32_t>& scan = m_scratch.scan;
    scan.clear();
    for (std::size_t p = 0; p < probes; ++p) {
      if (lists[p] == nullptr) {
        continue;
      }
      const auto& slots = *lists[p];
      std::size_t scanned = 0;
      for (auto it = slots.rbegin(); it != slots.rend() && scanned < k_posting_scan; ++it) {
        if (*it != k_no_slot) {
          ++scanned;
          scan.push_back(*it);
          __builtin_prefetch(&m_marks[*it]);
        }
      }
    }
    for (std::uint32_t slot : scan) {
      std::uint32_t& mark = m_marks[slot];
      if ((mark >> 8) != m_visit_epoch) {
        mark = m_visit_epoch << 8;
        m_candidates.push_back(slot);
      }
      if ((mark & 0xFFu) != 0xFFu) {
        ++mark;
      }
    }
    // Only the candidates sharing the most probe terms are scored: when a
    // story has hundreds of near-copies in the window, scoring them all was
    // most of a query's time, and the best match is among those sharing the
    // most (ties: the newest, the order they were met in).
    std::erase_if(m_candidates, [&](std::uint32_t slot) {
      return (m_marks[slot] & 0xFFu) < k_min_shared_terms;
    });
    if (m_candidates.size() > k_max_scored) {
      std::stable_sort(m_candidates.begin(), m_candidates.end(), [&](std::uint32_t a, std::uint32_t b) {
        return (m_marks[a] & 0xFFu) > (m_marks[b] & 0xFFu);
      });
      m_candidates.resize(k_max_scored);
    }
    bool query_ready = false;
    for (std::uint32_t slot : m_candidates) {
      if (!in_window(slot, time_ms)) {
        continue;
      }
      if (!query_ready) {
        m_query.assign(query);
        query_ready = true;
      }
      const Slot& candidate = m_slots[slot];
      double distance = static_cast<double>(std::llabs(time_ms - candidate.time_ms));
      double score = m_query.dot(&m_term_words[static_cast<std::size_t>(slot) * k_vector_terms],
                                 candidate.term_count, candidate.term_scale) *
                     std::exp2(-distance / k_score_half_life_ms);
      if (score > best.score) {
        best = Candidate{slot, score};
      }
    }
    return best;
  }

  DedupDecision repeat(std::uint32_t place, std::uint64_t item_key, std::uint64_t url_key,
                       Millis time_ms) {
    DedupDecision decision;
    decision.kind = DedupDecision::Kind::repeat;
    decision.score = 1.0;
    if (const Story& story = m_stories[place]; story.members > 0) {
      describe_story(story, decision);
      decision.duplicate_of = decision.story_id;
    }
    // Keys live while they are still being seen, so an item that stays in
    // its feed longer than the retention is not alerted again. Refreshing at
    // most every quarter retention keeps re-polls from writing each time.
    Millis refresh_after = m_options.key_retention.count() / 4;
    for (std::uint64_t key : {item_key, url_key}) {
      if (key == 0) {
        continue;
      }
      const KeyEntry* entry = m_keys.find(key);
      if (entry == nullptr || time_ms - entry->time_ms > refresh_after) {
        put_key(key, place, time_ms);
      }
    }
    return decision;
  }

  Story& join_story(std::uint32_t place, const DedupItem& item, Millis time_ms) {
    Story& story = m_stories[place];
    const Millis last_ms = std::max(story.last_ms, time_ms);
    if (story.members == 0) {
      file_story(place, last_ms, item.id);
    } else {
      move_story(place, last_ms);
    }
    m_stories.set_members(story, story.members + 1);
    m_stories.add_feed(story, feed_number(item.feed));
    return story;
  }

  // Lists the story in the key bucket of `last_ms`, its id there with it.
  void file_story(std::uint32_t place, Millis last_ms, std::string_view id) {
    Story& story = m_stories[place];
    KeyBucket& bucket = key_bucket(last_ms);
    story.last_ms = last_ms;
    story.id_offset = append_id(bucket.ids, id);
    bucket.stories.push_back(place);
  }

  // A listed story seen at `last_ms` or later: into a later key bucket, if
  // that is one, taking its id along (the old copy leaves with the old
  // bucket).
  void move_story(std::uint32_t place, Millis last_ms) {
    Story& story = m_stories[place];
    if (floor_div(last_ms, m_key_bucket_ms) == floor_div(story.last_ms, m_key_bucket_ms)) {
      story.last_ms = last_ms;
      return;
    }
    file_story(place, last_ms, story_id(story));
  }

  StoredStory to_stored(const Story& story) const {
    StoredStory stored{
        story.number, std::string(story_id(story)), story.members, {}, story.last_ms};
    m_stories.for_each_feed(
        story, [&](std::uint32_t feed) { stored.feeds.push_back(m_feed_names[feed]); });
    return stored;
  }

  void put_keys(std::uint32_t place, std::uint64_t item_key, std::uint64_t url_key,
                Millis time_ms) {
    put_key(item_key, place, time_ms);
    if (url_key != 0 && url_key != item_key) {
      put_key(url_key, place, time_ms);
    }
  }

  void put_key(std::uint64_t key, std::uint32_t place, Millis time_ms) {
    Story& story = m_stories[place];
    if (m_store) {
      m_store->put_key(StoredKey{key, story.number, time_ms});
    }
    set_key(key, place, time_ms);
    if (story.members > 0 && story.last_ms < time_ms) {
      move_story(place, time_ms);
      if (m_store) {
        m_store->put_story(to_stored(story));
      }
    }
  }

  // The key points at the story at `place` from now on, last seen at `time_ms`.
  void set_key(std::uint64_t key, std::uint32_t place, Millis time_ms) {
    KeyEntry& entry = m_keys[key];
    if (entry.story != place) {
      m_stories.hold(place);
      if (entry.story != k_no_story) {
        m_stories.release(entry.story);
      }
      entry.story = place;
    }
    entry.time_ms = time_ms;
    key_bucket(time_ms).keys.push_back(key);
  }

  KeyBucket& key_bucket(Millis time_ms) { return m_key_buckets[floor_div(time_ms, m_key_bucket_ms)]; }

  static Millis floor_div(Millis a, Millis b) { return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0); }

  // `words`: the article's k_vector_terms heaviest terms packed, heaviest
  // first; the first k_index_terms are the ones it is indexed under.
  void insert_slot(std::string_view id, Millis time_ms, std::uint64_t seq, std::uint32_t story,
                   std::uint64_t text_hash, const Signature& signature,
                   std::span<const std::uint32_t> words, float scale,
                   std::span<const std::uint32_t> df_terms) {
    std::uint32_t index = 0;
    if (!m_free.empty()) {
      index = m_free.back();
      m_free.pop_back();
    } else {
      index = static_cast<std::uint32_t>(m_slots.size());
      m_slots.emplace_back();
      m_marks.push_back(0);
      if (m_stories_mode) {
        m_term_words.resize(m_term_words.size() + k_vector_terms);
      } else {
        m_signatures.emplace_back();
        m_band_sides.push_back(0);
      }
    }
    auto [place, created] = m_item_buckets.try_emplace(floor_div(time_ms, m_item_bucket_ms));
    ItemBucket& bucket = place->second;
    // A new bucket's frequency table starts the size of the one before it
    // rather than growing to it, rehashing every term at each doubling.
    if (created && !df_terms.empty() && place != m_item_buckets.begin()) {
      const ItemBucket& previous = std::prev(place)->second;
      bucket.df.reserve(previous.df.size() + previous.sealed_df.size());
    }
    Slot& slot = m_slots[index];
    slot.time_ms = time_ms;
    slot.seq = seq;
    slot.story = story;
    m_stories.hold(story);
    slot.text_hash = text_hash;
    slot.id_offset = append_id(bucket.ids, id);
    slot.live = true;
    if (!m_stories_mode) {
      m_signatures[index] = signature;
    }
    ++m_live;
    if (in_lsh(index) && m_lsh.full(k_lsh_bands)) {
      rebuild_lsh();  // files every live slot, this one included
    } else if (in_lsh(index)) {
      auto keys = band_keys(signature);
      for (std::uint64_t key : keys) {
        m_lsh.load_early(static_cast<std::uint32_t>(key));
      }
      if (!file_bands(index, keys)) {
        rebuild_lsh();  // an entry found no room; this slot is filed too
      }
    }
    // The newest item with this text answers for it: an exact copy is found
    // again after the item it copied has left the window.
    if (text_hash != 0) {
      m_text.assign(text_hash, index,
                    [&](std::uint32_t filed) { return m_slots[filed].text_hash; });
    }
    if (m_stories_mode) {
      const std::size_t count = std::min(words.size(), k_vector_terms);
      slot.term_count = static_cast<std::uint8_t>(count);
      slot.term_scale = scale;
      std::copy_n(words.begin(), count, m_term_words.begin() + static_cast<std::ptrdiff_t>(index) * k_vector_terms);
      for (std::size_t i = 0; i < std::min(count, k_index_terms); ++i) {
        postings_of(PackedTermWord::prefix(words[i])).push(index);
      }
    }
    bucket.slots.push_back(index);
    bucket.last_seq = std::max(bucket.last_seq, seq);
    // The window's counts (m_df) are its caller's: observe() adds them as it
    // reads them, load() sums the buckets'.
    if (!df_terms.empty()) {
      for (std::uint32_t term : df_terms) {
        bucket.df.prefetch(term);
      }
      for (std::uint32_t term : df_terms) {
        bucket.df.add(term, 1);
      }
      ++bucket.documents;
      ++m_documents;
    }
  }

  // Room for `items` articles: a restore sizes the window once instead of
  // growing (and rebuilding the band index) step by step.
  void reserve(std::uint64_t items) {
    m_slots.reserve(items);
    m_marks.reserve(items);
    if (m_stories_mode) {
      m_term_words.reserve(items * k_vector_terms);
    } else {
      m_signatures.reserve(items);
      m_band_sides.reserve(items);
      // 75% full: room to grow before the first rebuild.
      const std::size_t entries = items * k_lsh_bands;
      const std::size_t buckets = entries * 4 / (BandIndex::k_bucket_entries * 3) + 1;
      if (buckets > m_lsh.bucket_count() && m_lsh.size() == 0) {
        m_lsh = BandIndex(buckets);
      }
    }
  }

  // The band index keeps tags, not keys, so it grows by being rebuilt from
  // the signatures: half again as large, which leaves it 60% full.
  void rebuild_lsh() {
    std::size_t buckets = m_lsh.bucket_count();
    do {
      buckets = buckets * 3 / 2 + 1;
    } while (!refile_lsh(buckets));
  }

  bool refile_lsh(std::size_t buckets) {
    m_lsh = BandIndex(buckets);
    for (std::uint32_t index = 0; index < m_slots.size(); ++index) {
      if (in_lsh(index) && !file_bands(index, band_keys(m_signatures[index]))) {
        return false;
      }
    }
    return true;
  }

  // Files the slot's band keys, noting which bucket each went to: its
  // eviction then reads one bucket a key, not two. False when one found no
  // room.
  bool file_bands(std::uint32_t index, const std::array<std::uint64_t, k_lsh_bands>& keys) {
    std::uint32_t sides = 0;
    for (std::size_t band = 0; band < k_lsh_bands; ++band) {
      const BandIndex::Filed filed = m_lsh.insert(static_cast<std::uint32_t>(keys[band]), index);
      if (filed == BandIndex::Filed::none) {
        return false;
      }
      sides |= static_cast<std::uint32_t>(filed == BandIndex::Filed::second) << band;
    }
    m_band_sides[index] = sides;
    return true;
  }

  static BandIndex::Filed band_side(std::uint32_t sides, std::size_t band) {
    return ((sides >> band) & 1) != 0 ? BandIndex::Filed::second : BandIndex::Filed::home;
  }

  // The posting list of `prefix`, created empty if it has none.
  Postings& postings_of(std::uint32_t prefix) {
    if (const std::uint32_t* list = m_posting_index.find(prefix)) {
      return m_posting_lists[*list];
    }
    const std::uint32_t list = take_place(m_posting_lists, m_free_postings);
    m_posting_index[prefix] = list;
    return m_posting_lists[list];
  }

  void remove_slot(std::uint32_t index) {
    Slot& slot = m_slots[index];
    if (!slot.live) {
      return;
    }
    if (in_lsh(index)) {
      const auto keys = band_keys(m_signatures[index]);
      const std::uint32_t sides = m_band_sides[index];
      for (std::size_t band = 0; band < k_lsh_bands; ++band) {
        m_lsh.load_early(static_cast<std::uint32_t>(keys[band]), band_side(sides, band));
      }
      for (std::size_t band = 0; band < k_lsh_bands; ++band) {
        m_lsh.erase(static_cast<std::uint32_t>(keys[band]), index, band_side(sides, band));
      }
    }
    if (slot.text_hash != 0) {
      m_text.erase(slot.text_hash, index);
    }
    const std::uint32_t* words =
        m_stories_mode ? &m_term_words[static_cast<std::size_t>(index) * k_vector_terms] : nullptr;
    for (std::size_t i = 0; words != nullptr && i < std::min<std::size_t>(slot.term_count, k_index_terms); ++i) {
      const std::uint32_t prefix = PackedTermWord::prefix(words[i]);
      const std::uint32_t* found = m_posting_index.find(prefix);
      if (found == nullptr) {
        continue;
      }
      const std::uint32_t list = *found;
      Postings& postings = m_posting_lists[list];
      // Evictions go oldest first, so the slot is near the front.
      auto it = std::find(postings.slots.begin(), postings.slots.end(), index);
      if (it != postings.slots.end()) {
        *it = k_no_slot;
        ++postings.dead;
      }
      if (postings.dead == postings.slots.size()) {
        postings.slots.clear();
        postings.slots.shrink_to_fit();
        postings.dead = 0;
        m_posting_index.erase(prefix);
        m_free_postings.push_back(list);
      } else {
        postings.squeeze();
      }
    }
    slot.live = false;
    slot.term_count = 0;
    m_stories.release(slot.story);
    m_free.push_back(index);
    --m_live;
  }

  // The oldest bucket leaves, by age or because capacity emptied it; the
  // store forgets it too, or a restart would count its frequencies again.
  void drop_item_bucket(std::map<Millis, ItemBucket>::iterator bucket) {
    if (m_store) {
      m_store->erase_items_before((bucket->first + 1) * m_item_bucket_ms);
    }
    for (std::uint32_t index : bucket->second.slots) {
      if (index != k_no_slot) {
        remove_slot(index);
      }
    }
    m_documents -= std::min(m_documents, bucket->second.documents);
    remember(bucket->second);
    m_item_buckets.erase(bucket);
  }

  // Document frequencies of articles that left the window, halved each time
  // they pass k_background_documents: IDF needs a population, and a quiet
  // stream's window (a few articles a week) is too small to tell a name
  // from a common word. A decayed memory of recent language does.
  // The bucket's counts move from the window to the background in one
  // probe per term.
  void remember(const ItemBucket& bucket) {
    if (bucket.documents == 0) {
      return;
    }
    std::vector<StoredTermCount> counts;
    if (m_store) {
      counts.reserve(bucket.df.size() + bucket.sealed_df.size());
    }
    bucket.for_each_df([&](std::uint32_t term, std::uint32_t count) {
      m_df.retire(term, count);
      if (m_store) {
        counts.push_back(StoredTermCount{term, count});
      }
    });
    m_clock.background_documents += bucket.documents;
    bool halve = m_clock.background_documents > k_background_documents;
    if (halve) {
      m_df.halve_background();
      m_clock.background_documents /= 2;
    }
    if (m_store) {
      m_store->add_background(counts);
      if (halve) {
        m_store->halve_background();
      }
      m_store->put_clock(m_clock);
    }
  }

  void advance(Millis time_ms) {
    if (time_ms <= m_clock.now_ms) {
      return;
    }
    m_clock.now_ms = time_ms;
    Millis item_cutoff = time_ms - m_options.window.count();
    while (!m_item_buckets.empty() &&
           (m_item_buckets.begin()->first + 1) * m_item_bucket_ms <= item_cutoff) {
      drop_item_bucket(m_item_buckets.begin());
    }
    seal_item_buckets(time_ms);
    shrink_closed_buckets(time_ms);
    Millis key_cutoff = time_ms - m_options.key_retention.count();
    while (!m_key_buckets.empty() &&
           (m_key_buckets.begin()->first + 1) * m_key_bucket_ms <= key_cutoff) {
      Millis end = (m_key_buckets.begin()->first + 1) * m_key_bucket_ms;
      if (m_store) {
        m_store->erase_keys_before(end);
        m_store->erase_stories_before(end);
      }
      KeyBucket& bucket = m_key_buckets.begin()->second;
      for (std::uint64_t key : bucket.keys) {
        const KeyEntry* found = m_keys.find(key);
        if (found != nullptr && found->time_ms < end) {
          const std::uint32_t place = found->story;
          m_keys.erase(key);
          m_stories.release(place);
        }
      }
      // Places listed here may since have moved on to a later bucket, or
      // expired in an earlier pass of this loop (listed twice).
      for (std::uint32_t place : bucket.stories) {
        const Story& story = m_stories[place];
        if (story.id_offset != k_no_id && story.last_ms < end) {
          m_stories.expire(place);
        }
      }
      m_key_buckets.erase(m_key_buckets.begin());
    }
  }

  // A bucket a whole bucket-length in the past takes no more items in order:
  // its document frequencies go to the store as one row, and the store may
  // drop its items' term lists. (A late item still comes with its own.)
  void seal_item_buckets(Millis time_ms) {
    if (!m_stories_mode) {
      return;
    }
    for (auto it = m_item_buckets.lower_bound(m_seal_from); it != m_item_buckets.end(); ++it) {
      auto& [index, bucket] = *it;
      Millis end = (index + 1) * m_item_bucket_ms;
      if (end > time_ms - m_item_bucket_ms) {
        break;
      }
      m_seal_from = index + 1;
      if (bucket.sealed || bucket.documents == 0) {
        continue;
      }
      StoredBucketTerms stored{index * m_item_bucket_ms, end, bucket.last_seq, bucket.documents, {}};
      stored.counts.reserve(bucket.df.size());
      bucket.df.for_each([&](std::uint32_t term, std::uint32_t count) {
        stored.counts.push_back(StoredTermCount{term, count});
      });
      if (m_store) {
        m_store->put_bucket_terms(stored);
      }
      bucket.sealed_df = std::move(stored.counts);
      bucket.df = FlatCounter();
      bucket.sealed = true;
    }
  }

  void prefetch_next_victim() const {
    if (m_live < m_options.capacity || m_item_buckets.empty()) {
      return;
    }
    const ItemBucket& bucket = m_item_buckets.begin()->second;
    if (bucket.head < bucket.slots.size() && bucket.slots[bucket.head] != k_no_slot) {
      const std::uint32_t victim = bucket.slots[bucket.head];
      load_early(&m_slots[victim]);
      if (!m_stories_mode) {
        const auto* bins = reinterpret_cast<const char*>(&m_signatures[victim]);
        for (std::size_t line = 0; line < sizeof(Signature); line += 64) {
          load_early(bins + line);
        }
      }
    }
  }

  // A bucket a whole bucket-length in the past takes no more items or keys
  // in order, so its lists and id arenas are cut to size: growth by doubling
  // left a third of them unused on average (~17 bytes an article at a 1M
  // window). A late item or key still finds room, by growing one again.
  void shrink_closed_buckets(Millis time_ms) {
    for (auto it = m_item_buckets.lower_bound(m_shrink_items_from); it != m_item_buckets.end();
         ++it) {
      if ((it->first + 2) * m_item_bucket_ms > time_ms) {
        break;
      }
      m_shrink_items_from = it->first + 1;
      it->second.slots.shrink_to_fit();
      it->second.ids.shrink_to_fit();
    }
    for (auto it = m_key_buckets.lower_bound(m_shrink_keys_from); it != m_key_buckets.end(); ++it) {
      if ((it->first + 2) * m_key_bucket_ms > time_ms) {
        break;
      }
      m_shrink_keys_from = it->first + 1;
      it->second.keys.shrink_to_fit();
      it->second.stories.shrink_to_fit();
      it->second.ids.shrink_to_fit();
    }
  }

  void enforce_capacity() {
    while (m_live > m_options.capacity && !m_item_buckets.empty()) {
      auto bucket = m_item_buckets.begin();
      auto& slots = bucket->second.slots;
      // Oldest first inside the bucket too; the bucket's DF goes with its
      // last item.
      auto begin = slots.begin() + static_cast<std::ptrdiff_t>(bucket->second.head);
      auto live = std::find_if(begin, slots.end(), [&](std::uint32_t s) {
        return s != k_no_slot && m_slots[s].live;
      });
      if (live == slots.end()) {
        drop_item_bucket(bucket);
        continue;
      }
      if (m_store) {
        m_store->erase_item(m_slots[*live].seq);
      }
      remove_slot(*live);
      *live = k_no_slot;
      bucket->second.head = static_cast<std::size_t>(live - slots.begin()) + 1;
    }
  }

  DedupOptions m_options;
  std::unique_ptr<WindowStore> m_store;
  Millis m_item_bucket_ms = 1;
  Millis m_key_bucket_ms = 1;
  bool m_stories_mode = false;
  StoredClock m_clock;

  // The window's articles by slot, with their side tables: signatures, and
  // in stories mode k_vector_terms packed term words per slot.
  HugeVector<Slot> m_slots;
  HugeVector<Signature> m_signatures;
  // Copies mode, per slot: bit b set when band b's entry went to its second
  // bucket (BandIndex::Filed).
  HugeVector<std::uint32_t> m_band_sides;
  HugeVector<std::uint32_t> m_term_words;
  std::vector<std::uint32_t> m_free;
  HugeVector<std::uint32_t> m_marks;  // per slot, see mark_epoch()
  std::vector<std::uint32_t> m_candidates;
  std::uint32_t m_visit_epoch = 0;
  std::uint64_t m_live = 0;

  BandIndex m_lsh;
  TextIndex m_text;
  // Posting lists by term prefix: a flat index from prefix to list number,
  // the lists in one vector, freed list numbers reused.
  FlatMap<std::uint32_t, std::uint32_t> m_posting_index;
  std::vector<Postings> m_posting_lists;
  std::vector<std::uint32_t> m_free_postings;
  QueryVector m_query;
  // Document frequencies: the window's and the background's, per term.
  DocumentFrequencies m_df;
  std::uint64_t m_documents = 0;
  std::map<Millis, ItemBucket> m_item_buckets;
  Millis m_seal_from = std::numeric_limits<Millis>::min();  // buckets before it are sealed
  // Buckets before these were cut to size (shrink_closed_buckets).
  Millis m_shrink_items_from = std::numeric_limits<Millis>::min();
  Millis m_shrink_keys_from = std::numeric_limits<Millis>::min();

  FlatMap64<KeyEntry> m_keys;
  StoryTable m_stories;
  std::map<Millis, KeyBucket> m_key_buckets;
  // Feeds by number: stories list their sources as numbers.
  std::unordered_map<std::string, std::uint32_t> m_feed_numbers;
  std::vector<std::string> m_feed_names;

  BoilerplateFilter m_boilerplate;

  // Per-item working buffers, kept between items so observe() reuses their
  // capacity instead of allocating afresh.
  struct Scratch {
    PreparedItem prepared;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> kept_lines;  // token ranges
    std::vector<Token> kept;  // the body without its boilerplate lines
    TextFingerprint filtered;
    std::vector<double> idf;
    std::vector<WeightedTerm> query;
    std::vector<WeightedTerm> terms;
    std::vector<std::uint32_t> df_terms;
    std::vector<std::uint32_t> scan;
    std::vector<StoredBoilerplate> boilerplate_changes;
    std::vector<std::uint32_t> words;
  } m_scratch;
};

DedupEngine::DedupEngine(DedupOptions options, std::unique_ptr<WindowStore> store)
    : m_impl(std::make_unique<Impl>(options, std::move(store))) {
  m_impl->load();
}

DedupEngine::~DedupEngine() = default;

Result<DedupDecision> DedupEngine::observe(const DedupItem& item) {
  try {
    return m_impl->observe(item, nullptr);
  } catch (const sqlite::SqliteError& error) {
    return Error{"dedup: cannot record item '" + item.id + "': " + error.what()};
  }
}

Result<DedupDecision> DedupEngine::observe(const DedupItem& item, const PreparedItem& prepared) {
  try {
    return m_impl->observe(item, prepared.m_data.get());
  } catch (const sqlite::SqliteError& error) {
    return Error{"dedup: cannot record item '" + item.id + "': " + error.what()};
  }
}

void DedupEngine::prefetch(const PreparedItem& next) const {
  if (next.m_data) {
    m_impl->prefetch(*next.m_data);
  }
}

Status DedupEngine::restore() {
  try {
    DedupOptions options = m_impl->options();
    m_impl = std::make_unique<Impl>(options, m_impl->release_store());
    m_impl->load();
    return ok_status();
  } catch (const sqlite::SqliteError& error) {
    return Error{std::string("dedup: cannot restore the window: ") + error.what()};
  }
}

DedupStats DedupEngine::stats() const { return m_impl->stats(); }

const DedupOptions& DedupEngine::options() const { return m_impl->options(); }

}  // namespace newsmon::dedup
