-- wrk script: one method, path and body per run, from the arguments
--   wrk ... -s bench/request.lua URL -- METHOD PATH [BODY]
-- A BODY containing "%d" gets a per-request counter, so creates do not
-- collide on unique names.
local method, path, body
local fixed -- the request, when every request is the same
local parts, head, tail -- else: the body around its "%d"s, the request around its length
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
    return
  end
  -- A body with a counter: split once around each "%d", and the request
  -- around its Content-Length value, so that a request is two joins.
  -- Done per request with string.gsub and wrk.format, this cost about as
  -- much CPU as the server's HTTP layer does for the same request.
  parts = {}
  for piece in (body .. "%d"):gmatch("(.-)%%d") do
    parts[#parts + 1] = piece
  end
  local sample_body = "\0\0\0\0\0\0\0"
  local sample = wrk.format(method, path, {["Content-Type"] = "application/json"}, sample_body)
  local at, to = string.find(sample, "Content-Length: 7\r\n", 1, true)
  head = string.sub(sample, 1, at + #"Content-Length: " - 1)
  tail = string.sub(sample, to - 1, #sample - #sample_body)
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  local payload = table.concat(parts, tostring(counter))
  return head .. #payload .. tail .. payload
end

-- One machine-readable line per run, read by bench/run.sh.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT rps=%.0f p50=%.3f p99=%.3f errors=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
