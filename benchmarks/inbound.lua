-- wrk script for benchmarks/bench_inbound.py: replays pre-signed webhook requests.
--
-- Environment: BENCH_WRK_DIR holds requests_<thread>.txt ("id<TAB>signature<TAB>body"
-- a line) and receives acked_<thread>.txt ("id<TAB>stored" for a 200, "id<TAB>!status"
-- otherwise); BENCH_WRK_PATH is the URL path; BENCH_WRK_RATE, if > 0, paces each thread
-- to that many requests a second (BENCH_WRK_THREADS staggers the threads' first slots).
-- Run with as many connections as threads: with one connection a thread, the request
-- last sent is the one being answered, so each answer is tied to its message id.

local dir = os.getenv("BENCH_WRK_DIR")
local path = os.getenv("BENCH_WRK_PATH")
local rate = tonumber(os.getenv("BENCH_WRK_RATE") or "0") or 0
local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local requests, ids, n, i, current, out = {}, {}, 0, 0, "", nil

function init(args)
  for line in io.lines(dir .. "/requests_" .. tid .. ".txt") do
    local id, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    n = n + 1
    ids[n] = id
    requests[n] = wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["X-Signature"] = sig,
    }, body)
  end
  out = io.open(dir .. "/acked_" .. tid .. ".txt", "w")
  out:setvbuf("line")
end

function request()
  i = i % n + 1 -- past the end it wraps round: replays, which the report counts
  current = ids[i]
  return requests[i]
end

function response(status, headers, body)
  if status == 200 then
    out:write(current, "\t", body:match('"stored":%s*(%d+)') or "?", "\n")
  else
    out:write(current, "\t!", status, "\n")
  end
end

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]])
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 / rate
  local next_at = nil

  -- An absolute schedule: a late answer shortens the next wait, so the mean rate holds.
  function delay()
    local now = now_ms()
    if next_at == nil then
      next_at = now + (tid or 0) * interval / nthreads
    end
    local wait = next_at - now
    next_at = next_at + interval
    if wait < 1 then
      return 0
    end
    return math.floor(wait)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_DONE requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
