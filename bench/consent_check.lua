-- wrk script for bench/consent_http.sh: one identity per POST /v1/consent/check, as a sender
-- asks just before each mail. Each request picks an identity at random from the first lines of
-- the check list privacyd_consent_bench wrote (addresses held by a subject, some held by nobody,
-- some written with capitals), for topic "newsletter".
--
-- usage: wrk ... -s bench/consent_check.lua URL -- TOKEN IDENTITIES_FILE [LINES]
--
-- At the end it prints the count of each status, so that a run that was refused (401, 429) or
-- failed is not read as a fast one.

local lines_wanted = 100000
local thread_id = 0
statuses = {}  -- global: done() reads it from each thread
local threads = {}
local identities = {}
local headers = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  local token, path = args[1], args[2]
  if args[3] then lines_wanted = tonumber(args[3]) end
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    table.insert(identities, line)
    if #identities >= lines_wanted then break end
  end
  file:close()
  math.randomseed(id * 7919)
  statuses = {}
end

local function json_escape(s)
  return (s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end))
end

function request()
  local identity = identities[math.random(#identities)]
  local body = '{"topic":"newsletter","identities":["' .. json_escape(identity) .. '"]}'
  return wrk.format("POST", "/v1/consent/check", headers, body)
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
