// The OpenAPI 3.1 description of the HTTP API, embedded at build time from src/http/openapi.json.
#pragma once

#include <string_view>

namespace privacyd {

extern const std::string_view kOpenApiJson;

}  // namespace privacyd
