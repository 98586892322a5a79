// The record of processing activities (ropa.h) as a file: JSON for programs, CSV and XLSX for
// people and spreadsheets. CSV and XLSX hold the same table: one header row, then one row per
// activity with the columns of RopaColumns(); cells with several values join them with "; ".
// The XLSX workbook has that table on its first sheet, "ROPA", and the controller's and DPO's
// details on a second, "Controller".
//
// Every function here is a pure function of its arguments (the XLSX writer uses a private
// temporary file) and safe to call from many threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "policy/ropa.h"

namespace privacyd {

enum class RopaFormat { kJson, kCsv, kXlsx };

// "json", "csv", "xlsx" (exactly). Errors: kInvalidArgument "invalid_format" naming the three.
Result<RopaFormat> ParseRopaFormat(std::string_view name);
// "application/json", "text/csv; charset=utf-8",
// "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".
const char* RopaMediaType(RopaFormat format);
// "json", "csv", "xlsx".
const char* RopaExtension(RopaFormat format);

// The table's header row, in English so that scripts reading the CSV can rely on it.
const std::vector<std::string>& RopaColumns();
// One row per activity, each with RopaColumns().size() cells.
std::vector<std::vector<std::string>> RopaTable(const Ropa& ropa);

// One CSV field as RFC 4180 writes it: quoted when it holds a comma, a double quote, CR or LF,
// with double quotes doubled.
std::string CsvField(std::string_view value);

// The record in `format`: JSON text, CSV text (UTF-8, CRLF line ends, a header row), or the
// bytes of an XLSX workbook. Errors: kInternal "xlsx_failed" when the temporary file for the
// workbook cannot be created, written or read back.
Result<std::string> RenderRopa(const Ropa& ropa, RopaFormat format);

}  // namespace privacyd
