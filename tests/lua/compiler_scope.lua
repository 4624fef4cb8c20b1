-- compiler_scope.lua: closes on break/goto, assignment conflicts, _ENV swaps, varargs (compiler test)
local fs = {}
local i = 0
repeat
  i = i + 1
  local j = i
  fs[#fs + 1] = function() return j end
  if i == 3 then break end
until false
print(fs[1](), fs[2](), fs[3]())
local gs = {}
do
  local n = 0
  ::top::
  local m = n
  gs[#gs + 1] = function() m = m + 100; return m end
  n = n + 1
  if n < 3 then goto top end
end
print(gs[1](), gs[1](), gs[2](), gs[3]())
local function envswap()
  local saved = _ENV
  x, _ENV = 1, {print = print}
  print(saved.x, x)
  _ENV = saved
end
envswap()
print(x)
local t = {a = {}}
local a = t
a, a.a = 5, 6
print(a, t.a)
local up = {}
local function setter()
  up, up.k = 1, 2
end
setter()
print(up)
local k1, k2 = "p", "q"
local tt = {}
k1, tt[k1], k2, tt[k2] = "r", 1, "s", 2
print(k1, k2, tt.p, tt.q, tt.r, tt.s)
for _, v in ipairs({1, 2, 3}) do
  local c <close> = setmetatable({}, {__close = function() io.write("close", v, " ") end})
  if v == 2 then break end
end
print()
local function deep(n) if n > 0 then return deep(n - 1) else return "bottom" end end
print(deep(100000))
local function vt(...) local a, b = ..., "x" return a, b, select("#", ...) end
print(vt(1, 2, 3))
print((...), select("#", ...))
local r = {n = 0}
function r:add(...) for _, v in ipairs({...}) do self.n = self.n + v end return self end
print(r:add(1, 2):add(3).n)
local s = 0
for q = 10, 1, -3 do s = s * 10 + q end
print(s)
while true do
  local z = 1
  do
    local zz = function() return z end
    if zz() then goto out end
  end
end
::out::
print("out")
