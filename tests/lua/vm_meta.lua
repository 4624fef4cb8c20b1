-- vm_meta: every metamethod the interpreter dispatches, __index/__newindex chains, inline caches.
local V = {}
V.__add = function(a, b) return "add" end
V.__sub = function(a, b) return "sub" end
V.__mul = function(a, b) return "mul" end
V.__div = function(a, b) return "div" end
V.__mod = function() return "mod" end
V.__pow = function() return "pow" end
V.__idiv = function() return "idiv" end
V.__band = function() return "band" end
V.__bor = function() return "bor" end
V.__bxor = function() return "bxor" end
V.__shl = function() return "shl" end
V.__shr = function() return "shr" end
V.__unm = function(a) return "neg" end
V.__bnot = function() return "bnot" end
V.__eq = function(a, b) return true end
V.__lt = function(a, b) return true end
V.__le = function(a, b) return false end
V.__concat = function(a, b) return "cat" end
V.__len = function(a) return 42 end
V.__index = function(t, k) return k end
local a, b = setmetatable({}, V), setmetatable({}, V)
print(a + 1, 1 + a, a - 1, a * 2, a / 2, a % 3, a ^ 2, a // 2, 2 // a)
print(a & 1, a | 1, a ~ 1, a << 1, 1 >> a, ~a, -a, 1.5 & a)
print(a == b, a ~= b, a < b, a <= b, a > b, a >= b, a < 1, 1 <= a)
print(a .. "x", "x" .. a, 1 .. a, a .. b, #a, a.zz, a[1])
print(a == {}, a == a, rawequal(a, b), 1 == a)
local L = setmetatable({}, {__lt = function(x, y) return rawlen(x) < rawlen(y) end})
print(L <= L, pcall(function() return L >= 1 end))
-- __index chains
local base = {hello = function() return "hi" end, val = 1}
local derived = setmetatable({own = 2}, {__index = base})
local d2 = setmetatable({}, {__index = derived})
print(d2.hello(), d2.val, d2.own, d2.none)
-- class pattern through a method site seeing several shapes
local Point = {} Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:len2() return self.x * self.x + self.y * self.y end
local Point3 = setmetatable({}, {__index = Point}) Point3.__index = Point3
function Point3.new(x, y, z) local p = Point.new(x, y) p.z = z return setmetatable(p, Point3) end
function Point3:len2() return Point.len2(self) + self.z * self.z end
local acc = 0
for i = 1, 200 do
  local p = (i % 3 == 0) and Point3.new(i, 1, 2) or Point.new(i, 2)
  acc = acc + p:len2()
end
print(acc)
-- fields added, removed and re-added while a site caches them
local objs = {}
for i = 1, 6 do objs[i] = {a = i, b = i * 2} end
objs[3].b = nil objs[4].c = 1 objs[5] = {b = 5, a = 50}
local sum = 0
for r = 1, 3 do for i = 1, 6 do sum = sum + objs[i].a + (objs[i].b or 0) end end
print(sum)
-- __newindex
local log = {}
local nt = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) end})
nt.a = 1 nt.b = 2 nt[1] = 3 rawset(nt, "a", 9) nt.a = 10
print(table.concat(log, ";"), nt.a)
local store = {}
local proxy = setmetatable({}, {__newindex = store, __index = store})
proxy.x = 5 proxy[2] = 6
print(rawget(proxy, "x"), store.x, proxy.x, store[2])
-- __index on strings and numbers in error, __call chains
print(("abc"):len(), #"abc")
local calls = setmetatable({}, {__call = function(self, ...) return select('#', ...) end})
print(calls(1, 2, 3), calls())
-- __close and __len with integers from metamethod
local LEN = setmetatable({}, {__len = function() return 7.0 end})
print(#LEN)
-- __eq only for same types
local E1 = setmetatable({}, {__eq = function() return true end})
print(E1 == setmetatable({}, {}), E1 == 1, E1 ~= {})
-- __index loop detection
local loop = setmetatable({}, {}) getmetatable(loop).__index = loop
print(pcall(function() return loop.x end))
local nloop = setmetatable({}, {}) getmetatable(nloop).__newindex = nloop
print(pcall(function() nloop.x = 1 end))
-- metamethods that yield
local Y = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end,
  __add = function(x, y) return coroutine.yield("add") end})
local co = coroutine.create(function() local v = Y.foo local w = Y + 1 return v, w end)
print(coroutine.resume(co)) print(coroutine.resume(co, "F")) print(coroutine.resume(co, "W"))
-- __concat with numbers and chains
local C = setmetatable({}, {__concat = function(x, y)
  local l = type(x) == "table" and "C" or tostring(x)
  local r = type(y) == "table" and "C" or tostring(y)
  return l .. r end})
print(1 .. C, C .. 2.5, "a" .. C .. "b", C .. C)

-- A metamethod key that returns to an existing (nil) field slot must be seen again.
do
  local mt = {}
  local t = setmetatable({}, mt)
  mt.__index = nil
  print("revived __index", t.x)
  mt.__index = function() return 2 end
  print("revived __index", t.x)
  mt.__index = nil
  mt.__index = {x = 3}
  print("revived __index", t.x)
end
