#include "consent/consent_index.h"

#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/huge_pages.h"
#include "core/prometheus_text.h"

namespace privacyd {
namespace {

constexpr uint32_t kNoSlot = UINT32_MAX;
// Slot 0 stands for every suppressed email address nobody holds.
constexpr uint32_t kSuppressedUnknownSlot = 0;
constexpr int kChangesPerRead = 10'000;
constexpr char kEmail[] = "email";

struct Key {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Key&) const = default;
};

// The first 128 bits of a blind index (an HMAC-SHA-256 output, so uniformly distributed).
Key EmailKey(std::string_view blind_index) {
  Key key;
  char bytes[16] = {};
  std::memcpy(bytes, blind_index.data(), std::min<size_t>(blind_index.size(), sizeof bytes));
  std::memcpy(&key.hi, bytes, 8);
  std::memcpy(&key.lo, bytes + 8, 8);
  return key;
}

// Two independent 64-bit hashes of a subject id; the slot's id is compared on every look-up.
Key IdKey(std::string_view id) {
  uint64_t fnv = 1469598103934665603ULL;
  for (unsigned char c : id) fnv = (fnv ^ c) * 1099511628211ULL;
  return Key{std::hash<std::string_view>{}(id), fnv};
}

// An open-addressing hash table from 128-bit keys to slots: linear probing, at most half full,
// deletion by shifting the following entries back (no tombstones).
class SlotTable {
 public:
  // Asks the CPU to fetch the entry where a look-up of `key` starts, so that a look-up issued a
  // few keys later does not wait for memory (the table is far larger than the caches).
  void Prefetch(const Key& key) const {
    if (!entries_.empty()) __builtin_prefetch(&entries_[Home(key)]);
  }

  uint32_t Find(const Key& key) const {
    if (entries_.empty()) return kNoSlot;
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.slot == kNoSlot) return kNoSlot;
      if (e.key == key) return e.slot;
    }
  }

  void Put(const Key& key, uint32_t slot) {
    if ((size_ + 1) * 2 > entries_.size()) Grow();
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      Entry& e = entries_[i];
      if (e.slot == kNoSlot) {
        e = Entry{key, slot};
        ++size_;
        return;
      }
      if (e.key == key) {
        e.slot = slot;
        return;
      }
    }
  }

  void Erase(const Key& key) {
    if (entries_.empty()) return;
    size_t i = Home(key);
    for (;; i = (i + 1) & mask_) {
      if (entries_[i].slot == kNoSlot) return;
      if (entries_[i].key == key) break;
    }
    // Shift back every following entry whose home is not between the hole and itself.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; entries_[j].slot != kNoSlot; j = (j + 1) & mask_) {
      size_t home = Home(entries_[j].key);
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole] = Entry{};
    --size_;
  }

  void Reserve(size_t n) {
    size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    if (capacity > entries_.size()) Rehash(capacity);
  }

  size_t size() const { return size_; }
  size_t bytes() const { return entries_.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    Key key;
    uint32_t slot = kNoSlot;
  };

  size_t Home(const Key& key) const { return static_cast<size_t>(key.hi) & mask_; }
  void Grow() { Rehash(entries_.empty() ? 16 : entries_.size() * 2); }
  void Rehash(size_t capacity) {
    std::vector<Entry, HugePageAllocator<Entry>> old = std::move(entries_);
    entries_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Entry& e : old) {
      if (e.slot != kNoSlot) Put(e.key, e.slot);
    }
  }

  std::vector<Entry, HugePageAllocator<Entry>> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// The subjects' ids, one 32-byte cell a slot: the id, then its length in the cell's last byte.
// A look-up of an allowed address reads its subject's id; kept in strings of their own, each id
// was one more cache miss (the string, then the heap block it points to), and one allocation
// per subject. An id as privacyd makes it (30 characters) fits a cell; a longer one is kept
// apart.
class SubjectIds {
 public:
  std::string_view operator[](uint32_t slot) const {
    const Cell& cell = cells_[slot];
    if (cell.size == kLong) return long_.at(slot);
    return {cell.bytes, cell.size};
  }
  size_t size() const { return cells_.size(); }
  void Prefetch(uint32_t slot) const { __builtin_prefetch(&cells_[slot]); }

  void Append(std::string_view id) {
    Cell& cell = cells_.emplace_back();
    if (id.size() < sizeof cell.bytes) {
      std::memcpy(cell.bytes, id.data(), id.size());
      cell.size = static_cast<uint8_t>(id.size());
    } else {
      long_.emplace(static_cast<uint32_t>(cells_.size() - 1), id);
      cell.size = kLong;
    }
  }
  // A removed subject's slot holds "".
  void Clear(uint32_t slot) {
    long_.erase(slot);
    cells_[slot].size = 0;
  }

  size_t bytes() const {
    size_t n = cells_.capacity() * sizeof(Cell);
    for (const auto& [slot, id] : long_) n += sizeof(slot) + sizeof(id) + id.capacity() + 1;
    return n;
  }

 private:
  struct alignas(32) Cell {
    char bytes[31];
    uint8_t size = 0;  // kLong: the id is in long_
  };
  static constexpr uint8_t kLong = UINT8_MAX;

  std::vector<Cell, HugePageAllocator<Cell>> cells_;
  std::unordered_map<uint32_t, std::string> long_;
};

}  // namespace

struct ConsentIndex::State {
  std::shared_ptr<const Policy> policy;
  std::vector<const SubscriptionTopic*> topics;  // the policy's, in its order
  SubjectIds subject_ids;                        // per slot; "" for slot 0 and removed subjects
  std::vector<uint8_t, HugePageAllocator<uint8_t>> verdicts;  // slot * topics.size() + topic
  SlotTable by_email;
  SlotTable by_id;
  int64_t applied_seq = 0;

  size_t TopicPosition(const std::string& id) const {
    for (size_t i = 0; i < topics.size(); ++i) {
      if (topics[i]->id == id) return i;
    }
    return topics.size();
  }

  uint32_t SlotOfId(std::string_view id) const {
    uint32_t slot = by_id.Find(IdKey(id));
    return slot != kNoSlot && subject_ids[slot] == id ? slot : kNoSlot;
  }

  uint32_t NewSlot(const std::string& id) {
    auto slot = static_cast<uint32_t>(subject_ids.size());
    subject_ids.Append(id);
    verdicts.resize(verdicts.size() + topics.size(),
                    static_cast<uint8_t>(ConsentVerdict::kUnknown));
    by_id.Put(IdKey(id), slot);
    return slot;
  }

  void SetVerdicts(uint32_t slot, const Jurisdictions& jurisdictions, const ConsentFacts& facts) {
    for (size_t t = 0; t < topics.size(); ++t) {
      verdicts[slot * topics.size() + t] =
          static_cast<uint8_t>(DecideTopic(*policy, jurisdictions, *topics[t], facts));
    }
  }

  ConsentVerdict Verdict(uint32_t slot, size_t topic) const {
    return static_cast<ConsentVerdict>(verdicts[slot * topics.size() + topic]);
  }
};

ConsentVerdict ConsentIndex::View::ByEmailIndex(std::string_view blind_index,
                                                std::string* subject_id) const {
  uint32_t slot = state_.by_email.Find(EmailKey(blind_index));
  if (subject_id != nullptr) subject_id->clear();
  if (slot == kNoSlot) return ConsentVerdict::kUnknown;
  ConsentVerdict verdict = state_.Verdict(slot, topic_);
  // Only an allowed address's subject is wanted: not reading the others' ids saves a cache
  // miss for every refused address of a big check.
  if (subject_id != nullptr && verdict == ConsentVerdict::kAllowed) {
    *subject_id = state_.subject_ids[slot];
  }
  return verdict;
}

void ConsentIndex::View::ByEmailIndexes(std::span<const std::string_view> keys, size_t first,
                                        size_t end, const EmailVerdictFn& fn) const {
  // Each look-up is three dependent reads far apart in memory (the table's entry, then the
  // slot's verdict and subject id). Done one key after the other they queue; here the entry of
  // the key kTableAhead ahead and the verdict and id of the key kSlotAhead ahead are asked for
  // while the current key is answered, so the reads overlap.
  constexpr size_t kTableAhead = 16;
  constexpr size_t kSlotAhead = 8;
  uint32_t slots[kSlotAhead];
  const size_t topics = state_.topics.size();
  auto fetch_entry = [&](size_t i) {
    if (i < end && !keys[i].empty()) state_.by_email.Prefetch(EmailKey(keys[i]));
  };
  auto find_slot = [&](size_t i) {
    if (i >= end || keys[i].empty()) return;
    uint32_t slot = state_.by_email.Find(EmailKey(keys[i]));
    slots[i % kSlotAhead] = slot;
    if (slot != kNoSlot) {
      __builtin_prefetch(&state_.verdicts[slot * topics + topic_]);
      state_.subject_ids.Prefetch(slot);
    }
  };
  for (size_t i = first; i < std::min(end, first + kTableAhead); ++i) fetch_entry(i);
  for (size_t i = first; i < std::min(end, first + kSlotAhead); ++i) find_slot(i);
  for (size_t i = first; i < end; ++i) {
    const uint32_t slot = slots[i % kSlotAhead];  // before find_slot reuses its place
    fetch_entry(i + kTableAhead);
    find_slot(i + kSlotAhead);
    if (keys[i].empty()) continue;
    if (slot == kNoSlot) {
      fn(i, ConsentVerdict::kUnknown, {});
      continue;
    }
    const ConsentVerdict verdict = state_.Verdict(slot, topic_);
    fn(i, verdict,
       verdict == ConsentVerdict::kAllowed ? state_.subject_ids[slot] : std::string_view());
  }
}

ConsentVerdict ConsentIndex::View::BySubjectId(std::string_view subject_id) const {
  uint32_t slot = state_.SlotOfId(subject_id);
  return slot == kNoSlot || slot == kSuppressedUnknownSlot ? ConsentVerdict::kUnknown
                                                           : state_.Verdict(slot, topic_);
}

ConsentIndex::ConsentIndex(Store& store, PolicyHolder& policy, const Jurisdictions& jurisdictions)
    : store_(store), policy_(policy), jurisdictions_(jurisdictions) {}

ConsentIndex::~ConsentIndex() { Stop(); }

Result<std::unique_ptr<ConsentIndex::State>> ConsentIndex::Load(
    std::shared_ptr<const Policy> policy) {
  auto state = std::make_unique<State>();
  state->policy = std::move(policy);
  for (const auto& [id, topic] : state->policy->topics) state->topics.push_back(&topic);
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    // Everything below is read on this snapshot, which ends at the change log's last row.
    PD_ASSIGN_OR_RETURN(state->applied_seq, tx.LastConsentChange());

    std::unordered_map<std::string, Micros> suppressed;  // kind + '\0' + blind index
    PD_RETURN_IF_ERROR(tx.ScanSuppressions([&](const SuppressionRecord& s) {
      suppressed.emplace(s.kind + '\0' + s.blind_index, s.created_at);
      return Ok();
    }));

    // Slot 0, then one slot per subject in id order (the order of the events' scan).
    state->subject_ids.Append("");
    state->verdicts.resize(state->topics.size());
    std::vector<ConsentFacts> facts(1);
    facts[0].suppressed_since = 0;  // any suppression: the verdict does not depend on when
    PD_RETURN_IF_ERROR(tx.ScanSubjects([&](const SubjectRecord& s) {
      uint32_t slot = state->NewSlot(s.id);
      facts.emplace_back();
      ConsentFacts& f = facts[slot];
      f.known = true;
      f.erased = s.erased_at.has_value();
      f.restricted = s.restricted_at.has_value();
      f.regime = s.regime;
      return Ok();
    }));

    state->by_email.Reserve(state->subject_ids.size());
    PD_RETURN_IF_ERROR(tx.ScanIdentityIndexes([&](const IdentityRecord& i) {
      uint32_t slot = state->SlotOfId(i.subject_id);
      if (slot == kNoSlot) return Ok();
      if (auto found = suppressed.find(i.kind + '\0' + i.blind_index); found != suppressed.end()) {
        auto& since = facts[slot].suppressed_since;
        since = since ? std::min(*since, found->second) : found->second;
        if (i.kind == kEmail) suppressed.erase(found);
      }
      if (i.kind == kEmail) state->by_email.Put(EmailKey(i.blind_index), slot);
      return Ok();
    }));
    // Suppressed email addresses nobody holds.
    for (const auto& [key, since] : suppressed) {
      if (key.rfind(std::string(kEmail) + '\0', 0) == 0) {
        state->by_email.Put(EmailKey(std::string_view(key).substr(sizeof kEmail)),
                            kSuppressedUnknownSlot);
      }
    }

    // Each subject's events arrive together, in seq order, subjects in id order.
    uint32_t slot = 1;
    PD_RETURN_IF_ERROR(tx.ScanConsentEvents([&](const ConsentEventRecord& e) {
      while (slot < state->subject_ids.size() && state->subject_ids[slot] < e.subject_id) {
        state->SetVerdicts(slot, jurisdictions_, facts[slot]);
        ConsentFacts().events.swap(facts[slot].events);
        ++slot;
      }
      if (slot < state->subject_ids.size() && state->subject_ids[slot] == e.subject_id) {
        facts[slot].events.push_back(e);
      }
      return Ok();
    }));
    for (; slot < state->subject_ids.size(); ++slot) {
      state->SetVerdicts(slot, jurisdictions_, facts[slot]);
    }
    state->SetVerdicts(kSuppressedUnknownSlot, jurisdictions_, facts[0]);
    return Ok();
  }));
  return state;
}

Status ConsentIndex::Build() {
  PD_ASSIGN_OR_RETURN(auto state, Load(policy_.Current()));
  {
    std::unique_lock lock(mutex_);
    state_ = std::move(state);
  }
  // The build's temporaries (every subject's facts, the suppressions) were freed into the
  // building thread's arena, where nothing reuses them now that the tables are mapped apart
  // (core/huge_pages.h): given back to the kernel (16 MB for a million subjects).
  malloc_trim(0);
  ++builds_;
  // What the build read, and whatever was applied since, need not be kept.
  return CatchUp();
}

Status ConsentIndex::Apply(Tx& tx, State& state) {
  for (;;) {
    PD_ASSIGN_OR_RETURN(auto changes, tx.ListConsentChanges(state.applied_seq, kChangesPerRead));
    if (changes.empty()) return Ok();
    std::unordered_set<std::string> subjects;
    std::unordered_set<std::string> emails;
    for (const auto& c : changes) {
      if (!c.subject_id.empty()) {
        subjects.insert(c.subject_id);
      } else if (!c.kind.empty()) {
        // A suppression counts for the subject holding the identity, whatever its kind.
        PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(c.kind, c.blind_index));
        if (owner) subjects.insert(*owner);
      }
      if (c.kind == kEmail) emails.insert(c.blind_index);
    }
    for (const auto& id : subjects) {
      PD_ASSIGN_OR_RETURN(auto subject, tx.GetSubject(id));
      uint32_t slot = state.SlotOfId(id);
      if (!subject) {
        // Deleted: its identities' changes unmap it; it answers "unknown" by id.
        if (slot != kNoSlot) {
          state.by_id.Erase(IdKey(id));
          state.subject_ids.Clear(slot);
        }
        continue;
      }
      if (slot == kNoSlot) slot = state.NewSlot(id);
      PD_ASSIGN_OR_RETURN(ConsentFacts facts, LoadConsentFacts(tx, *subject));
      state.SetVerdicts(slot, jurisdictions_, facts);
    }
    for (const auto& index : emails) {
      PD_ASSIGN_OR_RETURN(auto owner, tx.FindSubjectByIdentity(kEmail, index));
      uint32_t slot = owner ? state.SlotOfId(*owner) : kNoSlot;
      if (slot == kNoSlot) {
        PD_ASSIGN_OR_RETURN(auto suppression, tx.FindSuppression(kEmail, index));
        if (suppression) slot = kSuppressedUnknownSlot;
      }
      if (slot == kNoSlot) {
        state.by_email.Erase(EmailKey(index));
      } else {
        state.by_email.Put(EmailKey(index), slot);
      }
    }
    state.applied_seq = changes.back().seq;
    if (changes.size() < static_cast<size_t>(kChangesPerRead)) return Ok();
  }
}

Status ConsentIndex::CatchUp() {
  return store_.Read([&](Tx& tx) -> Status {
    int64_t applied = 0;
    {
      std::shared_lock lock(mutex_);
      if (!state_) return Ok();
      applied = state_->applied_seq;
    }
    PD_ASSIGN_OR_RETURN(auto next, tx.ListConsentChanges(applied, 1));
    if (next.empty()) return Ok();
    std::unique_lock lock(mutex_);
    if (!state_) return Ok();
    // Another thread may have applied more, from a later snapshot: Apply starts after it.
    return Apply(tx, *state_);
  });
}

Status ConsentIndex::Prune() {
  int64_t applied = 0;
  {
    std::shared_lock lock(mutex_);
    if (!state_) return Ok();
    applied = state_->applied_seq;
  }
  if (applied <= pruned_through_) return Ok();  // no commit for nothing
  PD_RETURN_IF_ERROR(
      store_.Write([&](Tx& tx) { return StatusOf(tx.PruneConsentChanges(applied)); }));
  pruned_through_ = applied;
  return Ok();
}

Result<bool> ConsentIndex::Read(const std::string& topic,
                                const std::function<void(const View&)>& fn) {
  std::shared_ptr<const Policy> policy = policy_.Current();
  {
    std::shared_lock lock(mutex_);
    if (!state_) return false;
    if (state_->policy != policy) {
      lock.unlock();
      RequestRebuild();
      return false;
    }
  }
  PD_RETURN_IF_ERROR(CatchUp());
  std::shared_lock lock(mutex_);
  if (!state_ || state_->policy != policy) return false;
  size_t position = state_->TopicPosition(topic);
  if (position == state_->topics.size()) return false;
  fn(View(*state_, position));
  return true;
}

bool ConsentIndex::Ready() const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  std::shared_lock lock(mutex_);
  return state_ && state_->policy == policy;
}

ConsentIndex::Stats ConsentIndex::GetStats() const {
  Stats stats;
  stats.builds = builds_.load();
  std::shared_lock lock(mutex_);
  if (!state_) return stats;
  stats.ready = state_->policy == policy_.Current();
  stats.subjects = state_->by_id.size();
  stats.email_identities = state_->by_email.size();
  stats.applied_seq = state_->applied_seq;
  stats.bytes = state_->by_email.bytes() + state_->by_id.bytes() + state_->verdicts.capacity() +
                state_->subject_ids.bytes();
  return stats;
}

void ConsentIndex::RequestRebuild() {
  std::lock_guard lock(loop_mutex_);
  rebuild_wanted_ = true;
  wake_.notify_one();
}

void ConsentIndex::Start(std::chrono::milliseconds interval) {
  std::lock_guard lock(loop_mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  rebuild_wanted_ = true;
  thread_ = std::thread([this, interval] { Loop(interval); });
}

void ConsentIndex::Stop() {
  {
    std::lock_guard lock(loop_mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ConsentIndex::Loop(std::chrono::milliseconds interval) {
  for (;;) {
    bool rebuild = false;
    {
      std::unique_lock lock(loop_mutex_);
      wake_.wait_for(lock, interval, [&] { return stopping_ || rebuild_wanted_; });
      if (stopping_) return;
      rebuild = rebuild_wanted_;
      rebuild_wanted_ = false;
    }
    {
      std::shared_lock lock(mutex_);
      rebuild = rebuild || !state_ || state_->policy != policy_.Current();
    }
    // A failed round (the store closing, a busy disk) is tried again at the next interval; the
    // checks meanwhile go to the store.
    Status s = rebuild ? Build() : CatchUp();
    if (s.ok()) (void)Prune();
  }
}

void AppendConsentIndexMetrics(const ConsentIndex::Stats& stats, std::string& out) {
  auto gauge = [&](const char* name, const char* help, const char* type, double value) {
    out += std::string("# HELP privacyd_consent_index_") + name + ' ' + help + '\n';
    out += std::string("# TYPE privacyd_consent_index_") + name + ' ' + type + '\n';
    out += std::string("privacyd_consent_index_") + name + ' ' + PrometheusValue(value) + '\n';
  };
  gauge("ready", "1 when consent checks are answered from memory, 0 while it builds.", "gauge",
        stats.ready ? 1 : 0);
  gauge("subjects", "Subjects in the in-memory consent index.", "gauge",
        static_cast<double>(stats.subjects));
  gauge("email_identities", "Email addresses in the in-memory consent index.", "gauge",
        static_cast<double>(stats.email_identities));
  gauge("bytes", "Memory held by the in-memory consent index, estimated.", "gauge",
        static_cast<double>(stats.bytes));
  gauge("applied_seq", "The last consent change log row the index applied.", "gauge",
        static_cast<double>(stats.applied_seq));
  gauge("builds_total", "Builds of the in-memory consent index (at start, after policy changes).",
        "counter", static_cast<double>(stats.builds));
}

}  // namespace privacyd
