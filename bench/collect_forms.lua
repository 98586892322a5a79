-- wrk script for bench/collect_bench.sh: posts varied, realistic form submissions to the
-- public collection points of the example policy, as JSON and as plain HTML form posts, with
-- free text that the sensitive-data guard scans. Every address is new except one in ten, which
-- repeats an earlier one of the same thread (a person's second submission, merged).
--
-- At the end it prints the count of each status, so a run that was refused (422) or failed is
-- not read as a fast one.

local points = {
  {path = "/v1/collect/contact", fields = {"name", "email", "company", "job_title", "country", "message"}},
  {path = "/v1/collect/white_paper", fields = {"name", "email", "company", "job_title", "country", "age_confirmed"}},
  {path = "/v1/collect/trial", fields = {"name", "email", "phone", "company", "job_title", "country", "age_confirmed"}},
  {path = "/v1/collect/quote", fields = {"name", "email", "phone", "company", "country", "requirements", "age_confirmed"}},
  {path = "/v1/collect/partner_inquiry", fields = {"name", "email", "company", "country", "message", "age_confirmed"}},
}

local first = {"Maria", "Jürgen", "Amélie", "Oliver", "Priya", "Kenji", "Sofia", "Lukas", "Chloé", "Noah"}
local last = {"González", "Schäfer", "Dubois", "Smith", "Patel", "Tanaka", "Rossi", "Müller", "Martin", "Brown"}
local companies = {"Northwind Traders", "Contoso GmbH", "Fabrikam SAS", "Tailspin Toys Ltd",
                   "Wide World Importers", "Adventure Works", "Litware Inc.", "Proseware AG"}
local titles = {"Data Protection Officer", "IT Manager", "Head of Marketing", "CISO", "Paralegal",
                "Leiterin Vertrieb", "Responsable sécurité", "Operations Lead"}
local countries = {"GB", "DE", "FR", "US", "NL", "IE", "ZA", "AU"}
local phones = {["GB"] = "+44 20 7946 0%03d", ["DE"] = "030 901%03d", ["FR"] = "01 42 68 5%03d",
                ["US"] = "+1 202 456 1%03d", ["NL"] = "020 555 4%03d", ["IE"] = "+353 1 555 0%03d",
                ["ZA"] = "+27 21 555 0%03d", ["AU"] = "+61 2 5550 4%03d"}
local texts = {
  "Hello, we are evaluating privacy tooling for our sales and support teams and would like a demo next week.",
  "Our company has about 240 employees across offices in Boston, Dublin and Singapore.",
  "Could you send us a quote for the enterprise plan with 35 seats, billed annually? Please reference purchase order PO-2024-118823.",
  "We currently use a spreadsheet to track consent and it no longer scales. Our ticket number with your support team is #4471902.",
  "Wir möchten Ihre Lösung für unser Rechenzentrum in Frankfurt testen und bitten um ein Angebot für 120 Postfächer.",
  "Unser Datenschutzbeauftragter fragt, ob Sie Standardvertragsklauseln mit Ihren Unterauftragsverarbeitern abgeschlossen haben.",
  "Nous souhaitons une démonstration de l'archivage pour 450 boîtes aux lettres, idéalement avant le 30 juin.",
  "Notre équipe juridique demande si les données peuvent être hébergées dans l'Union européenne.",
  "The contract renewal is due on 2025-09-30 and we need the updated terms before then; budget is USD 42,000.",
  "We process roughly 18,500 web form submissions per month from our marketing site and need an audit trail.",
}

local thread_id = 0
local counter = 0
statuses = {}  -- global: done() reads it from each thread
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919)
  statuses = {}
end

local function pick(list) return list[math.random(#list)] end

local function json_escape(s) return (s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end)) end

local function url_escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

function request()
  counter = counter + 1
  local point = pick(points)
  local n = counter
  if counter > 10 and math.random(10) == 1 then n = math.random(counter - 1) end  -- a merge
  local country = pick(countries)
  local values = {
    name = pick(first) .. " " .. pick(last),
    email = string.format("person%d.t%d@%s.example", n, id, pick({"northwind", "contoso", "fabrikam"})),
    company = pick(companies),
    job_title = pick(titles),
    country = country,
    phone = string.format(phones[country], math.random(0, 999)),
    message = pick(texts) .. " " .. pick(texts),
    requirements = pick(texts),
    age_confirmed = "on",
  }
  local as_form = math.random(3) == 1
  local parts = {}
  for _, f in ipairs(point.fields) do
    if as_form then
      table.insert(parts, f .. "=" .. url_escape(values[f]))
    elseif f == "age_confirmed" then
      table.insert(parts, '"age_confirmed":true')
    else
      table.insert(parts, '"' .. f .. '":"' .. json_escape(values[f]) .. '"')
    end
  end
  local body, type
  if as_form then
    body, type = table.concat(parts, "&"), "application/x-www-form-urlencoded"
  else
    body, type = "{" .. table.concat(parts, ",") .. "}", "application/json"
  end
  return wrk.format("POST", point.path, {["Content-Type"] = type}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local line = "statuses:"
  for k, v in pairs(total) do line = line .. " " .. k .. "=" .. v end
  print(line)
end
