-- keys of every kind, shapes shared and split, dictionary mode, next() while clearing
local function sortedkeys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return table.concat(ks, ",")
end

local t = {}
t.x = 1; t.y = 2; t[true] = 3; t[false] = 4; t[1.5] = 5; t[-3] = 6
t[string.rep("long", 20)] = 7
local fkey, tkey = function() end, {}
t[fkey] = 8; t[tkey] = 9
print(t.x, t.y, t[true], t[false], t[1.5], t[-3], t[string.rep("long", 20)], t[fkey], t[tkey])

-- same keys, different orders
local a, b = {}, {}
a.p = 1; a.q = 2; a.r = 3
b.r = 3; b.q = 2; b.p = 1
print(sortedkeys(a), sortedkeys(b), a.q == b.q)

-- removing and re-adding fields
local r = {a = 1, b = 2, c = 3}
r.b = nil
print(r.a, r.b, r.c, sortedkeys(r))
r.b = 20
print(r.b, sortedkeys(r))

-- many string keys
local big = {}
for i = 1, 500 do big["key" .. i] = i end
local sum = 0
for k, v in pairs(big) do sum = sum + v end
print(sum, big.key1, big.key500, big.key501)
for i = 1, 500, 2 do big["key" .. i] = nil end
sum = 0
for k, v in pairs(big) do sum = sum + v end
print(sum)

-- churn: delete and add many keys
local ch = {}
for i = 1, 2000 do
  ch["k" .. i] = i
  ch["k" .. (i - 5)] = nil
end
print(sortedkeys(ch))

-- clearing fields during traversal
local m = {}
for i = 1, 100 do m[i] = i; m["s" .. i] = i; m[i + 0.5] = i end
local cnt = 0
for k in pairs(m) do m[k] = nil; cnt = cnt + 1 end
print(cnt, next(m))

-- errors
print(pcall(function() local x = {}; x[nil] = 1 end))
print(pcall(function() local x = {}; x[0/0] = 1 end))
print(pcall(next, {}, "nope"))
print(rawget({}, nil), ({})[0/0])

-- rawlen, rawequal, metatables on fields
local mt = {__index = function(_, k) return k .. "!" end}
local o = setmetatable({here = 1}, mt)
print(o.here, o.missing, rawget(o, "missing"))
mt.__newindex = function(t, k, v) rawset(t, k, v * 2) end
o.new = 21
print(o.new)
