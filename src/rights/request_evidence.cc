#include "rights/request_evidence.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/markup.h"
#include "policy/period.h"

namespace privacyd {
namespace {

using nlohmann::json;

constexpr int kAuditPage = 500;

EvidenceActor ActorOf(const std::string& actor) {
  if (actor == "subject" || actor.rfind("subject:", 0) == 0) return {"person", ""};
  if (actor == "system" || actor.empty()) return {"system", ""};
  return {"staff", actor};
}

std::string DeadlineStatus(const RequestView& v, Micros now) {
  if (v.closed_at) return *v.closed_at <= v.due_at ? "met" : "missed";
  return now > v.due_at ? "overdue" : "open";
}

// Why a value was kept, from its exemption: the policy's retention reason for a purpose (in
// English), the reference of a legal hold.
std::string KeptReason(const Policy& policy, const std::string& exemption) {
  const std::string statutory = "statutory_retention:";
  const std::string hold = "legal_hold:";
  if (exemption.rfind(statutory, 0) == 0) {
    auto it = policy.purposes.find(exemption.substr(statutory.size()));
    if (it == policy.purposes.end()) return "statutory retention";
    const std::string name = TextIn(it->second.name, "en", policy);
    auto reason = it->second.retention.reason.find("en");
    std::string out = "statutory retention for \"" + name + "\"";
    if (reason != it->second.retention.reason.end() && !reason->second.empty()) {
      out += ": " + reason->second;
    }
    return out;
  }
  if (exemption.rfind(hold, 0) == 0) return "legal hold " + exemption.substr(hold.size());
  return exemption;
}

EvidenceFinding FindingOf(const AuditRecord& entry, const Policy& policy) {
  EvidenceFinding f;
  f.at = entry.time;
  f.actor = ActorOf(entry.actor);
  json detail = json::parse(entry.detail, nullptr, false);
  if (!detail.is_object()) return f;
  for (const auto& [key, value] : detail.items()) {
    if (key == "right" && value.is_string()) {
      f.right = value.get<std::string>();
    } else if (key == "skipped" && value.is_string()) {
      f.skipped = value.get<std::string>();
    } else if (key == "categories" && value.is_object()) {
      for (const auto& [category, n] : value.items()) {
        if (n.is_number_integer()) f.categories[category] = n.get<int64_t>();
      }
    } else if (key == "kept_values" && value.is_array()) {
      for (const auto& k : value) {
        if (!k.is_object()) continue;
        EvidenceKept kept;
        kept.field = k.value("field", "");
        kept.identity = k.value("identity", false);
        kept.category = k.value("category", "");
        kept.exemption = k.value("exemption", "");
        if (k.contains("until") && k["until"].is_string()) {
          auto until = ParseRfc3339(k["until"].get<std::string>());
          if (until.ok()) kept.until = *until;
        }
        kept.reason = KeptReason(policy, kept.exemption);
        f.kept.push_back(std::move(kept));
      }
    } else if (value.is_boolean()) {
      f.flags[key] = value.get<bool>();
    } else if (value.is_number_integer()) {
      f.counts[key] = value.get<int64_t>();
    }
  }
  return f;
}

}  // namespace

std::string EvidenceActor::Label() const {
  if (kind == "person") return "the person";
  if (kind == "system") return "system";
  return name;
}

Result<RequestEvidence> RequestEvidenceBuilder::Build(const Principal& staff, const std::string& id,
                                                      const std::string& format,
                                                      const std::string& http_request_id) const {
  RequestEvidence out;
  std::vector<RequestEventView> timeline;
  // Checks the role and opens the reasons of the timeline.
  PD_ASSIGN_OR_RETURN(out.request, requests_.Get(staff, id, &timeline, http_request_id));
  std::shared_ptr<const Policy> policy = policy_.Current();
  for (const auto& e : timeline) {
    out.steps.push_back(
        {e.seq, e.at, ActorOf(e.actor), e.action, e.from_state, e.to_state, e.reason});
  }
  std::vector<AuditRecord> entries;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    AuditQuery q;
    q.object = "request:" + id;
    q.limit = kAuditPage;
    for (;;) {
      PD_ASSIGN_OR_RETURN(auto page, tx.ListAudit(q));
      entries.insert(entries.end(), page.begin(), page.end());
      if (page.size() < static_cast<size_t>(q.limit)) return Ok();
      q.after_seq = page.back().seq;
    }
  }));
  std::optional<json> used;  // the identities as the (last) fulfilment used them
  for (const auto& entry : entries) {
    if (entry.action == "request.identities") {
      json detail = json::parse(entry.detail, nullptr, false);
      if (detail.is_object()) used = std::move(detail);
    } else if (entry.action == "request.fulfil") {
      out.findings.push_back(FindingOf(entry, *policy));
    } else if (entry.action == "mail.sent") {
      json detail = json::parse(entry.detail, nullptr, false);
      if (!detail.is_object()) continue;
      const std::string to = detail.value("to", "");
      out.mail.push_back({entry.time, detail.value("template", ""),
                          to == "requester" ? "the person" : to,
                          detail.value("message_id", "") + "@" + mail_domain_});
    } else if (entry.action == "request.download") {
      out.downloads.push_back(entry.time);
    } else if (entry.action == "request.package_purged") {
      out.package_purged_at = entry.time;
    }
  }
  if (used) {
    out.subjects = used->value("subjects", int64_t{0});
    for (const auto& i : used->value("identities", json::array())) {
      if (!i.is_object()) continue;
      EvidenceIdentity identity;
      identity.kind = i.value("kind", "");
      identity.basis = i.value("basis", "");
      if (i.contains("attested_by") && i["attested_by"].is_string()) {
        identity.attested_by = ActorOf(i["attested_by"].get<std::string>());
      }
      if (i.contains("attested_at") && i["attested_at"].is_string()) {
        auto at = ParseRfc3339(i["attested_at"].get<std::string>());
        if (at.ok()) identity.attested_at = *at;
      }
      if (i.contains("used") && i["used"].is_boolean()) identity.used = i["used"].get<bool>();
      if (i.contains("found") && i["found"].is_boolean()) identity.found = i["found"].get<bool>();
      out.identities.push_back(std::move(identity));
    }
  } else {
    out.identities.push_back(
        {"email", out.request.verified_at ? "verified" : "unverified", {}, {}, {}, {}});
    for (const auto& i : out.request.identities) {
      EvidenceIdentity identity{i.kind, i.attested ? "attested" : "unattested", {}, {}, {}, {}};
      if (i.attested) {
        identity.attested_by = ActorOf(i.attested_by);
        identity.attested_at = i.attested_at;
      }
      out.identities.push_back(std::move(identity));
    }
  }
  // The values Get opened for staff are no part of the evidence.
  for (auto& i : out.request.identities) i.value.clear();
  // Mail still to go out, or that never did: its job, not yet done.
  std::vector<JobRecord> jobs;
  PD_RETURN_IF_ERROR(store_.Read([&](Tx& tx) -> Status {
    PD_ASSIGN_OR_RETURN(jobs, tx.ListJobsWithKeyPrefix(RequestMailKeyPrefix(id), kAuditPage));
    return Ok();
  }));
  for (const JobRecord& job : jobs) {
    if (job.state == JobState::kDone) continue;
    json payload = json::parse(job.payload, nullptr, false);
    if (!payload.is_object()) continue;
    const std::string to = payload.value("to", "");
    EvidenceMail mail;
    mail.template_name = payload.value("template", "");
    mail.recipient = to == "requester" ? "the person" : to.substr(0, to.find(':'));
    mail.message_id = payload.value("message_id", "") + "@" + mail_domain_;
    mail.state = job.state == JobState::kDead      ? "failed"
                 : job.state == JobState::kRunning ? "sending"
                                                   : "queued";
    mail.queued_at = job.created_at;
    mail.attempts = job.attempts;
    mail.error = job.last_error.substr(0, job.last_error.find(':'));
    out.mail.push_back(std::move(mail));
  }
  const Micros now = clock_.Now();
  out.deadline = {out.request.received_at, out.request.original_due_at, out.request.due_at,
                  out.request.extended,    out.request.closed_at,       ""};
  out.deadline.status = DeadlineStatus(out.request, now);
  out.generated_at = now;
  out.generated_by = staff.user_name;
  PD_RETURN_IF_ERROR(store_.Write([&](Tx& tx) {
    return StatusOf(
        audit_.Append(tx, {staff.user_name, staff.role, "request.evidence", "request:" + id,
                           "rights", http_request_id, json{{"format", format}}.dump()}));
  }));
  return out;
}

namespace {

json ActorJson(const EvidenceActor& a) {
  json out = {{"kind", a.kind}, {"label", a.Label()}};
  if (a.kind == "staff") out["name"] = a.name;
  return out;
}

json OptionalTime(const std::optional<Micros>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

}  // namespace

std::string EvidenceJson(const RequestEvidence& e) {
  const RequestView& r = e.request;
  json steps = json::array();
  for (const auto& s : e.steps) {
    json step = {{"seq", s.seq},       {"at", FormatRfc3339(s.at)}, {"actor", ActorJson(s.actor)},
                 {"action", s.action}, {"from", s.from_state},      {"to", s.to_state}};
    if (!s.reason.empty()) step["reason"] = s.reason;
    steps.push_back(std::move(step));
  }
  json findings = json::array();
  for (const auto& f : e.findings) {
    json kept = json::array();
    for (const auto& k : f.kept) {
      kept.push_back({{"field", k.field},
                      {"identity", k.identity},
                      {"category", k.category},
                      {"exemption", k.exemption},
                      {"until", OptionalTime(k.until)},
                      {"reason", k.reason}});
    }
    json finding = {
        {"right", f.right},   {"at", FormatRfc3339(f.at)},  {"actor", ActorJson(f.actor)},
        {"counts", f.counts}, {"categories", f.categories}, {"flags", f.flags},
        {"kept", kept}};
    if (!f.skipped.empty()) finding["skipped"] = f.skipped;
    findings.push_back(std::move(finding));
  }
  json mail = json::array();
  for (const auto& m : e.mail) {
    json item = {{"state", m.state},
                 {"sent_at", m.sent_at != 0 ? json(FormatRfc3339(m.sent_at)) : json(nullptr)},
                 {"template", m.template_name},
                 {"recipient", m.recipient},
                 {"message_id", m.message_id}};
    if (m.state != "sent") {
      item["queued_at"] = FormatRfc3339(m.queued_at);
      item["attempts"] = m.attempts;
      if (!m.error.empty()) item["error"] = m.error;
    }
    mail.push_back(std::move(item));
  }
  json downloads = json::array();
  for (Micros t : e.downloads) downloads.push_back(FormatRfc3339(t));
  json identities = json::array();
  for (const auto& i : e.identities) {
    identities.push_back(
        {{"kind", i.kind},
         {"basis", i.basis},
         {"attested_by", i.attested_by ? ActorJson(*i.attested_by) : json(nullptr)},
         {"attested_at", OptionalTime(i.attested_at)},
         {"used", i.used ? json(*i.used) : json(nullptr)},
         {"found", i.found ? json(*i.found) : json(nullptr)}});
  }
  json out = {
      {"request",
       {{"id", r.id},
        {"rights", r.rights},
        {"state", r.state},
        {"outcome", r.outcome.empty() ? json(nullptr) : json(r.outcome)},
        {"channel", r.channel},
        {"regime", r.regime},
        {"language", r.language},
        {"route", r.route.empty() ? json(nullptr) : json(r.route)},
        {"agent", r.agent},
        {"identity", e.identity}}},
      {"identities", identities},
      {"subjects_found", e.subjects >= 0 ? json(e.subjects) : json(nullptr)},
      {"deadline",
       {{"received_at", FormatRfc3339(e.deadline.received_at)},
        {"original_due_at", FormatRfc3339(e.deadline.original_due_at)},
        {"extended", e.deadline.extended},
        {"extended_due_at",
         e.deadline.extended ? json(FormatRfc3339(e.deadline.due_at)) : json(nullptr)},
        {"due_at", FormatRfc3339(e.deadline.due_at)},
        {"closed_at", OptionalTime(e.deadline.closed_at)},
        {"status", e.deadline.status},
        {"met", e.deadline.status == "met"    ? json(true)
                : e.deadline.status == "open" ? json(nullptr)
                                              : json(false)}}},
      {"steps", steps},
      {"findings", findings},
      {"mail", mail},
      {"package", {{"downloads", downloads}, {"purged_at", OptionalTime(e.package_purged_at)}}},
      {"generated_at", FormatRfc3339(e.generated_at)},
      {"generated_by", e.generated_by}};
  return out.dump();
}

namespace {

std::string H(const std::string& text) { return EscapeMarkup(text); }

std::string Cell(const std::string& text) { return "<td>" + H(text) + "</td>"; }

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

constexpr char kStyle[] = R"css(
body{font:11pt/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
.met{color:#075e07;font-weight:600}.missed,.overdue{color:#a00;font-weight:600}.small{font-size:.9em;color:#444}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}tr,li{break-inside:avoid}th{background:none}a{color:inherit;text-decoration:none}}
@page{margin:1.5cm}
)css";

}  // namespace

std::string EvidenceHtml(const RequestEvidence& e) {
  const RequestView& r = e.request;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += "<title>Evidence of request " + H(r.id) + "</title><style>" + std::string(kStyle) +
       "</style></head><body>\n";
  h += "<h1>Evidence of data subject request " + H(r.id) + "</h1>\n";
  h += "<p class=\"small\">Generated " + H(FormatRfc3339(e.generated_at)) + " by " +
       H(e.generated_by) + ". All times are UTC.</p>\n";

  h += "<h2>Request</h2>\n<dl>";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<dt>" + H(k) + "</dt><dd>" + H(v) + "</dd>";
  };
  row("Rights", Join(r.rights, ", "));
  row("State", r.state);
  row("Outcome", r.outcome.empty() ? "(open)" : r.outcome);
  row("Channel", r.channel);
  row("Regime", r.regime);
  row("Language", r.language);
  if (!r.route.empty()) row("Route", r.route);
  row("Made by", r.agent ? "an authorised agent" : "the person");
  row("Identity", e.identity);
  h += "</dl>\n";

  h += "<h2>Deadline</h2>\n<dl>";
  row("Received", FormatRfc3339(e.deadline.received_at));
  row("Due", FormatRfc3339(e.deadline.original_due_at));
  row("Extended due date", e.deadline.extended ? FormatRfc3339(e.deadline.due_at) : "not extended");
  row("Closed", e.deadline.closed_at ? FormatRfc3339(*e.deadline.closed_at) : "(open)");
  const std::string status = e.deadline.status;
  const std::string said = status == "met"       ? "met"
                           : status == "missed"  ? "missed"
                           : status == "overdue" ? "overdue (open past its due date)"
                                                 : "open, not yet due";
  h += "<dt>Deadline</dt><dd class=\"" + H(status) + "\">" + H(said) + "</dd>";
  h += "</dl>\n";

  h += "<h2>Identities</h2>\n<table><thead><tr><th>Identity</th><th>Basis</th>"
       "<th>Attested by</th><th>Used to find data</th></tr></thead><tbody>";
  for (const auto& i : e.identities) {
    std::string by = i.attested_by ? i.attested_by->Label() : "";
    if (i.attested_at) by += (by.empty() ? "" : ", ") + FormatRfc3339(*i.attested_at);
    std::string used = !i.used ? "not yet"
                       : !*i.used
                           ? "no (not attested)"
                           : (i.found && *i.found ? "yes, found a record" : "yes, found nobody");
    h += "<tr>" + Cell(i.kind) + Cell(i.basis) + Cell(by) + Cell(used) + "</tr>";
  }
  h += "</tbody></table>\n";
  if (e.subjects >= 0) {
    h += "<p>Records found: " + std::to_string(e.subjects) + "</p>\n";
  }

  h += "<h2>Steps</h2>\n<table><thead><tr><th>#</th><th>When</th><th>Who</th><th>Action</th>"
       "<th>From</th><th>To</th><th>Reason</th></tr></thead><tbody>";
  for (const auto& s : e.steps) {
    h += "<tr>" + Cell(std::to_string(s.seq)) + Cell(FormatRfc3339(s.at)) + Cell(s.actor.Label()) +
         Cell(s.action) + Cell(s.from_state) + Cell(s.to_state) + Cell(s.reason) + "</tr>";
  }
  h += "</tbody></table>\n";

  h += "<h2>What was found and done</h2>\n";
  if (e.findings.empty()) h += "<p>Nothing was carried out automatically.</p>\n";
  for (const auto& f : e.findings) {
    h += "<h3>" + H(f.right) + "</h3>\n<p>" + H(FormatRfc3339(f.at)) + ", " + H(f.actor.Label()) +
         (f.skipped.empty() ? "" : "; skipped: " + H(f.skipped)) + "</p>";
    std::vector<std::string> facts;
    for (const auto& [k, n] : f.counts) facts.push_back(H(k) + ": " + std::to_string(n));
    for (const auto& [k, b] : f.flags) facts.push_back(H(k) + ": " + (b ? "yes" : "no"));
    if (!facts.empty()) h += "<p>" + Join(facts, "; ") + "</p>";
    if (!f.categories.empty()) {
      h += "<table><thead><tr><th>Data category</th><th>Values found</th></tr></thead><tbody>";
      for (const auto& [c, n] : f.categories) {
        h += "<tr>" + Cell(c) + Cell(std::to_string(n)) + "</tr>";
      }
      h += "</tbody></table>";
    }
    if (!f.kept.empty()) {
      h += "<table><thead><tr><th>Kept</th><th>Category</th><th>Exemption</th><th>Until</th>"
           "<th>Why</th></tr></thead><tbody>";
      for (const auto& k : f.kept) {
        h += "<tr>" + Cell(k.field + (k.identity ? " (identity)" : "")) + Cell(k.category) +
             Cell(k.exemption) + Cell(k.until ? FormatDate(*k.until) : "") + Cell(k.reason) +
             "</tr>";
      }
      h += "</tbody></table>";
    }
    h += "\n";
  }

  h += "<h2>Mail</h2>\n";
  if (e.mail.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table><thead><tr><th>State</th><th>Sent</th><th>Template</th><th>To</th>"
         "<th>Message-ID</th></tr></thead><tbody>";
    for (const auto& m : e.mail) {
      std::string state = m.state;
      if (m.state != "sent") {
        state += " (queued " + FormatRfc3339(m.queued_at) + ", " + std::to_string(m.attempts) +
                 " attempts" + (m.error.empty() ? "" : ", " + m.error) + ")";
      }
      h += "<tr>" + Cell(state) + Cell(m.sent_at != 0 ? FormatRfc3339(m.sent_at) : "") +
           Cell(m.template_name) + Cell(m.recipient) + Cell("<" + m.message_id + ">") + "</tr>";
    }
    h += "</tbody></table>\n";
  }
  if (!e.downloads.empty() || e.package_purged_at) {
    h += "<h2>Package</h2>\n<ul>";
    for (Micros t : e.downloads)
      h += "<li>downloaded by the person " + H(FormatRfc3339(t)) + "</li>";
    if (e.package_purged_at) {
      h += "<li>deleted after its download window " + H(FormatRfc3339(*e.package_purged_at)) +
           "</li>";
    }
    h += "</ul>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace privacyd
