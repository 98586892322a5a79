#include "http/outbox_routes.h"

#include <nlohmann/json.hpp>

#include "mail/outbox.h"
#include "policy/policy_versions.h"
#include "registry/subject_registry.h"
#include "staff/roles.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

Error BadQuery(const std::string& detail) {
  return Error(ErrorKind::kInvalidArgument, "invalid_query", detail);
}

json EntryJson(const JobRecord& job) {
  json entry = {{"job_id", job.id},
                {"kind", job.kind},
                {"state", JobStateName(job.state)},
                {"attempts", job.attempts},
                {"max_attempts", job.max_attempts},
                {"created_at", FormatRfc3339(job.created_at)},
                {"updated_at", FormatRfc3339(job.updated_at)},
                {"run_at", FormatRfc3339(job.run_at)}};
  if (!job.last_error.empty()) entry["last_error"] = job.last_error;
  if (job.kind == kMailJob) {
    // What the mail is, never what it says: the variables stay sealed.
    if (auto mail = Outbox::Parse(job.payload); mail.ok()) {
      entry["message_id"] = mail->message_id;
      entry["template"] = mail->template_name;
      entry["language"] = mail->language;
      entry["subject_id"] = mail->subject_id;
      if (!mail->topic.empty()) entry["topic"] = mail->topic;
    }
  } else if (job.kind == kChangeNoticeJob) {
    json payload = json::parse(job.payload, nullptr, false);
    if (payload.is_object() && payload.value("version", json()).is_string()) {
      entry["version"] = payload["version"];
    }
  }
  return entry;
}

}  // namespace

void AddOutboxRoutes(Router& router, Store& store) {
  Route route;
  route.method = "GET";
  route.pattern = "/v1/admin/outbox";
  route.roles = OutboxRoles();
  route.handler = [&store](const HttpRequest& request, const Principal*) -> HttpResponse {
    std::optional<JobState> state;
    if (auto given = request.Query("state")) {
      for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kDead}) {
        if (*given == JobStateName(s)) state = s;
      }
      if (!state) {
        return ProblemResponse(BadQuery("state is one of queued, running, done, dead"),
                               request.request_id);
      }
    }
    auto number = [&](const char* name, int64_t min, int64_t max,
                      int64_t fallback) -> std::optional<int64_t> {
      auto given = request.Query(name);
      if (!given) return fallback;
      char* end = nullptr;
      long long n = std::strtoll(given->c_str(), &end, 10);
      if (given->empty() || *end != '\0' || n < min || n > max) return std::nullopt;
      return n;
    };
    auto after = number("after", 0, INT64_MAX, 0);
    auto limit = number("limit", 1, kMaxLimit, kDefaultLimit);
    if (!after || !limit) {
      return ProblemResponse(BadQuery("after is the job_id of the last entry seen; limit is a "
                                      "number from 1 to 1000"),
                             request.request_id);
    }
    auto jobs = ReadValue<std::vector<JobRecord>>(store, [&](Tx& tx) {
      return tx.ListJobsOfKinds({kMailJob, kReferralEmailJob, kChangeNoticeJob}, state, *after,
                                static_cast<int>(*limit));
    });
    if (!jobs.ok()) return ProblemResponse(jobs.error(), request.request_id);
    json out = {{"mail", json::array()}};
    for (const auto& job : *jobs) out["mail"].push_back(EntryJson(job));
    if (static_cast<int64_t>(jobs->size()) == *limit) out["next"] = jobs->back().id;
    return JsonResponse(200, out.dump());
  };
  router.Add(std::move(route));
}

}  // namespace privacyd
