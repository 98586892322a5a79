// Renders the store's counters and commit-latency histogram in the Prometheus text format.
#pragma once

#include <string>

#include "store/store.h"

namespace privacyd {

void AppendStoreMetrics(const StoreStats& stats, std::string& out);

}  // namespace privacyd
