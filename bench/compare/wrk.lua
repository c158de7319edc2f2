-- wrk script for bench/compare: POST the GraphQL bodies of a file (one JSON body a line) in turn, count
-- answers that are not HTTP 200 or carry GraphQL errors, and print one JSON line of results at the end.
-- Usage: wrk -s wrk.lua <url> -- <bodies file>

local bodies = {}
local next_body = 0
local threads = {}
failures = 0
first_failure = ""

function setup(thread)
  table.insert(threads, thread)
end

-- A body that holds FRESH gets a new random UUID there in every request (bench/compare/operations.py).
local FRESH = "@FRESH-UUID@"
local fresh = {}

local function uuid4()
  local n = {}
  for i = 1, 8 do n[i] = math.random(0, 65535) end
  n[4] = n[4] % 4096 + 16384  -- version 4
  n[5] = n[5] % 16384 + 32768  -- the RFC 4122 variant
  return string.format("%04x%04x-%04x-%04x-%04x-%04x%04x%04x", n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8])
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      bodies[#bodies + 1] = line
      fresh[#bodies] = line:find(FRESH, 1, true) ~= nil
    end
  end
  -- Seeded from the kernel: runs started in the same second must not make the same ids.
  local random = io.open("/dev/urandom", "rb")
  local bytes = random:read(4)
  random:close()
  math.randomseed(bytes:byte(1) * 16777216 + bytes:byte(2) * 65536 + bytes:byte(3) * 256 + bytes:byte(4))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  next_body = next_body % #bodies + 1
  local body = bodies[next_body]
  if fresh[next_body] then
    local at = body:find(FRESH, 1, true)
    body = body:sub(1, at - 1) .. uuid4() .. body:sub(at + #FRESH)
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. body:sub(1, 300) end
  end
end

local function quoted(text)
  return '"' .. text:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local failed, first = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    if first == "" then first = thread:get("first_failure") end
  end
  -- The latency distribution as 1,000 quantiles (microseconds), so rounds can be merged afterwards.
  local quantiles = {}
  for n = 1, 1000 do
    quantiles[n] = string.format("%d", latency:percentile((n - 0.5) / 10))
  end
  local errors = summary.errors
  io.write(string.format(
    '\nWRK-RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"failures":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"status":%d,"timeout":%d,"max_us":%d,"first_failure":%s,"quantiles_us":[%s]}\n',
    summary.requests, summary.duration, summary.bytes, failed, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency.max, quoted(first), table.concat(quantiles, ",")))
end
