-- vm_closures: upvalues shared and closed per iteration (for, while, repeat, goto), big vararg lists.
local fs = {}
for i = 1, 5 do
  local j = i * 10
  if i % 2 == 0 then goto cont end
  fs[#fs + 1] = function() j = j + 1 return i, j end
  ::cont::
end
for _, f in ipairs(fs) do print(f()) print(f()) end
local gs = {}
local k = 0
while true do
  k = k + 1
  local x = k
  gs[k] = function() return x end
  if k == 3 then break end
end
print(gs[1](), gs[2](), gs[3]())
local hs = {}
repeat local y = #hs hs[#hs + 1] = function() y = y + 100 return y end until #hs == 3 or y > 1
print(hs[1](), hs[1](), #hs)
local function counter()
  local c = 0
  return function() c = c + 1 return c end, function() return c end
end
local inc, get = counter()
inc() inc()
print(get())
do
  local a = 1
  local function f() return a end
  a = 2
  print(f())
end
local t = {}
for i, v in ipairs({"a", "b", "c"}) do t[i] = function() return i .. v end end
print(t[1](), t[2](), t[3]())
local t = {} for i = 1, 100000 do t[i] = i end
local function va(...) return select('#', ...), (select(50000, ...)) end
print(va(table.unpack(t)))
local function va2(...) local a = {...} return #a end
print(va2(table.unpack(t)))
local function va3(...) return ... end
print(select('#', va3(table.unpack(t))))
local function fix(a, b, c, ...) return c, select('#', ...) end
print(fix(table.unpack(t)))
print(pcall(function() return table.unpack(t, 1, 1e7) end))
local function rec(n, ...) if n == 0 then return select('#', ...) end return rec(n - 1, n, ...) end
print(rec(5000))
print(string.rep("ab", 3, ","), math.max(table.unpack(t)))
