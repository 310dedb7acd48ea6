-- wrk script: one method, path and body per run, from the arguments
--   wrk ... -s bench/request.lua URL -- METHOD PATH [BODY]
-- A BODY containing "%d" gets a per-request counter, so creates do not
-- collide on unique names.
local method, path, body
local fixed -- the request, when every request is the same
local counter = 0
local threads = 0

-- Each thread gets its own counter range, so generated names never repeat
-- across threads or runs.
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  method = args[1] or "GET"
  path = args[2] or "/health"
  body = args[3]
  counter = (os.time() % 100000) * 1000000000 + (thread_id or 0) * 100000000
  -- Formatting costs the load generator, which shares the server's cores,
  -- as much as a cheap request costs the server: do it once when it can.
  if not body or not string.find(body, "%%d") then
    fixed = wrk.format(method, path, {["Content-Type"] = "application/json"}, body)
  end
end

function request()
  if fixed then
    return fixed
  end
  local payload = nil
  if body then
    counter = counter + 1
    payload = string.gsub(body, "%%d", tostring(counter))
  end
  return wrk.format(method, path, {["Content-Type"] = "application/json"}, payload)
end

-- One machine-readable line per run, read by bench/run.sh.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.0f p50=%.3f p99=%.3f errors=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
