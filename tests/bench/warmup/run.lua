-- run.lua: serves one workload's requests and times each of them (docs/results.md).
--
--   ENGINE tests/bench/warmup/run.lua WORKLOAD [REQUESTS] [fork]
--
-- tests/bench/warmup/WORKLOAD.lua returns a table:
--   requests  the default number of requests;
--   setup()   (re)creates every piece of state check() reports on (called before the first
--             request, and again in a forked child so that its check equals a cold run's);
--   request(i) serves request i (1-based);
--   check()   a string summarizing the results, which must agree across engines; the workload
--             raises an error itself when a result is wrong.
-- Prints, after the last request (nothing is written while requests run): "start T", the CPU
-- time when this file began; one line "req I END DT" per request, END the CPU time since the
-- process started when request I ended and DT its own time (seconds, os.clock); "rss KB", the
-- peak resident set (VmHWM); "check STRING". With "fork" (jolt only) the process serves the
-- requests once to warm up, forks, and the child serves them again from a fresh setup(): its
-- CPU clock starts at the fork, so its times are those of a process forked from a warm parent.
-- Lua 5.1 compatible so that LuaJIT runs it.
local t_start = os.clock()
local name, count, mode = arg and arg[1], arg and tonumber(arg[2]), arg and arg[3]
if not name then
  io.stderr:write("usage: run.lua WORKLOAD [REQUESTS] [fork]\n")
  os.exit(2)
end
local dir = string.match(arg[0], "^(.*)/[^/]*$") or "."
local work = dofile(dir .. "/" .. name .. ".lua")
local n = count or work.requests
local clock = os.clock
local mark = (jolt and jolt.mark) or function() end

local ends, times = {}, {}
local function serve()
  if work.setup then work.setup() end
  local request = work.request
  for i = 1, n do
    local t0 = clock()
    request(i)
    local t1 = clock()
    mark(name)
    ends[i], times[i] = t1, t1 - t0
  end
end

if mode == "fork" then
  if not (jolt and jolt.fork) then
    io.stderr:write("run.lua: fork needs jolt.fork\n")
    os.exit(2)
  end
  serve()
  local pid = jolt.fork()
  if pid ~= 0 then
    local ok, how, code = jolt.wait(pid)
    os.exit(ok and 0 or (how == "exit" and code or 1))
  end
  t_start = 0
  serve()
elseif mode then
  io.stderr:write("run.lua: unknown mode " .. mode .. "\n")
  os.exit(2)
else
  serve()
end

local rss = "-"
local f = io.open("/proc/self/status", "r")
if f then
  rss = string.match(f:read("*a"), "VmHWM:%s*(%d+)") or "-"
  f:close()
end
local out, format = {}, string.format
out[1] = format("start %.6f", t_start)
for i = 1, n do out[i + 1] = format("req %d %.6f %.6f", i, ends[i], times[i]) end
out[n + 2] = "rss " .. rss
out[n + 3] = "check " .. work.check()
io.write(table.concat(out, "\n"), "\n")
