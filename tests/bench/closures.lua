-- closures: creating and calling closures, upvalues, higher-order map/filter/reduce.
local function map(t, f) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
local function filter(t, p) local r = {} for i = 1, #t do if p(t[i]) then r[#r + 1] = t[i] end end return r end
local function reduce(t, f, acc) for i = 1, #t do acc = f(acc, t[i]) end return acc end
local function adder(k) return function(x) return x + k end end
local function counter() local n = 0 return function() n = n + 1 return n end end
local data = {}
for i = 1, 1000 do data[i] = i end
local check = 0
local done = 0 -- rounds run so far
local function run() -- one iteration: 500 rounds
  for round = done + 1, done + 500 do
    local add = adder(round % 10)
    local mapped = map(data, add)
    local evens = filter(mapped, function(x) return x % 2 == 0 end)
    check = check + reduce(evens, function(a, b) return a + b end, 0)
    local c = counter()
    for _ = 1, 100 do c() end
    check = check + c()
  end
  done = done + 500
end
local function result() return string.format("closures %d", check) end
if BENCH_ITER then return {iterations = 40, run = run, check = result} end
for _ = 1, 16 do run() end
print(result())
