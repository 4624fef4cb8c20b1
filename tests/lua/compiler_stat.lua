-- compiler_stat.lua: statements, scoping, closures, assignment, control flow (compiler test)
local function p(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " "))
end

-- multiple assignment: all rvalues first, then the stores
local a, b, c = 1, 2
p(a, b, c)
a, b = b, a
p(a, b)
local t = {1, 2, 3}
local i = 1
i, t[i] = i + 1, 20
p(i, t[1], t[2])
t[i], i = 30, 3
p(i, t[2], t[3])
local u = {x = {}}
local k = "x"
k, u[k] = "y", "set"
p(k, u.x, u.y)
a, b, c = (function() return 1, 2, 3 end)()
p(a, b, c)
a, b, c = ((function() return 1, 2, 3 end)())
p(a, b, c)
a, b = 1
p(a, b)
a, b = 1, 2, 3, print("extra evaluated")
p(a, b)
-- globals and _ENV
gx = 1
gx, gy = gx + 1, gx
p(gx, gy)
do
  local _ENV = {p = p, tostring = tostring}
  z = 5
  p(z, _ENV.z)
end
p(z)
local function withenv()
  local _ENV <const> = {v = 42}
  return v
end
p(withenv())
-- upvalues: fresh per iteration, shared in a scope
local fs = {}
for j = 1, 3 do fs[j] = function() return j end end
p(fs[1](), fs[2](), fs[3]())
local gs = {}
local m = 0
while m < 3 do
  m = m + 1
  local mm = m * 10
  gs[m] = function() mm = mm + 1; return mm end
end
p(gs[1](), gs[1](), gs[2](), gs[3]())
local hs = {}
repeat
  local r = #hs + 1
  hs[r] = function() return r end
until r >= 3
p(hs[1](), hs[2](), hs[3]())
local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
p(get())
-- nested closures over several levels
local function outer()
  local x = 1
  return function()
    local y = 2
    return function()
      x = x + 1
      return x + y
    end
  end
end
local f3 = outer()()
p(f3(), f3())
-- for loops
local acc = {}
for q = 1, 3 do acc[#acc + 1] = q end
for q = 3, 1, -1 do acc[#acc + 1] = q end
for q = 1, 0 do acc[#acc + 1] = "never" end
for q = 1.0, 2 do acc[#acc + 1] = q end
for q = 1, 2, 0.5 do acc[#acc + 1] = q end
for q = math.maxinteger - 1, math.maxinteger do acc[#acc + 1] = q end
p(table.concat(acc, ","))
p(pcall(function() for q = 1, 10, 0 do end end))
p(pcall(function() for q = "a", 2 do end end))
local keys = {}
for key, val in next, {10, 20, 30} do keys[#keys + 1] = key .. "=" .. val end
p(table.concat(keys, " "))
for _, w1, w2 in ipairs({"a", "b"}) do p(_, w1, w2) end
-- break, goto, labels
for q = 1, 10 do
  if q > 3 then break end
  p("loop", q)
end
do
  local q = 0
  ::top::
  q = q + 1
  if q < 3 then goto top end
  p("goto loop", q)
end
for q = 1, 3 do
  if q == 2 then goto continue end
  p("continue", q)
  ::continue::
end
do
  local closures = {}
  local q = 1
  ::again::
  local captured = q
  closures[q] = function() return captured end
  q = q + 1
  if q <= 3 then goto again end
  p(closures[1](), closures[2](), closures[3]())
end
while true do
  local w = 1
  local cl = function() return w end
  if cl() == 1 then break end
end
p("after while")
-- nested break out of inner loop only
for o = 1, 2 do
  for q = 1, 5 do
    if q == 2 then break end
    p("inner", o, q)
  end
end
-- if / elseif chains
local function classify(n)
  if n < 0 then return "neg"
  elseif n == 0 then return "zero"
  elseif n < 10 then return "small"
  else return "big" end
end
p(classify(-1), classify(0), classify(5), classify(50))
if nil then p("no") end
if false then p("no") elseif nil then p("no") else p("else") end
-- varargs
local function va(...)
  local n = select("#", ...)
  local x1, x2 = ...
  local all = {...}
  return n, x1, x2, #all, ...
end
p(va())
p(va(1, nil, 3))
p((va(1, 2)))
local function va2(...) return ... end
p(va2(1, 2), va2(3, 4))
p(({va2(1, 2, 3)})[3] == nil, #{va2(1, 2, 3)}, #{va2(1, 2, 3), 4})
local function tail(n) if n == 0 then return "done" end return tail(n - 1) end
p(tail(10000))
-- methods
local obj = {name = "o"}
function obj.plain(x) return x end
function obj:meth(x) return self.name .. x end
function obj.nested() return "n" end
local deep = {a = {b = {}}}
function deep.a.b.f(x) return x * 2 end
function deep.a.b:g(x) return self == deep.a.b, x end
p(obj.plain(1), obj:meth("!"), obj.meth(obj, "?"), deep.a.b.f(4), deep.a.b:g(5))
local str = "abc"
p(str:upper(), ("x"):rep(2), #str:sub(2))
-- table constructors
local big = {}
for q = 1, 300 do big[q] = q end
local function unpackall(tbl) return table.unpack(tbl) end
local ctor = {unpackall(big)}
p(#ctor, ctor[1], ctor[300])
local lit = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
  25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
  50, 51, 52, 53, 54, 55, x = 1, ["y"] = 2, [1.0 + 1] = "two?", 56; 57, unpackall({58, 59})}
p(#lit, lit[2], lit[56], lit[59], lit.x, lit.y)
local mixed = {[1] = "a", "b", [2] = "c"}
p(mixed[1], mixed[2])
local nested = {{1, {2, {3}}}, f = function() return "f" end, ["key with space"] = 1}
p(nested[1][2][2][1], nested.f(), nested["key with space"])
local longkey = {}
longkey.this_is_a_very_long_field_name_over_forty_chars = 1
longkey["another_really_long_key_string_more_than_forty"] = 2
p(longkey.this_is_a_very_long_field_name_over_forty_chars,
  longkey.another_really_long_key_string_more_than_forty)
this_is_a_very_long_global_variable_name_above_forty = 3
p(this_is_a_very_long_global_variable_name_above_forty)
local o2 = {this_is_a_very_long_method_name_above_forty_chars = function(self, v) return v end}
p(o2:this_is_a_very_long_method_name_above_forty_chars(7))
-- integer keys: small, large, negative, float-integral
local ik = {}
ik[0] = "zero"; ik[255] = "b255"; ik[256] = "b256"; ik[-1] = "neg"; ik[2.0] = "two"
p(ik[0], ik[255], ik[256], ik[-1], ik[2], ik[2.0])
-- string method call on literal, calls with table/string args
local function id(x) return x end
p(id"str", (id{1})[1], id[[long]], type(id{}))
-- to-be-closed variables
do
  local log = {}
  local function closer(name)
    return setmetatable({}, {__close = function(_, err) log[#log + 1] = name .. ":" .. tostring(err) end})
  end
  do
    local c1 <close> = closer("c1")
    local c2 <close> = closer("c2")
    local c3 <close> = nil
  end
  p(table.concat(log, " "))
  local ok, err = pcall(function()
    local c4 <close> = closer("c4")
    error("boom", 0)
  end)
  p(ok, err, log[#log])
  local function ret()
    local c5 <close> = closer("c5")
    return "r"
  end
  p(ret(), log[#log])
  for q = 1, 2 do
    local c6 <close> = closer("c6." .. q)
    if q == 1 then goto cont end
    ::cont::
  end
  p(log[#log - 1], log[#log])
  p(pcall(function() local bad <close> = {} end))
end
-- const locals
local C1 <const> = 5
local C2 <const> = {}
local C3 <const> = C1 * 2
p(C1, type(C2), C3)
-- semicolons and empty statements
;;; do ; end ; p("semi")
-- long chains of elseif and nested functions in expressions
local r = (function(...) return select("#", ...) end)(1, nil, nil)
p(r)
-- numeric for with float accumulations and large steps
local cnt = 0
for q = math.mininteger, math.mininteger + 2 do cnt = cnt + 1 end
for q = 1, math.huge do if q > 3 then break end cnt = cnt + 1 end
p(cnt)
-- while with complex conditions
local wi, wj = 0, 10
while wi < 5 and not (wj < 7) or wi == 0 do wi = wi + 1; wj = wj - 1 end
p(wi, wj)
