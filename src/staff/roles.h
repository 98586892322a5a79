// Staff roles and what each may do. Each HTTP route declares the roles it needs; services check
// the same sets again, so no shell can skip the check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace privacyd {

inline const std::vector<std::string>& AllRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent",
                                                  "marketing", "auditor"};
  return kRoles;
}

inline bool IsRole(std::string_view role) {
  for (const auto& r : AllRoles()) {
    if (r == role) return true;
  }
  return false;
}

// Who may read and write subjects' personal data through the staff API.
inline const std::vector<std::string>& SubjectDataRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "support_agent"};
  return kRoles;
}

// Who may read the audit trail.
inline const std::vector<std::string>& AuditReaderRoles() {
  static const std::vector<std::string> kRoles = {"auditor", "admin"};
  return kRoles;
}

// Who may read the record of processing activities.
inline const std::vector<std::string>& RopaReaderRoles() {
  static const std::vector<std::string> kRoles = {"admin", "privacy_officer", "auditor"};
  return kRoles;
}

inline bool RoleIn(std::string_view role, const std::vector<std::string>& roles) {
  for (const auto& r : roles) {
    if (r == role) return true;
  }
  return false;
}

}  // namespace privacyd
