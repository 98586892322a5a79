#include "web/web_assets.h"

#include <zlib.h>

#include <algorithm>

#include "web/web_build.h"

namespace privacyd {

// Defined by the generated web_assets_data.cc, sorted by key.
extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;
extern const WebAssetAlias kWebAssetAliases[];
extern const size_t kWebAssetAliasCount;

const WebAsset* FindWebAsset(std::string_view key) {
  const WebAsset* end = kWebAssets + kWebAssetCount;
  const WebAsset* found = std::lower_bound(
      kWebAssets, end, key, [](const WebAsset& a, std::string_view k) { return a.key < k; });
  return found != end && found->key == key ? found : nullptr;
}

std::string_view WebAssetUrl(std::string_view name) {
  for (size_t i = 0; i < kWebAssetAliasCount; ++i) {
    if (kWebAssetAliases[i].name == name) return kWebAssetAliases[i].url;
  }
  return {};
}

std::string InflateWebAsset(const WebAsset& asset) {
  std::string out(asset.size, '\0');
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return "";
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(asset.gzip.data()));
  stream.avail_in = static_cast<uInt>(asset.gzip.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&stream, Z_FINISH);
  inflateEnd(&stream);
  if (rc != Z_STREAM_END || stream.total_out != asset.size) return "";
  return out;
}

std::string GzipBytes(std::string_view bytes) {
  // Level 6: compressed per request, unlike the stored files (level 9 at build time).
  return Gzip(bytes, 6);
}

size_t WebAssetCount() { return kWebAssetCount; }
const WebAsset& WebAssetAt(size_t index) { return kWebAssets[index]; }

}  // namespace privacyd
