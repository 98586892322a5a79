#include "rights/rectification.h"

#include <nlohmann/json.hpp>

namespace privacyd {

Result<Rectified> Rectification::Correct(const AccessContext& ctx, Rectifier by,
                                         const std::string& subject_id, int64_t attribute_id,
                                         const std::string& value) const {
  std::shared_ptr<const Policy> policy = policy_.Current();
  auto check = [&](const std::string& name, const std::string& provenance) -> Status {
    auto p = nlohmann::json::parse(provenance, nullptr, /*allow_exceptions=*/false);
    const Field* field = nullptr;
    if (p.is_object()) {
      auto point = policy->collection_points.find(p.value("point", ""));
      if (point != policy->collection_points.end()) {
        for (const auto& f : point->second.fields) {
          if (f.name == name) field = &f;
        }
      }
    }
    if (field != nullptr && !field->identity.empty()) {
      return Error(ErrorKind::kFailedPrecondition, "identity_not_rectifiable",
                   "'" + name + "' is also the person's " + field->identity +
                       " identity, which cannot be corrected here; erase the old one and "
                       "collect the new one instead");
    }
    // Free text, and values of no declared field (entered by staff), which may hold anything.
    if (field != nullptr && !field->free_text) return Ok();
    if (guard_ == nullptr) {
      return Error(ErrorKind::kUnavailable, "scanner_unavailable",
                   "this server was started without the sensitive-data guard, which free text "
                   "must pass; restart it");
    }
    auto findings = guard_->Scan(value, guard::TypeSet::Sensitive());
    if (!findings.empty()) {
      return Error(ErrorKind::kInvalidArgument, "sensitive_data",
                   "the corrected '" + name + "' seems to contain " +
                       std::string(guard::FindingTypeName(findings[0].type)) +
                       ", which we ask people not to send; remove it and try again");
    }
    return Ok();
  };
  return registry_.Rectify(ctx, by, subject_id, attribute_id, value, check);
}

}  // namespace privacyd
