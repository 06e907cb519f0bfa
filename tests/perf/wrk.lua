-- wrk script for the Advocate benchmark.
-- Environment: BENCH_EXPECT (status counted as good, default 200), BENCH_METHOD, BENCH_BODY
-- (a request body; "{n}" in it becomes a number unique to the request), BENCH_RUN.
-- At the end it prints one JSON line: requests, duration, latency percentiles, bad statuses.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  first_bad = 0
  expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
end

local body_template = os.getenv("BENCH_BODY")
-- Unique to this wrk run, so a body "{n}" never repeats across runs (warm-up, load, alone).
local run_id = os.getenv("BENCH_RUN") or "0"
if body_template and body_template ~= "" then
  function request()
    counter = counter + 1
    local body = string.gsub(body_template, "{n}", run_id .. "-" .. tid .. "-" .. counter)
    return wrk.format(nil, nil, nil, body)
  end
end

function response(status, headers, body)
  if status ~= expect then
    bad = bad + 1
    if first_bad == 0 then
      first_bad = status
    end
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  local bad_status = 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + (thread:get("bad") or 0)
    if (thread:get("first_bad") or 0) ~= 0 then
      bad_status = thread:get("first_bad")
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"bad_status":%d,"first_bad_status":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    bad_total, bad_status, e.connect + e.read + e.write + e.timeout))
end
