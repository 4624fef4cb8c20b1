-- lang_forloop: numeric for loops (integer and float, near the integer limits), while, repeat.
local maxi, mini = math.maxinteger, math.mininteger
local function run(a, b, c)
  local out, n = {}, 0
  for i = a, b, c do
    n = n + 1
    if n <= 6 then out[#out + 1] = tostring(i) .. ":" .. math.type(i) end
    if n > 1000 then out[#out + 1] = "runaway"; break end
  end
  return n .. " [" .. table.concat(out, " ") .. "]"
end
print("1..5", run(1, 5, 1))
print("5..1", run(5, 1, -1))
print("empty", run(1, 0, 1))
print("step2", run(1, 10, 3))
print("neg step", run(10, 1, -4))
print("near max", run(maxi - 3, maxi, 1))
print("near max step2", run(maxi - 4, maxi, 2))
print("near min", run(mini + 3, mini, -1))
print("max to max", run(maxi, maxi, 1))
print("min to min", run(mini, mini, -1))
print("huge step", run(0, maxi, maxi))
print("huge step neg", run(0, mini, mini))
print("big range", run(mini, maxi, maxi))
print("float", run(1.0, 3, 1))
print("float step", run(0, 1, 0.25))
print("float neg", run(1, 0, -0.5))
print("float limit int", run(1, 3.5, 1))
print("float limit neg", run(3, 0.5, -1))
print("float limit huge", run(maxi - 2, 1e100, 1))
print("float limit -huge", run(mini + 2, -1e100, -1))
print("limit below min", run(1, -1e100, 1))
print("limit above max", run(1, 1e100, -1))
print("nan limit", run(1, 0 / 0, 1))
print("string num", pcall(run, "1", 2, 1))
for _, args in ipairs({{1, 10, 0}, {1.0, 10, 0.0}, {{}, 1, 1}, {1, "x", 1}, {1, 2, {}}}) do
  print("for err", pcall(run, table.unpack(args, 1, 3)))
end
-- The loop variable is a fresh local: changing it does not affect iteration.
local seen = {}
for i = 1, 3 do seen[#seen + 1] = i; i = i * 10; seen[#seen + 1] = i end
print("modify var", table.concat(seen, ","))
-- Each iteration gets its own variable for closures.
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print("closure per iter", fs[1](), fs[2](), fs[3]())
-- while / repeat / break / nested
local i, s = 0, 0
while true do i = i + 1; if i > 100 then break end; if i % 2 == 0 then s = s + i end end
print("while", i, s)
local r = 0
repeat local x = r; r = r + 1 until x >= 5
print("repeat scope", r)
local count = 0
for a = 1, 10 do
  for b = a, 10 do
    if (a + b) % 7 == 0 then break end
    count = count + 1
  end
end
print("nested break", count)
-- generic for with a stateless iterator and with closures
local function range(n) return function(_, k) if k < n then return k + 1 end end, nil, 0 end
local acc = {}
for k in range(5) do acc[#acc + 1] = k end
print("generic", table.concat(acc, " "))
for k, v in ipairs({10, 20, nil, 40}) do print("ipairs", k, v) end
local keys = {}
for k in pairs({a = 1, b = 2, c = 3, 1, 2}) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print("pairs sorted", table.concat(keys, " "))
-- generic for with a closing value (4th value)
do
  local log = {}
  local closer = setmetatable({}, {__close = function() log[#log + 1] = "closed" end})
  for k in function(_, k) k = (k or 0) + 1; if k <= 2 then return k end end, nil, nil, closer do
    log[#log + 1] = k
  end
  print("for close", table.concat(log, " "))
  log = {}
  for k in function(_, k) k = (k or 0) + 1; return k end, nil, nil, closer do
    log[#log + 1] = k
    if k == 3 then break end
  end
  print("for close break", table.concat(log, " "))
end
-- integer loop count accumulations
local sum = 0
for j = 1, 100000 do sum = sum + j end
print("sum", sum)
local fsum = 0
for x = 0.1, 1.0, 0.1 do fsum = fsum + 1 end
print("float count", fsum)
