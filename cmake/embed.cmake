# Turns a file into a C++ translation unit defining `extern const std::string_view SYMBOL`.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "#include <string_view>\nnamespace privacyd {\nstatic const char data[] = {${bytes} 0};\nextern const std::string_view ${SYMBOL}(data, sizeof(data) - 1);\n}\n")
