-- W^X: while the JIT compiles and runs code, no mapping of the process is writable and
-- executable at once (DESIGN.md decision 2). Reads /proc/self/maps between compilations.
-- jolt-args: -j hot=2,hotloop=50
local function maps_ok()
  local f = assert(io.open("/proc/self/maps"))
  local bad, n = nil, 0
  for line in f:lines() do
    local perms = line:match("^%S+%s+(%S+)")
    n = n + 1
    if perms and perms:find("w") and perms:find("x") then bad = line end
  end
  f:close()
  return bad == nil and n > 0, bad
end
local total = 0
for round = 1, 40 do
  -- a new function each round, so that every round compiles code
  local f = load("local s = 0 for i = 1, 200 do s = s + i * " .. round .. " end return s")
  for _ = 1, 5 do total = total + f() end
  local ok, bad = maps_ok()
  if not ok then print("writable and executable:", bad) end
end
print("total", total)
local ok = maps_ok()
print("no W+X mapping", ok)
