-- wrk script of bench/personalization.py: requests from a file, offered at a fixed rate,
-- each answer's Server-Timing (app;dur=) kept for the server-time percentiles.
--
--   BENCH_REQUESTS=reqs.tsv BENCH_RATE=1000 BENCH_OUT=out.txt \
--     wrk -t1 -c64 -d10s -s bench/load/personalize.lua http://127.0.0.1:PORT
--
-- reqs.tsv: one request a line, "METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY", HEADERS as
-- "Name: value" pairs joined by \31 (the unit separator), BODY possibly empty. Each thread
-- starts at its own place in the list and goes round it.
-- BENCH_RATE: requests per second over all threads (0: as fast as the connections go).
-- Each send is scheduled at start + k / rate (per thread); a connection free before its
-- slot waits for it (wrk's delay(), in whole milliseconds), one free after it sends at
-- once and the lateness is recorded, so a generator that cannot keep up says so.
-- BENCH_OUT: written by done(): "key value" lines (wrk's counts and latency percentiles,
-- the status counts, the lateness, the requests sent), then "server" and one server time
-- (ms) a line.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function split(s, sep)
  local out, start = {}, 1
  while true do
    local i = string.find(s, sep, start, true)
    if not i then
      table.insert(out, string.sub(s, start))
      return out
    end
    table.insert(out, string.sub(s, start, i - 1))
    start = i + #sep
  end
end

function init(args)
  requests = {}
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local f = split(line, "\t")
    local headers = {}
    if f[3] and f[3] ~= "" then
      for _, h in ipairs(split(f[3], "\31")) do
        local name, value = string.match(h, "^([^:]+):%s*(.*)$")
        headers[name] = value
      end
    end
    local body = f[4]
    if body == "" then body = nil end
    table.insert(requests, wrk.format(f[1], f[2], headers, body))
  end
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  index = math.floor(#requests * id / nthreads)
  rate = tonumber(os.getenv("BENCH_RATE") or "0") / nthreads
  samples, nsamples, statuses = {}, 0, {}
  late, late_over_10ms, sent, generated = 0, 0, 0, 0
  start = nil
end

function delay()
  if rate <= 0 then return 0 end
  local now = now_ms()
  if start == nil then start = now end
  local due = start + sent * 1000 / rate
  sent = sent + 1
  if due > now then return math.floor(due - now) end
  local lag = now - due
  if lag > late then late = lag end
  if lag > 10 then late_over_10ms = late_over_10ms + 1 end
  return 0
end

function request()
  generated = generated + 1
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local timing = headers["Server-Timing"]
  if timing then
    local dur = string.match(timing, "app;dur=([%d%.]+)")
    if dur then
      nsamples = nsamples + 1
      samples[nsamples] = tonumber(dur)
    end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  out:write("requests ", summary.requests, "\n")
  out:write("duration_us ", summary.duration, "\n")
  local e = summary.errors
  out:write("errors_connect ", e.connect, "\n", "errors_read ", e.read, "\n",
            "errors_write ", e.write, "\n", "errors_status ", e.status, "\n",
            "errors_timeout ", e.timeout, "\n")
  for _, p in ipairs({ 50, 95, 99 }) do
    out:write("latency_p", p, "_us ", latency:percentile(p), "\n")
  end
  local worst, over, total = 0, 0, 0
  local counts = {}
  for _, thread in ipairs(threads) do
    local l = thread:get("late")
    if l > worst then worst = l end
    over = over + thread:get("late_over_10ms")
    total = total + thread:get("generated")
    for code, n in pairs(thread:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  out:write("late_max_ms ", worst, "\n", "late_over_10ms ", over, "\n", "sent ", total, "\n")
  for code, n in pairs(counts) do out:write("status_", code, " ", n, "\n") end
  out:write("server\n")
  for _, thread in ipairs(threads) do
    local s = thread:get("samples")
    for i = 1, #s do out:write(s[i], "\n") end
  end
  out:close()
end
