#include "registry/purpose_view.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace privacyd {
namespace {

const char* IdentityCategory(const std::string& kind) {
  if (kind == "email") return "user.contact.email";
  if (kind == "phone") return "user.contact.phone_number";
  return "user.unique_id";
}

}  // namespace

SubjectRegistry::ViewFilter MarketingViewFilter(std::shared_ptr<const Policy> policy) {
  auto allowed = std::make_shared<std::set<std::string>>();
  for (const auto& [_, purpose] : policy->purposes) {
    if (purpose.data_use.starts_with("marketing")) {
      allowed->insert(purpose.categories.begin(), purpose.categories.end());
    }
  }
  SubjectRegistry::ViewFilter filter;
  filter.identity = [allowed](const IdentityValue& identity) {
    return allowed->count(IdentityCategory(identity.kind)) > 0;
  };
  filter.attribute = [allowed, policy](const AttributeValue& value) {
    auto provenance = nlohmann::json::parse(value.provenance, nullptr, false);
    if (!provenance.is_object() || !provenance.contains("point")) return false;
    auto point = policy->collection_points.find(provenance.value("point", ""));
    if (point == policy->collection_points.end()) return false;
    for (const auto& field : point->second.fields) {
      if (field.name == value.name) return allowed->count(field.category) > 0;
    }
    return false;
  };
  return filter;
}

}  // namespace privacyd
