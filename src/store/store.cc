#include "store/store.h"

namespace privacyd {

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kDead:
      return "dead";
  }
  return "queued";
}

const char* IdempotencyStateName(IdempotencyState state) {
  switch (state) {
    case IdempotencyState::kInProgress:
      return "in_progress";
    case IdempotencyState::kCompleted:
      return "completed";
  }
  return "in_progress";
}

bool IsOpenRequestState(const std::string& state) {
  return state == "received" || state == "awaiting_verification" || state == "verified" ||
         state == "in_progress" || state == "awaiting_approval";
}

}  // namespace privacyd
