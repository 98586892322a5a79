// Escaping text for HTML and XML: the five characters with a meaning in markup become entity
// references, so the text shows as it is and never becomes markup.
#pragma once

#include <string>
#include <string_view>

namespace privacyd {

std::string EscapeMarkup(std::string_view text);

}  // namespace privacyd
