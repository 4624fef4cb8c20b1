-- tables: inserts, removes, hash and array growth, and sorting with and without a comparator.
local seed = 42
local function rand(n) seed = (seed * 16807) % 2147483647; return seed % n end
local check = 0
local function run() -- one iteration
  local a = {}
  for i = 1, 60000 do table.insert(a, rand(1000000)) end
  table.sort(a)
  check = check + a[1] + a[#a] + a[30000]
  local b = {}
  for i = 1, 30000 do b[i] = {key = rand(1000), id = i} end
  table.sort(b, function(x, y) if x.key ~= y.key then return x.key < y.key end return x.id < y.id end)
  check = check + b[1].id + b[30000].id
  local h = {}
  for i = 1, 50000 do h["k" .. (i % 20000)] = i end
  local n = 0
  for k, v in pairs(h) do n = n + v end
  check = check + n
  for i = 1, 20000 do table.remove(a) end
  check = check + #a
  local q = {}
  for i = 1, 2000 do table.insert(q, 1, i) end
  for i = 1, 1000 do table.remove(q, 1) end
  check = check + q[1] + #q
end
if BENCH_ITER then
  return {iterations = 15, run = run, check = function() return string.format("tables %d", check) end}
end
for _ = 1, 5 do run() end
print(string.format("tables %d", check))
