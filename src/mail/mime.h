// The encodings Render (mail/message.h) is built from, exposed for their tests: quoted-printable
// bodies (RFC 2045), RFC 2047 encoded-words for non-ASCII header text, and header folding
// (RFC 5322). None of them checks for CR or LF in header text; Render does that first.
#pragma once

#include <string>
#include <string_view>

namespace privacyd::mail {

// Quoted-printable with CRLF line ends: "\n" and "\r\n" in `text` become hard line breaks
// (CRLF); every other byte outside printable ASCII, '=', and a space or tab that ends a line
// become "=XX"; soft line breaks ("=" CRLF) keep every line at 76 characters or fewer and never
// split an "=XX".
std::string EncodeQuotedPrintable(std::string_view text);

// One header field, folded so that no line is longer than 78 characters, CRLF-terminated:
// "Name: value\r\n". `value` is unstructured text (Subject): ASCII text is folded at its
// whitespace; text with a non-ASCII byte (or an "=?" that a reader could take for an
// encoded-word) becomes RFC 2047 Q encoded-words in UTF-8, one per line, none longer than 75
// characters and none splitting a UTF-8 character.
std::string FoldUnstructured(std::string_view name, std::string_view value);

// One address header field: "Name: display <addr>\r\n" with the display name written as atoms,
// a quoted-string (ASCII with specials) or Q encoded-words (non-ASCII), folded to 78 characters.
// An empty display name gives "Name: addr".
std::string FoldAddress(std::string_view name, std::string_view display_name,
                        std::string_view address);

// A structured ASCII field folded at its whitespace to 78 characters where possible (a single
// longer word stays on its own line).
std::string FoldStructured(std::string_view name, std::string_view value);

}  // namespace privacyd::mail
