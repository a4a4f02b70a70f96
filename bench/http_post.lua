-- bench/http_post.lua: the wrk script of bench/http. Each request posts
-- one ~300-byte worklog.added event to POST /v1/events with an id no
-- other request of the run has (run tag, thread, counter), so every post
-- is a durable commit, never a duplicate. Arguments: CASE TAG.
-- done() prints one key=value line: rate, p50_us, p99_us, requests, errors.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  case_id = args[1] or "AS-2026-0001"
  prefix = "wrk-" .. (args[2] or "run") .. "-" .. tid .. "-"
  counter = 0
  note = string.rep("x", 200)
end

function request()
  counter = counter + 1
  local body = '{"type":"worklog.added","case":"' .. case_id .. '","id":"' .. prefix ..
               counter .. '","body":{"agent":"A01","note":"' .. note .. '"}}'
  return wrk.format("POST", "/v1/events", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("rate=%.1f p50_us=%.1f p99_us=%.1f requests=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), summary.requests,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
