// The pages and assets of the Privacy Center and the staff console, compiled into privacyd at
// build time (tools/web_build.cc writes the table from web/; see docs/privacy-center.md and
// docs/console.md). Nothing is read from disk or fetched
// at run time. Each file is stored gzip-compressed; the table is immutable, so thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace privacyd {

struct WebAsset {
  std::string_view key;           // "en/request", "console/de/audit", "assets/app.<hash>.css"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view gzip;          // the bytes, gzip-compressed
  std::string_view hash;          // 16 hex digits of the uncompressed bytes
  size_t size;                    // uncompressed length
  bool immutable;                 // a hashed asset name: cache for a year
};

// A source name and its hashed URL (the generated table's second part).
struct WebAssetAlias {
  std::string_view name;
  std::string_view url;
};

// The asset stored under `key`, or null.
const WebAsset* FindWebAsset(std::string_view key);

// The URL of an asset by its source name ("app.css" -> "/privacy/assets/app.<hash>.css"), or ""
// when there is none.
std::string_view WebAssetUrl(std::string_view name);

// The uncompressed bytes of an asset ("" when the stored bytes do not inflate, which would be a
// build bug).
std::string InflateWebAsset(const WebAsset& asset);

// `bytes` compressed with gzip (for a page completed per request), or "" on a zlib failure.
std::string GzipBytes(std::string_view bytes);

// Every stored file, in key order, for tests.
size_t WebAssetCount();
const WebAsset& WebAssetAt(size_t index);

}  // namespace privacyd
