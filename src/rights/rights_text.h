// Shared by the fulfilment of data subject rights (erasure, access): which data category a stored
// value belongs to, and durations and dates written out in the person's language.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "policy/policy.h"
#include "statement/statement_vocabulary.h"

namespace privacyd {

// The fideslang category of an identity kind ("email" -> "user.contact.email").
std::string IdentityCategory(std::string_view kind);

// The category of an attribute: that of its field at the collection point its provenance (JSON)
// names; "" when the provenance names no point or the point has no such field (values entered
// by staff outside a collection point).
std::string AttributeCategory(const Policy& policy, const std::string& name,
                              const std::string& provenance);

// Whether `category` is `ancestor` or lies below it ("user.contact" covers
// "user.contact.email").
bool CategoryCovers(std::string_view ancestor, std::string_view category);

// "2 years and 6 months", "2 Jahre und 6 Monate", "2 ans et 6 mois".
std::string DurationText(const Duration& duration, Lang lang);
// "1 January 2028", "1. Januar 2028", "1 janvier 2028" (UTC).
std::string DateText(Micros at, Lang lang);
// `at` moved by `duration` on the UTC calendar (month ends clamped).
Micros AddDuration(Micros at, const Duration& duration);

}  // namespace privacyd
