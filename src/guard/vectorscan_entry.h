// Which of Vectorscan's scanning entry points the guard calls.
//
// On x86-64, Vectorscan is built as a "fat runtime": one copy of its scanning code per CPU
// generation (core2, corei7, avx2, avx512), and hs_scan() calls the newest copy this CPU runs.
// The AVX-512 copy of Vectorscan 5.4.9, the version Debian 12 ships, misses matches: a pattern
// of short literals ("xy|xz", "2[AB]", a caseless "ssn") is not reported when the match lies in
// the bytes after the buffer's last whole 64-byte block, so a term at the end of a text or of a
// scanned window goes unseen (fixed upstream in its SIMD accelerators, 2026). So the guard
// checks, once, that the entry point it calls finds every match of a few such patterns at every
// offset of a few buffers, and when hs_scan() does not, calls the newest copy that does; the
// fat runtime exports them (avx2_hs_scan, ...). A Vectorscan without the defect keeps hs_scan().
#pragma once

#include <hs/hs.h>

#include <string_view>

namespace privacyd::guard::internal {

using ScanFunction = hs_error_t (*)(const hs_database_t*, const char*, unsigned int, unsigned int,
                                    hs_scratch_t*, match_event_handler, void*);

struct VectorscanEntry {
  ScanFunction scan;
  std::string_view name;  // "hs_scan", "avx2_hs_scan", ...
};

// The entry point that passes the check: hs_scan() when it does, else the newest per-CPU copy
// this CPU runs that does, else hs_scan() (no better one). Worked out at the first call;
// thread-safe.
const VectorscanEntry& CheckedVectorscan();

// Whether `scan` finds every match of the check's patterns, each placed at every offset of
// buffers of 70 and 200 bytes at three alignments.
bool FindsEveryCheckMatch(ScanFunction scan);

}  // namespace privacyd::guard::internal
