-- table library: insert, remove, move, pack, unpack, concat, and their errors
local function show(t, n)
  local parts = {}
  for i = 1, n or #t do parts[#parts + 1] = tostring(t[i]) end
  return "{" .. table.concat(parts, ",") .. "}"
end
local function try(f, ...)
  local ok, err = pcall(f, ...)
  print(ok, err)
end

local t = {1, 2, 3}
table.insert(t, 4); print(show(t))
table.insert(t, 1, 0); print(show(t))
table.insert(t, 3, "x"); print(show(t))
table.insert(t, #t + 1, "end"); print(show(t))
try(table.insert, t, 0, "bad")
try(table.insert, t, #t + 2, "bad")
try(table.insert, t, 1, 2, 3)
try(table.insert, t)
try(table.insert, nil, 1)
try(table.insert, t, "a", 1)

print(table.remove(t), show(t))
print(table.remove(t, 1), show(t))
print(table.remove(t, 2), show(t))
print(table.remove({}), table.remove({}, 0), table.remove({}, 1))
try(table.remove, {1, 2}, 5)
try(table.remove, {1, 2}, -1)
local r = {10, 20}
print(table.remove(r, 3), show(r))

print(show(table.move({1, 2, 3, 4, 5}, 2, 4, 1)))
print(show(table.move({1, 2, 3, 4, 5}, 1, 3, 3)))
print(show(table.move({1, 2, 3}, 1, 3, 1, {}), 3))
print(show(table.move({1, 2, 3}, 1, 0, 1, {9}), 1))
local dst = {}
print(table.move({7, 8}, 1, 2, 5, dst) == dst, dst[5], dst[6])
try(table.move, {}, 1, math.maxinteger, 2)
try(table.move, {}, -1, math.maxinteger, 2)
try(table.move, {}, 1, 2)

local p = table.pack()
print(p.n, #p)
p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4])

print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 5))
print(table.unpack({1, 2, 3}, 3, 2))
print(select("#", table.unpack({}, 1, 0)))
print(table.unpack({"a", "b"}, -1, 1))
try(table.unpack, {}, 1, 1e8)
try(table.unpack, {}, math.mininteger, math.maxinteger)

print(table.concat({}))
print(table.concat({1, 2, 3}))
print(table.concat({1, 2.5, "x"}, ", "))
print(table.concat({1, 2, 3, 4}, "-", 2, 3))
print(table.concat({1, 2, 3}, "-", 3, 2))
try(table.concat, {1, {}, 3})
try(table.concat, {1, 2}, ",", 1, 3)
try(table.concat, {true})

-- metamethods: a proxy table backed by another one
local store = {10, 20, 30}
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get" .. k; return store[k] end,
  __newindex = function(_, k, v) log[#log + 1] = "set" .. k; store[k] = v end,
  __len = function() return #store end,
})
table.insert(proxy, 40)
print(show(store), table.concat(log, " "))
log = {}
print(table.concat(proxy, "+"), table.concat(log, " "))
print(table.unpack(proxy))
print(table.remove(proxy, 1), show(store))
table.sort(proxy, function(a, b) return a > b end)
print(show(store))
local moved = table.move(proxy, 1, 3, 2)
print(moved == proxy, show(store))

-- a non-table with the right metamethods is accepted
local ud = setmetatable({}, {__index = function(_, i) return i * 2 end, __len = function() return 3 end})
print(table.concat(ud, ","))
try(table.insert, setmetatable({}, {__index = {}}), 1)
try(table.concat, 42)

-- __len returning a non-integer
try(table.insert, setmetatable({}, {__len = function() return "x" end}), 1)
try(table.unpack, setmetatable({}, {__len = function() return 2.5 end}))
print(table.unpack(setmetatable({}, {__len = function() return 2.0 end, __index = function(_, i) return i end})))
