# Turns a file into a C++ translation unit defining `extern const std::string_view SYMBOL`.
# Bytes are emitted as unsigned char so that UTF-8 text (bytes above 0x7f) embeds as it is.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "#include <string_view>\nnamespace privacyd {\nnamespace {\nconstexpr unsigned char kData[] = {${bytes} 0};\n}  // namespace\nextern const std::string_view ${SYMBOL}(reinterpret_cast<const char*>(kData), sizeof(kData) - 1);\n}  // namespace privacyd\n")
