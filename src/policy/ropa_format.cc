#include "policy/ropa_format.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

namespace privacyd {
namespace {

using json = nlohmann::ordered_json;

std::string Join(const std::vector<std::string>& parts, const std::string& separator = "; ") {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string EntityText(const Entity& e) {
  std::string name = e.name;
  if (!e.region.empty()) name += " (" + e.region + ")";
  return Join({name, e.address, e.registration}, ", ");
}

std::string DpoText(const Contact& c) {
  return Join({c.email, c.postal_address, c.phone, c.portal_url});
}

// Transfers grouped by recipient and basis, in the policy's order:
// "Our partners → AU, IN: standard contractual clauses".
std::vector<std::string> TransferTexts(const std::vector<RopaTransfer>& transfers) {
  struct Group {
    std::string recipient;
    std::string words;
    std::vector<std::string> countries;
  };
  std::vector<Group> groups;
  for (const auto& t : transfers) {
    auto it = std::find_if(groups.begin(), groups.end(), [&t](const Group& g) {
      return g.recipient == t.recipient_id && g.words == t.safeguard_text;
    });
    if (it == groups.end()) {
      groups.push_back({t.recipient_id, t.safeguard_text, {}});
      it = std::prev(groups.end());
    }
    it->countries.push_back(t.country);
  }
  std::vector<std::string> texts;
  for (const auto& g : groups) {
    std::string name;
    for (const auto& t : transfers) {
      if (t.recipient_id == g.recipient) name = t.recipient_name;
    }
    texts.push_back(name + " → " + Join(g.countries, ", ") + ": " + g.words);
  }
  return texts;
}

json EntityJson(const Entity& e) {
  json j = {{"name", e.name}, {"address", e.address}, {"registration", e.registration}};
  if (!e.region.empty()) j["region"] = e.region;
  return j;
}

json KeyedNames(const std::vector<std::string>& keys, const std::vector<std::string>& names) {
  json out = json::array();
  for (size_t i = 0; i < keys.size() && i < names.size(); ++i) {
    out.push_back({{"key", keys[i]}, {"name", names[i]}});
  }
  return out;
}

std::string RenderJson(const Ropa& ropa) {
  json representatives = json::array();
  for (const auto& r : ropa.representatives) representatives.push_back(EntityJson(r));
  json activities = json::array();
  for (const auto& a : ropa.activities) {
    json bases = json::object();
    for (const auto& [regime, basis] : a.legal_basis) bases[regime] = LegalBasisName(basis);
    json recipients = json::array();
    for (const auto& r : a.recipients) {
      recipients.push_back({{"id", r.id},
                            {"name", r.name},
                            {"role", RecipientRoleName(r.role)},
                            {"role_text", r.role_text}});
    }
    json transfers = json::array();
    for (const auto& t : a.transfers) {
      json safeguards = json::array();
      for (Safeguard s : t.safeguards) safeguards.push_back(SafeguardName(s));
      transfers.push_back({{"recipient", t.recipient_id},
                           {"recipient_name", t.recipient_name},
                           {"country", t.country},
                           {"adequate", t.adequate},
                           {"basis", t.basis},
                           {"safeguards", safeguards},
                           {"text", t.safeguard_text}});
    }
    json points = json::array();
    for (size_t i = 0; i < a.collection_point_ids.size(); ++i) {
      points.push_back({{"id", a.collection_point_ids[i]}, {"name", a.collection_point_names[i]}});
    }
    activities.push_back({{"id", a.id},
                          {"name", a.name},
                          {"description", a.description},
                          {"data_use", a.data_use},
                          {"legal_basis", bases},
                          {"legal_basis_text", a.legal_basis_text},
                          {"data_subjects", KeyedNames(a.subject_keys, a.subject_names)},
                          {"data_categories", KeyedNames(a.category_keys, a.category_names)},
                          {"recipients", recipients},
                          {"transfers", transfers},
                          {"retention",
                           {{"years", a.retention.keep.years},
                            {"months", a.retention.keep.months},
                            {"days", a.retention.keep.days},
                            {"from", RetentionStartName(a.retention.from)},
                            {"text", a.retention_text}}},
                          {"security_measures", a.security_measures},
                          {"collection_points", points}});
  }
  json doc = {{"policy_version", ropa.policy_version},
              {"language", ropa.language},
              {"as_of", FormatRfc3339(ropa.as_of)},
              {"controller", EntityJson(ropa.controller)},
              {"representatives", representatives},
              {"dpo",
               {{"email", ropa.dpo.email},
                {"postal_address", ropa.dpo.postal_address},
                {"phone", ropa.dpo.phone},
                {"portal_url", ropa.dpo.portal_url}}},
              {"activities", activities}};
  return doc.dump(2) + "\n";
}

std::string RenderCsv(const Ropa& ropa) {
  std::string out;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(cells[i]);
    }
    out += "\r\n";
  };
  line(RopaColumns());
  for (const auto& row : RopaTable(ropa)) line(row);
  return out;
}

// Column widths in characters, by column of RopaColumns(): wide enough to read a cell in a
// few wrapped lines.
constexpr double kColumnWidths[] = {22, 32, 40, 60, 45, 60, 40, 28, 50, 40, 60, 40, 60, 30};

Error XlsxError(const std::string& what) {
  return Error(ErrorKind::kInternal, "xlsx_failed",
               "could not write the XLSX workbook (" + what +
                   "); check that the temporary directory is writable");
}

Result<std::string> RenderXlsx(const Ropa& ropa) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) return XlsxError("no temporary directory: " + ec.message());
  // libxlsxwriter 1.1.4 (Debian bookworm) cannot write to memory, so the workbook goes through
  // a private temporary file that is removed again before returning.
  std::string path = (dir / "privacyd-ropa-XXXXXX").string();
  int fd = mkstemp(path.data());
  if (fd < 0) return XlsxError("cannot create a file in " + dir.string());
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() { unlink(path.c_str()); }
  } remove{path};

  lxw_workbook* workbook = workbook_new(path.c_str());
  if (workbook == nullptr) return XlsxError("cannot start a workbook");
  lxw_format* header = workbook_add_format(workbook);
  format_set_bold(header);
  format_set_text_wrap(header);
  format_set_align(header, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* wrap = workbook_add_format(workbook);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);

  lxw_error status = LXW_NO_ERROR;
  auto write = [&status](lxw_worksheet* sheet, size_t row, size_t col, const std::string& text,
                         lxw_format* format) {
    lxw_error e = worksheet_write_string(sheet, static_cast<lxw_row_t>(row),
                                         static_cast<lxw_col_t>(col), text.c_str(), format);
    if (status == LXW_NO_ERROR) status = e;
  };

  lxw_worksheet* table = workbook_add_worksheet(workbook, "ROPA");
  const auto& columns = RopaColumns();
  for (size_t c = 0; c < columns.size(); ++c) {
    worksheet_set_column(table, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                         kColumnWidths[c], wrap);
    write(table, 0, c, columns[c], header);
  }
  auto rows = RopaTable(ropa);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) write(table, r + 1, c, rows[r][c], wrap);
  }
  worksheet_freeze_panes(table, 1, 0);
  worksheet_autofilter(table, 0, 0, static_cast<lxw_row_t>(rows.size()),
                       static_cast<lxw_col_t>(columns.size() - 1));

  lxw_worksheet* details = workbook_add_worksheet(workbook, "Controller");
  worksheet_set_column(details, 0, 0, 30, wrap);
  worksheet_set_column(details, 1, 1, 90, wrap);
  std::vector<std::pair<std::string, std::string>> facts = {
      {"Controller", ropa.controller.name},
      {"Address", ropa.controller.address},
      {"Registration", ropa.controller.registration}};
  for (const auto& r : ropa.representatives) {
    facts.push_back({"Representative" + (r.region.empty() ? "" : " (" + r.region + ")"),
                     EntityText(Entity{r.name, r.address, r.registration, ""})});
  }
  facts.insert(facts.end(), {{"DPO email", ropa.dpo.email},
                             {"DPO postal address", ropa.dpo.postal_address},
                             {"DPO phone", ropa.dpo.phone},
                             {"DPO portal", ropa.dpo.portal_url},
                             {"Policy version", ropa.policy_version},
                             {"Language", ropa.language},
                             {"As of", FormatRfc3339(ropa.as_of)}});
  write(details, 0, 0, "Field", header);
  write(details, 0, 1, "Value", header);
  for (size_t i = 0; i < facts.size(); ++i) {
    write(details, i + 1, 0, facts[i].first, wrap);
    write(details, i + 1, 1, facts[i].second, wrap);
  }
  worksheet_freeze_panes(details, 1, 0);

  lxw_error closed = workbook_close(workbook);  // frees the workbook whatever it returns
  if (status != LXW_NO_ERROR) return XlsxError(lxw_strerror(status));
  if (closed != LXW_NO_ERROR) return XlsxError(lxw_strerror(closed));

  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in || bytes.str().empty()) return XlsxError("cannot read back " + path);
  return bytes.str();
}

}  // namespace

Result<RopaFormat> ParseRopaFormat(std::string_view name) {
  if (name == "json") return RopaFormat::kJson;
  if (name == "csv") return RopaFormat::kCsv;
  if (name == "xlsx") return RopaFormat::kXlsx;
  return Error(ErrorKind::kInvalidArgument, "invalid_format",
               "unknown format '" + std::string(name) + "'; choose json, csv or xlsx");
}

const char* RopaMediaType(RopaFormat format) {
  switch (format) {
    case RopaFormat::kJson:
      return "application/json";
    case RopaFormat::kCsv:
      return "text/csv; charset=utf-8";
    case RopaFormat::kXlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

const char* RopaExtension(RopaFormat format) {
  switch (format) {
    case RopaFormat::kJson:
      return "json";
    case RopaFormat::kCsv:
      return "csv";
    case RopaFormat::kXlsx:
      return "xlsx";
  }
  return "bin";
}

const std::vector<std::string>& RopaColumns() {
  static const std::vector<std::string> kColumns = {"Activity ID",
                                                    "Activity",
                                                    "Controller",
                                                    "Representatives",
                                                    "Data protection officer",
                                                    "Purposes",
                                                    "Legal basis",
                                                    "Categories of data subjects",
                                                    "Categories of personal data",
                                                    "Recipients",
                                                    "Transfers to third countries",
                                                    "Retention",
                                                    "Security measures",
                                                    "Collection points"};
  return kColumns;
}

std::vector<std::vector<std::string>> RopaTable(const Ropa& ropa) {
  std::string controller = EntityText(ropa.controller);
  std::vector<std::string> representatives;
  for (const auto& r : ropa.representatives) representatives.push_back(EntityText(r));
  std::string dpo = DpoText(ropa.dpo);
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : ropa.activities) {
    std::vector<std::string> recipients;
    for (const auto& r : a.recipients) recipients.push_back(r.name + " (" + r.role_text + ")");
    rows.push_back({a.id, a.name, controller, Join(representatives), dpo, a.description,
                    a.legal_basis_text, Join(a.subject_names), Join(a.category_names),
                    Join(recipients), Join(TransferTexts(a.transfers)), a.retention_text,
                    a.security_measures, Join(a.collection_point_names)});
  }
  return rows;
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<std::string> RenderRopa(const Ropa& ropa, RopaFormat format) {
  switch (format) {
    case RopaFormat::kJson:
      return RenderJson(ropa);
    case RopaFormat::kCsv:
      return RenderCsv(ropa);
    case RopaFormat::kXlsx:
      return RenderXlsx(ropa);
  }
  return RenderJson(ropa);
}

}  // namespace privacyd
