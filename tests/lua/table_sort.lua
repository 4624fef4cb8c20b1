-- table.sort: orders, comparators, metamethods, bad comparators and limits
local function sorted(t, lt)
  lt = lt or function(a, b) return a < b end
  for i = 2, #t do if lt(t[i], t[i - 1]) then return false end end
  return true
end

-- a deterministic pseudo-random sequence (independent of math.random)
local seed = 12345
local function rnd(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}
table.sort(t); print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end); print(table.concat(t, " "))
local s = {"pear", "apple", "fig", "banana", "cherry"}
table.sort(s); print(table.concat(s, " "))
local m = {3, 1.5, -2, 2^53, -math.huge, math.huge, 0, math.mininteger, math.maxinteger}
table.sort(m); for i = 1, #m do io.write(tostring(m[i]), " ") end print()
local one = {42}; table.sort(one); print(one[1])
local empty = {}; table.sort(empty); print(#empty)

for _, n in ipairs{2, 3, 10, 11, 12, 13, 50, 100, 1000, 5000} do
  local a = {}
  for i = 1, n do a[i] = rnd(n) end
  table.sort(a)
  local d = {}
  for i = 1, n do d[i] = rnd(n) end
  table.sort(d, function(x, y) return x > y end)
  local asc = {}
  for i = 1, n do asc[i] = i end
  table.sort(asc)
  local desc = {}
  for i = 1, n do desc[i] = n - i end
  table.sort(desc)
  local same = {}
  for i = 1, n do same[i] = 7 end
  table.sort(same)
  print(n, sorted(a), sorted(d, function(x, y) return x > y end), sorted(asc), sorted(desc), sorted(same))
end

-- records by key
local recs = {}
for i = 1, 200 do recs[i] = {key = (i * 37) % 200, id = i} end
table.sort(recs, function(a, b) return a.key < b.key end)
local ok = true
for i = 1, 200 do if recs[i].key ~= i - 1 then ok = false end end
print("records", ok)

-- __lt metamethod
local mt = {__lt = function(a, b) return a.v < b.v end}
local objs = {}
for i = 1, 30 do objs[i] = setmetatable({v = (i * 7) % 30}, mt) end
table.sort(objs)
local vs = {}
for i = 1, 30 do vs[i] = objs[i].v end
print(table.concat(vs, ","))

-- errors
print(pcall(table.sort, {1, "x", 2}))
print(pcall(table.sort, {1, 2, 3}, 42))
print(pcall(table.sort, {{}, {}}))
print(pcall(table.sort, nil))
local big = setmetatable({}, {__len = function() return math.maxinteger end})
print(pcall(table.sort, big))

-- inconsistent comparators must not crash or loop: either an error or some permutation
for _, n in ipairs{5, 20, 100, 500} do
  local a = {}
  for i = 1, n do a[i] = rnd(1000) end
  local sum = 0
  for i = 1, n do sum = sum + a[i] end
  local ok2, err = pcall(table.sort, a, function() return true end)
  local sum2 = 0
  for i = 1, n do sum2 = sum2 + (a[i] or 0) end
  print(n, ok2 or err, sum == sum2)
  local b = {}
  for i = 1, n do b[i] = rnd(1000) end
  local ok3 = pcall(table.sort, b, function(x, y) return rnd(2) == 0 end)
  local cnt = 0
  for i = 1, n do if b[i] ~= nil then cnt = cnt + 1 end end
  print(n, "random comparator keeps all elements", cnt == n, type(ok3))
end

-- errors raised inside the comparator propagate
print(pcall(table.sort, {3, 2, 1}, function(a, b) error("cmp failed") end))
print(select(2, pcall(table.sort, {3, 2, 1}, function(a, b) error({code = 7}) end)).code)
