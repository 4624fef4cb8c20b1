-- closures: creating and calling closures, upvalues, higher-order map/filter/reduce.
local function map(t, f) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
local function filter(t, p) local r = {} for i = 1, #t do if p(t[i]) then r[#r + 1] = t[i] end end return r end
local function reduce(t, f, acc) for i = 1, #t do acc = f(acc, t[i]) end return acc end
local function adder(k) return function(x) return x + k end end
local function counter() local n = 0 return function() n = n + 1 return n end end
local data = {}
for i = 1, 1000 do data[i] = i end
local check = 0
for round = 1, 8000 do
  local add = adder(round % 10)
  local mapped = map(data, add)
  local evens = filter(mapped, function(x) return x % 2 == 0 end)
  check = check + reduce(evens, function(a, b) return a + b end, 0)
  local c = counter()
  for _ = 1, 100 do c() end
  check = check + c()
end
print(string.format("closures %d", check))
