// The staff console's pages under /console (docs/console.md): static pages per language,
// compiled into privacyd (web/web_assets.h, built from web/console/), at /console/{lang}/...,
// and the shared assets at /console/assets/{name}. The pages hold nothing personal: their one
// script reads everything from the JSON API with the staff session's cookie (the sign-in routes
// under /console/session), so the pages are the same for everyone and served from memory.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"

namespace privacyd {

// The pages after /console/{lang}/, "" being the queue.
const std::vector<std::string>& ConsolePagePaths();

void AddConsoleRoutes(Router& router);

}  // namespace privacyd
