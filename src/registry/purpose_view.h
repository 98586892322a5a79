// What a purpose-limited role may see of a subject: the values whose data categories the
// policy's purposes for that role process, each value's category taken from the collection
// point and field it was collected by (its provenance).
#pragma once

#include <memory>

#include "policy/policy.h"
#include "registry/subject_registry.h"

namespace privacyd {

// The view of the `marketing` role: identities and values of the categories that the purposes
// with a `marketing` data use process. Values whose point or field the policy no longer
// declares, and values entered outside a collection point, are withheld.
SubjectRegistry::ViewFilter MarketingViewFilter(std::shared_ptr<const Policy> policy);

}  // namespace privacyd
