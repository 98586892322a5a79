#include "consent/check_audit.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace privacyd {

CheckAudit::~CheckAudit() { Stop(); }

void CheckAudit::Add(const CheckAuditEntry& entry) {
  const Micros now = clock_.Now();
  std::lock_guard lock(mutex_);
  Group& g = pending_[Key{entry.actor, entry.role, entry.topic, entry.purpose}];
  if (g.checks == 0) {
    g.first_request_id = entry.request_id;
    g.from = now;
  }
  ++g.checks;
  g.checked += entry.checked;
  for (const auto& [verdict, n] : entry.verdicts) g.verdicts[verdict] += n;
  ++g.answered_by[entry.answered_by];
  g.last_request_id = entry.request_id;
  g.to = now;
}

Status CheckAudit::Flush() {
  std::lock_guard flushing(flush_mutex_);
  std::map<Key, Group> groups;
  {
    std::lock_guard lock(mutex_);
    groups.swap(pending_);
  }
  if (groups.empty()) return Ok();
  Status s = store_.Write([&](Tx& tx) -> Status {
    for (const auto& [key, g] : groups) {
      const auto& [actor, role, topic, purpose] = key;
      nlohmann::json detail = {{"topic", topic},
                               {"checks", g.checks},
                               {"checked", g.checked},
                               {"verdicts", g.verdicts},
                               {"answered_by", g.answered_by},
                               {"first_request_id", g.first_request_id},
                               {"last_request_id", g.last_request_id},
                               {"from", FormatRfc3339(g.from)},
                               {"to", FormatRfc3339(g.to)}};
      PD_RETURN_IF_ERROR(
          StatusOf(audit_.Append(tx, AuditEvent{actor, role, "consent.check", "topic:" + topic,
                                                purpose, g.last_request_id, detail.dump()})));
    }
    return Ok();
  });
  if (!s.ok()) {
    // Keep the counts: merged into what came in meanwhile, written at the next flush.
    std::lock_guard lock(mutex_);
    for (auto& [key, g] : groups) {
      Group& into = pending_[key];
      if (into.checks == 0) {
        into = std::move(g);
        continue;
      }
      into.checks += g.checks;
      into.checked += g.checked;
      for (const auto& [v, n] : g.verdicts) into.verdicts[v] += n;
      for (const auto& [v, n] : g.answered_by) into.answered_by[v] += n;
      into.first_request_id = g.first_request_id;
      into.from = g.from;
    }
  }
  return s;
}

void CheckAudit::Start(std::chrono::milliseconds interval) {
  std::lock_guard lock(loop_mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, interval] {
    for (;;) {
      {
        std::unique_lock lock(loop_mutex_);
        if (wake_.wait_for(lock, interval, [&] { return stopping_; })) return;
      }
      (void)Flush();  // a failed flush keeps its counts for the next
    }
  });
}

void CheckAudit::Stop() {
  {
    std::lock_guard lock(loop_mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  (void)Flush();
}

}  // namespace privacyd
