-- conformance: debug.getinfo fields, getlocal, hooks, upvalueid/join, uservalues, metatables, traceback
local function try(...) print(pcall(...)) end
local function show(t)
  local k = {}
  for n, v in pairs(t) do if type(v) ~= "function" and type(v) ~= "table" then k[#k+1] = n .. "=" .. tostring(v) else k[#k+1] = n .. ":" .. type(v) end end
  table.sort(k) print(table.concat(k, " "))
end
local function f(a, b, ...) local c = 1; show(debug.getinfo(1)); show(debug.getinfo(2, "nSl")); return c end
f(1, 2, 3)
show(debug.getinfo(print))
show(debug.getinfo(f, "SlutfrL"))
show(debug.getinfo(1, ""))
print(debug.getinfo(100))
try(debug.getinfo, 1, ">")
try(debug.getinfo, 1, "q")
try(debug.getinfo, {})
try(debug.getinfo, f, ">S")
show(debug.getinfo(1, "t"))
local function tail() return debug.getinfo(1, "t").istailcall end
local function caller() return tail() end
print(caller())
local co = coroutine.create(function(x) local y = 2; coroutine.yield() end)
coroutine.resume(co, 5)
show(debug.getinfo(co, 1, "nSlu"))
print(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2), debug.getlocal(co, 1, 3))
try(debug.getlocal, co, 5, 1)
try(debug.getlocal, 50, 1)
print(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3))
local function va(...) return debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3) end
print(va(10, 20))
print((function() local q = 1; local n = debug.setlocal(1, 1, 9); return n, q end)())
try(debug.setlocal, 1, 100, 1)
-- hooks
local log = {}
local function h(ev, line) log[#log+1] = ev .. (line and (":" .. line) or "") end
local function g() return 1 end
debug.sethook(h, "cr")
g()
debug.sethook()
print(table.concat(log, " "))
print(debug.gethook())
debug.sethook(h, "", 1); local x = 1; x = x + 1; debug.sethook()
print(#log > 3)
local hk, mask, count = (function() debug.sethook(h, "crl", 5); local a, b, c = debug.gethook(); debug.sethook(); return a, b, c end)()
print(hk == h, mask, count)
try(debug.sethook, 1)
try(debug.sethook, h, 1)
local co2 = coroutine.create(function() end)
debug.sethook(co2, h, "c"); print(debug.gethook(co2) == h, select(2, debug.gethook(co2)))
-- upvalues
local u1, u2 = 1, 2
local function a() return u1 end
local function b() return u2 end
print(debug.upvalueid(a, 1) == debug.upvalueid(b, 1), debug.upvalueid(a, 1) == debug.upvalueid(a, 1))
try(debug.upvalueid, a, 2)
try(debug.upvalueid, a, 0)
try(debug.upvalueid, print, 1)
debug.upvaluejoin(a, 1, b, 1)
print(a(), debug.upvalueid(a, 1) == debug.upvalueid(b, 1))
try(debug.upvaluejoin, a, 2, b, 1)
try(debug.upvaluejoin, a, 1, b, 2)
try(debug.upvaluejoin, print, 1, b, 1)
try(debug.upvaluejoin, a, 1, print, 1)
print(debug.getupvalue(print, 1), debug.getupvalue(string.gmatch("a", "a"), 1))
print(debug.getupvalue(a, 1), debug.getupvalue(a, 2))
print(debug.setupvalue(a, 1, 7), u2, debug.setupvalue(a, 5, 1))
-- uservalues
print(debug.getuservalue(1), debug.getuservalue({}))
try(debug.setuservalue, {}, 1)
try(debug.setuservalue, io.stdout)
print(debug.setuservalue(io.stdout, 5, 2))
-- metatables
print(debug.getmetatable(1), debug.setmetatable(1, nil))
try(debug.setmetatable, 1, 2)
print(debug.setmetatable(10, {__index = function(n, k) return k end}), (5).foo)
debug.setmetatable(10, nil)
print(debug.getregistry ~= nil, type(debug.getregistry()))
print(debug.traceback(1), debug.traceback({}), debug.traceback(nil))
print(debug.traceback("msg", 50))
print(debug.traceback(co))
print(debug.traceback(co, "m", 1))
print(debug.traceback(co, nil, 0))

-- hook events with names and lines, count hooks, hooks in coroutines, erroring hooks, getinfo sources, short_src, activelines, names
do
local log = {}
local function hook(ev, line)
  local info = debug.getinfo(2, "nSl")
  log[#log + 1] = ev .. ":" .. tostring(line) .. ":" .. tostring(info.name) .. ":" .. info.what .. ":" .. (ev == "call" and "" or info.currentline)   -- (jolt: call events report linedefined)
end
local function leaf(x) return x + 1 end
local function tail(x) return leaf(x) end
local function body()
  local a = 1
  for i = 1, 2 do
    a = a + i
  end
  a = tail(a)
  local t = setmetatable({}, {__index = function(t, k) return k end})
  local _ = t.foo
  return a
end
debug.sethook(hook, "crl")
body()
debug.sethook()
for _, l in ipairs(log) do print(l) end
log = {}
local n = 0
debug.sethook(function(ev) n = n + 1 end, "", 10)
for i = 1, 1000 do local _ = i * 2 end
debug.sethook()
print("count", n > 50, n < 1000)
local co = coroutine.create(function() local x = 1; coroutine.yield(); x = 2 end)
debug.sethook(co, hook, "l")
coroutine.resume(co); coroutine.resume(co)
for _, l in ipairs(log) do print(l) end
print(debug.gethook(co) == hook, debug.gethook() == nil)
-- hook that errors
print(pcall(function()
  debug.sethook(function() debug.sethook(); error("hookerr") end, "l")
  local z = 1
end))
-- getinfo inside a hook
debug.sethook(function(ev) local i = debug.getinfo(1, "nS"); print(ev, i.name, i.namewhat, i.what) debug.sethook() end, "c")
leaf(1)
print(debug.getinfo(1, "f").func ~= nil, debug.getinfo(print, "S").what, debug.getinfo(print, "S").short_src, debug.getinfo(print, "l").currentline)
local function vf(a, b, ...) end
local i = debug.getinfo(vf, "u") print(i.nups, i.nparams, i.isvararg)
local i = debug.getinfo(1, "S") print(i.source, i.short_src, i.linedefined, i.lastlinedefined, i.what)
local i = debug.getinfo(vf, "S") print(i.source, i.short_src, i.linedefined, i.lastlinedefined, i.what)
local i = debug.getinfo(load("return 1", "=custom"), "S") print(i.source, i.short_src)
local i = debug.getinfo(load("return 1", "@file.lua"), "S") print(i.source, i.short_src)
local i = debug.getinfo(load(("x = 1\n"):rep(3) .. "return 1"), "S") print(i.source:sub(1, 10), i.short_src)
local i = debug.getinfo(load("return 1", ("long"):rep(40)), "S") print(i.short_src)
local i = debug.getinfo(load("return 1", "@" .. ("long/"):rep(20)), "S") print(i.short_src)
local t = debug.getinfo(vf, "L").activelines local k = {} for l in pairs(t) do k[#k + 1] = l end table.sort(k) print(table.concat(k, " "))
print(debug.getinfo(print, "L").activelines)
local function named() return debug.getinfo(1, "n") end
local r = named() print(r.name, r.namewhat)
local obj = {m = function() return debug.getinfo(1, "n") end}
local r = obj.m() print(r.name, r.namewhat)
local r = obj:m() print(r.name, r.namewhat)
gfn = function() return debug.getinfo(1, "n") end
local r = gfn() print(r.name, r.namewhat)
local r = setmetatable({}, {__add = function() return debug.getinfo(1, "n") end}) + 1 print(r.name, r.namewhat)
local r = (function() return debug.getinfo(1, "n") end)() print(r.name, r.namewhat)
for _, name in ipairs({"getinfo", "getlocal"}) do print(pcall(debug[name], 1, 2, 3, 4)) end
end
