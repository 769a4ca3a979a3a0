-- wrk script for bench/publish.ts. POSTs one fixed body (the first script argument) and prints,
-- on one line the harness parses, what it needs to merge slices exactly (counters and the whole
-- latency histogram) and wrk's own CPU time, which shows whether the load tool was the limit.
--
--   wrk -t1 -c64 -d2s --timeout 5s -s bench/wrk/post.lua http://127.0.0.1:PORT/bench -- "bench message"
--
-- There is deliberately no response() hook: with one, wrk hands every answer's headers and body
-- to Lua, which cost two to three times its CPU per request here. 2xx are counted instead as
-- completed requests minus summary.errors.status (answers > 399); see publish.ts.

function init(args)
  wrk.method = "POST"
  wrk.body = args[1] or "bench message"
  wrk.headers["Content-Type"] = "text/plain"
end

function done(summary, latency)
  -- (value in µs, count) for every distinct latency seen.
  local histogram = {}
  for i = 1, #latency do
    local value, count = latency(i)
    histogram[#histogram + 1] = string.format("[%d,%d]", value, count)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"durationUs":%d,"requests":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"cpuSeconds":%.4f,"latencyUs":[%s]}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    -- os.clock() is clock(3): CPU time of the whole process, every thread, from its start.
    os.clock(), table.concat(histogram, ",")))
end
