-- wrk script for the Walks benchmark and fault runs.
--
-- BENCH_REQUESTS names a file with one request per line:
--   METHOD <TAB> PATH <TAB> Header: value|Header: value <TAB> BODY
-- Each thread cycles through the lines from its own starting point, so one
-- file can hold a single GET, a thousand POST bodies or a mixed load.
-- BENCH_OUT names the JSON file written at the end: the summary, latency
-- percentiles, a count per status code and a per-second timeline of status
-- classes (2xx, 3xx, 4xx, 5xx and "429" and "503" on their own).

local threads = {}
local requests = {}
local counter = 0
statuses = {}  -- globals: done() reads them from every thread
timeline = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function parse_headers(text)
  local headers = {}
  for item in string.gmatch(text or "", "[^|]+") do
    local name, value = item:match("^%s*([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  return headers
end

function init(args)
  local path = os.getenv("BENCH_REQUESTS")
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      local method, target, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      if body == "" then body = nil end
      table.insert(requests, wrk.format(method, target, parse_headers(headers), body))
    end
  end
  file:close()
  math.randomseed(os.time() * 1000 + (id or 0))
  counter = math.random(#requests) - 1
end

function request()
  counter = counter + 1
  return requests[(counter - 1) % #requests + 1]
end

-- thread:get() copies only flat tables with string keys safely (wrk crashes
-- on nested or numeric-keyed ones), hence "second:class" keys.
function response(status, headers, body)
  local code = tostring(status)
  statuses[code] = (statuses[code] or 0) + 1
  local class = tostring(math.floor(status / 100)) .. "xx"
  if status == 429 or status == 503 then class = code end
  local key = tostring(os.time()) .. ":" .. class
  timeline[key] = (timeline[key] or 0) + 1
end

local function json_map(map)
  local parts = {}
  for key, value in pairs(map) do
    table.insert(parts, string.format('"%s": %d', tostring(key), value))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests_)
  local total_status, total_timeline = {}, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total_status[status] = (total_status[status] or 0) + count
    end
    for key, count in pairs(thread:get("timeline")) do
      local second, class = key:match("^(%d+):(.+)$")
      second = tonumber(second)
      local into = total_timeline[second] or {}
      into[class] = (into[class] or 0) + count
      total_timeline[second] = into
    end
  end
  local seconds = {}
  for second, _ in pairs(total_timeline) do table.insert(seconds, second) end
  table.sort(seconds)
  local rows = {}
  for _, second in ipairs(seconds) do
    table.insert(rows, string.format('[%d, %s]', second, json_map(total_timeline[second])))
  end
  local e = summary.errors
  local out = string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": %s, "timeline": [%s]}',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    json_map(total_status), table.concat(rows, ", "))
  local path = os.getenv("BENCH_OUT")
  if path then
    local file = assert(io.open(path, "w"))
    file:write(out)
    file:close()
  else
    io.write(out .. "\n")
  end
end
