-- debug library: getinfo, locals, upvalues, metatables, hooks, traceback
local function try(f, ...) print(pcall(f, ...)) end
local function fields(t, keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(t[k]) end
  return table.concat(out, " ")
end

local function sample(a, b, ...)
  local c = a + b
  return c
end
local info = debug.getinfo(sample)
print(fields(info, {"source", "short_src", "what", "linedefined", "lastlinedefined",
  "currentline", "nups", "nparams", "isvararg", "namewhat", "name", "istailcall"}))
print(info.func == sample, info.activelines)
info = debug.getinfo(print)
print(fields(info, {"source", "short_src", "what", "linedefined", "lastlinedefined",
  "currentline", "nups", "nparams", "isvararg", "namewhat"}))
info = debug.getinfo(1, "S")
print(fields(info, {"source", "short_src", "what", "linedefined"}))
print(debug.getinfo(1, "l").currentline)
print(debug.getinfo(100), debug.getinfo(-1))
try(debug.getinfo, 1, ">S")
try(debug.getinfo, 1, "Sx")
try(debug.getinfo, "x")
try(debug.getinfo)
local lines = debug.getinfo(sample, "L").activelines
local ls = {}
for l in pairs(lines) do ls[#ls + 1] = l end
table.sort(ls)
print(table.concat(ls, ","))
local only = debug.getinfo(sample, "u")
print(only.nparams, only.source, only.currentline)

-- names as seen by the caller
function global_fn() return debug.getinfo(1, "n") end
local function local_fn() return debug.getinfo(1, "n") end
local obj = {}
function obj:method() return debug.getinfo(1, "n") end
function obj.field() return debug.getinfo(1, "n") end
local up = function() return debug.getinfo(1, "n") end
local function via_upvalue() return up() end
local i1 = global_fn(); print(i1.name, i1.namewhat)
local i2 = local_fn(); print(i2.name, i2.namewhat)
local i3 = obj:method(); print(i3.name, i3.namewhat)
local i4 = obj.field(); print(i4.name, i4.namewhat)
local i5 = via_upvalue(); print(i5.name, i5.namewhat)
local function tail() return debug.getinfo(1, "nt") end
local function caller() return tail() end
local i6 = caller(); print(i6.name, i6.namewhat, i6.istailcall)
local i7 = setmetatable({}, {__index = function(t, k) return debug.getinfo(1, "n") end}).x
print(i7.name, i7.namewhat)
for k in (function() local d = debug.getinfo(1, "n"); print(d.name, d.namewhat); return nil end) do end

-- levels and current lines
local function level2()
  local a = debug.getinfo(1, "l").currentline
  local b = debug.getinfo(2, "l").currentline
  return a, b
end
print(level2())
print(debug.getinfo(2, "S") ~= nil, debug.getinfo(1, "f").func ~= nil)

-- locals
local function locals(x, y, ...)
  local z = x * 2
  local names = {}
  local i = 1
  while true do
    local name, value = debug.getlocal(1, i)
    if not name then break end
    if name:sub(1, 1) ~= "(" then names[#names + 1] = name .. "=" .. (type(value) == "table" and "tbl" or tostring(value)) end
    i = i + 1
  end
  print(table.concat(names, " "))
  print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3))
  print(debug.setlocal(1, 1, 100), x)
  print(debug.setlocal(1, 50, 0))
  print(debug.setlocal(1, -1, "changed"), ...)
  return z
end
print(locals(3, 4, "va1", "va2"))
print(debug.getlocal(locals, 1), debug.getlocal(locals, 2), debug.getlocal(locals, 3))
print(debug.getlocal(print, 1))
try(debug.getlocal, 100, 1)
try(debug.setlocal, 100, 1, 1)
try(debug.getlocal, 1)
local outer = "outer value"
local function peek() return debug.getlocal(2, 1) end
do
  local first_in_block = 1
  print((peek()))
end

-- upvalues
local u1, u2 = 10, 20
local function uses() return u1 + u2 end
print(debug.getupvalue(uses, 1), debug.getupvalue(uses, 2))
print(debug.getupvalue(uses, 3), debug.getupvalue(uses, 0))
print(debug.setupvalue(uses, 1, 5), uses(), u1)
print(debug.setupvalue(uses, 9, 5))
print(debug.getupvalue(string.gmatch("a", "a"), 1) ~= nil)
print(select("#", debug.getupvalue(print, 1)))
try(debug.getupvalue, 42, 1)
try(debug.setupvalue, uses, 1)
local function a1() return u1 end
local function a2() return u2 end
print(debug.upvalueid(uses, 1) == debug.upvalueid(a1, 1), debug.upvalueid(uses, 1) == debug.upvalueid(a2, 1))
print(type(debug.upvalueid(uses, 1)), debug.upvalueid(uses, 5))
debug.upvaluejoin(a1, 1, a2, 1)
print(a1(), debug.upvalueid(a1, 1) == debug.upvalueid(a2, 1))
try(debug.upvaluejoin, a1, 5, a2, 1)
try(debug.upvaluejoin, print, 1, a2, 1)
try(debug.upvalueid, uses, "x")

-- metatables and the registry
local t = setmetatable({}, {__metatable = "locked"})
print(getmetatable(t), type(debug.getmetatable(t)), debug.getmetatable(t).__metatable)
print(debug.setmetatable(t, nil) == t, getmetatable(t))
print(debug.getmetatable(1), debug.setmetatable(5, {__index = {twice = function(n) return n * 2 end}}))
print((7):twice())
debug.setmetatable(5, nil)
print(pcall(function() return (7):twice() end))
try(debug.setmetatable, {}, 42)
print(type(debug.getregistry()))
print(debug.getuservalue(42), debug.getuservalue({}))
try(debug.setuservalue, {}, 1)

-- traceback
print(debug.traceback("msg", 1):match("^msg\nstack traceback:\n") ~= nil)
print(debug.traceback(42), debug.traceback(nil) ~= nil, type(debug.traceback({})))
local tb = debug.traceback("x")
print(select(2, tb:gsub("\n", "\n")) >= 2)
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
print(debug.traceback(co):match("^stack traceback:") ~= nil)
print(debug.traceback(co, "m"):sub(1, 2))

-- hooks
print(debug.gethook())
local events = {}
local function hook(ev, line) events[#events + 1] = ev .. (line and (":" .. line - debug.getinfo(2, "S").linedefined) or "") end
local function traced(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end
debug.sethook(hook, "l")
traced(2)
debug.sethook()
print(table.concat(events, " "))
events = {}
local calls = 0
debug.sethook(function(ev) if debug.getinfo(2, "f").func == traced then calls = calls + 1 end end, "cr")
traced(1); traced(2)
debug.sethook()
print("call/return events", calls)
local h, mask, count = (function() debug.sethook(hook, "crl", 7); return debug.gethook() end)()
debug.sethook()
print(h == hook, mask, count)
local n = 0
debug.sethook(function() n = n + 1 end, "", 1)
for i = 1, 100 do end
debug.sethook()
print("count hook ran", n > 50)
print(debug.gethook())
try(debug.sethook, 42, "c")
