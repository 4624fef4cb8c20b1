-- jit_field_kinds.lua: field reads and writes whose values change kind while compiled code
-- runs: several types at one site, nil fields with and without metatables, stores into nil
-- slots under a metatable that gains __newindex, a metamethod key coming back through a
-- compiled store, and comparisons of mixed-type values with nil and booleans.

-- Several types at one read site; nil read from a table without a metatable.
local function kinds(objs)
  local n, s = 0, {}
  for i = 1, #objs do
    local v = objs[i].x
    if v == nil then n = n + 1
    elseif v == true then s[#s + 1] = "T"
    elseif v == false then s[#s + 1] = "F"
    else s[#s + 1] = tostring(v) end
  end
  return n, table.concat(s, ",", 1, math.min(#s, 12))
end
-- (No "a and false or b": false must really be stored.)
local function pick(k, i)
  if k == 0 then return true elseif k == 1 then return false elseif k == 2 then return i end
  return "s"
end
local objs = {}
for i = 1, 3000 do
  local k = i % 4
  objs[i] = { x = pick(k, i), y = i }
  if k == 3 then objs[i].x = nil end   -- the key stays in the shape, its value nil
end
for round = 1, 3 do print("kinds", round, kinds(objs)) end

-- The same shape with a metatable whose __index answers for the nil field.
local proto = { x = "from __index" }
local mt = { __index = proto }
for i = 3, 3000, 4 do setmetatable(objs[i], mt) end
print("kinds with __index", kinds(objs))
proto.x = nil
print("kinds, __index without it", kinds(objs))

-- Stores into nil slots: no metatable, a metatable without __newindex, then one with it.
local function fill(list, v)
  for i = 1, #list do list[i].x = v end
end
local plain = {}
for i = 1, 2000 do plain[i] = { x = nil, y = i } ; plain[i].x = 1 ; plain[i].x = nil end
fill(plain, "a")
print("fill plain", plain[1].x, plain[2000].x)
local logged = 0
local nm = {}
for i = 1, 2000 do setmetatable(plain[i], nm) ; plain[i].x = nil end
fill(plain, "b")
print("fill, metatable without __newindex", plain[1].x, plain[2000].x)
for i = 1, 2000 do plain[i].x = nil end
nm.__newindex = function(t, k, v) logged = logged + 1 ; rawset(t, k, v .. "!") end
fill(plain, "c")
print("fill, __newindex added", logged, plain[1].x, plain[2000].x)

-- A metamethod key coming back: a metatable's "__index" slot is nil (cached as absent),
-- then a compiled store sets it; lookups through the metatable must see it.
local function setkey(t, v) t.__index = v end
local meta = { __index = false }
meta.__index = nil
local obj = setmetatable({}, meta)
for i = 1, 1000 do setkey({ __index = 1 }, i) end   -- compile setkey on other tables
print("before", obj.anything)
setkey(meta, function(_, k) return "index " .. k end)
print("after", obj.anything)
setkey(meta, nil)
print("cleared", obj.anything)

-- Comparisons of a value of several types with nil and booleans.
local function classify(list)
  local c = { 0, 0, 0, 0 }
  for i = 1, #list do
    local v = list[i].x
    if v == nil then c[1] = c[1] + 1 end
    if v == false then c[2] = c[2] + 1 end
    if v == true then c[3] = c[3] + 1 end
    if v ~= nil and v ~= false and v ~= true then c[4] = c[4] + 1 end
  end
  return table.concat(c, " ")
end
local mix = {}
for i = 1, 4000 do
  local k = i % 5
  mix[i] = { x = k == 4 and 1.5 or pick(k, i) }
  if k == 3 then mix[i].x = nil end
end
for round = 1, 3 do print("classify", classify(mix)) end

-- A field that is always an integer while hot, then a string: the guard fails, the site is
-- re-profiled and compiled again for both.
local function sum(list)
  local s, t = 0, {}
  for i = 1, #list do
    local v = list[i].v
    if math.type(v) == "integer" then s = s + v else t[#t + 1] = v end
  end
  return s, #t
end
local vs = {}
for i = 1, 3000 do vs[i] = { v = i } end
print("sum ints", sum(vs))
for i = 1, 3000, 3 do vs[i].v = "s" .. i end
for round = 1, 4 do print("sum mixed", round, sum(vs)) end
