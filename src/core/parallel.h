// Splitting one big piece of work (a consent check of 100,000 identities) over the cores.
//
// The parts run on the calling thread and on helper threads started for the call. Helpers are
// limited process-wide to one fewer than the cores, so that requests in flight together do not
// multiply threads beyond what the machine can run: a part that finds no helper free runs on
// the calling thread after its own part.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

namespace privacyd {

// How many parts `n` items are worth: one per core, each of at least `min_part` items; at least
// one.
size_t PartsFor(size_t n, size_t min_part);

// The items [first, second) of part `part` when `n` items are split into `parts` contiguous
// parts of nearly equal size, in order.
std::pair<size_t, size_t> PartRange(size_t n, size_t parts, size_t part);

// Calls fn(part) once for each part in [0, parts) and returns when all have returned: part 0 on
// the calling thread, the others on helpers while any is free (see above), else on the calling
// thread. fn must be safe to call concurrently for different parts. An exception thrown by fn
// is rethrown here once every part has finished (the first one, if several threw).
void RunParts(size_t parts, const std::function<void(size_t part)>& fn);

}  // namespace privacyd
