-- iter.lua: runs one benchmark's work as timed iterations, for warm-up measurements (warmup.sh).
--
--   ENGINE tests/bench/iter.lua NAME [ITERATIONS]     e.g. lua5.4 tests/bench/iter.lua fib 30
--
-- With the global BENCH_ITER set, tests/bench/NAME.lua returns instead of running:
-- {iterations = default count, run = function(i) one iteration end, check = function() a string
-- end}. Prints one line per iteration, "iter N SECONDS CUMULATIVE": the iteration's CPU time
-- and the process's CPU time at its end (os.clock counts from process start, so CUMULATIVE
-- includes start-up and loading the benchmark), then "check STRING", which must agree across
-- engines. Lua 5.1 compatible, so that LuaJIT runs it.
BENCH_ITER = true
local name = arg and arg[1]
if not name then
  io.stderr:write("usage: iter.lua NAME [ITERATIONS]\n")
  os.exit(2)
end
local dir = string.match(arg[0], "^(.*)/[^/]*$") or "."
local bench = dofile(dir .. "/" .. name .. ".lua")
local n = tonumber(arg[2]) or bench.iterations
local clock, format, write = os.clock, string.format, io.write
for i = 1, n do
  local t0 = clock()
  bench.run(i)
  local t1 = clock()
  write(format("iter %d %.6f %.6f\n", i, t1 - t0, t1))
end
print("check " .. bench.check())
