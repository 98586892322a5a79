// Pieces of the Prometheus text exposition format (0.0.4) shared by every module that renders
// metrics, so that none of them needs the HTTP layer.
#pragma once

#include <string>
#include <string_view>

namespace privacyd {

// A label value with backslash, double quote and newline escaped.
std::string PrometheusLabel(std::string_view value);

// A sample value: shortest round-trip form, or "+Inf", "-Inf", "NaN".
std::string PrometheusValue(double value);

}  // namespace privacyd
