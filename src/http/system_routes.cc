#include "http/system_routes.h"

#include <string>

#include "http/openapi.h"

namespace privacyd {

void AddSystemRoutes(Router& router, Metrics& metrics, std::function<Status()> readiness) {
  router.Add(Route{
      .method = "GET",
      .pattern = "/healthz",
      .roles = {},
      .blocking = false,
      .handler = [](const HttpRequest&,
                    const Principal*) { return JsonResponse(200, R"({"status":"ok"})"); },
  });
  router.Add(Route{
      .method = "GET",
      .pattern = "/readyz",
      .roles = {},
      .blocking = true,
      .handler =
          [readiness = std::move(readiness)](const HttpRequest& request, const Principal*) {
            Status status = readiness ? readiness() : Ok();
            if (!status.ok()) {
              return ProblemResponse(503, "not_ready", status.error().message(),
                                     request.request_id);
            }
            return JsonResponse(200, R"({"status":"ready"})");
          },
  });
  router.Add(Route{
      .method = "GET",
      .pattern = "/metrics",
      .roles = {},
      .blocking = false,
      .handler =
          [&metrics](const HttpRequest&, const Principal*) {
            HttpResponse response;
            response.content_type = "text/plain; version=0.0.4; charset=utf-8";
            response.body = metrics.RenderPrometheus();
            return response;
          },
  });
  router.Add(Route{
      .method = "GET",
      .pattern = "/openapi.json",
      .roles = {},
      .blocking = false,
      .handler = [](const HttpRequest&,
                    const Principal*) { return JsonResponse(200, std::string(kOpenApiJson)); },
  });
}

}  // namespace privacyd
