-- vm_hooks: call/return/line/count hooks as the interpreter reports them.
local lines = {}
local function f(x)
  local y = x + 1
  return y
end
debug.sethook(function(ev, line) lines[#lines + 1] = ev .. ":" .. tostring(line) end, "crl")
f(1)
local z = 0
for i = 1, 2 do z = z + i end
debug.sethook()
print(table.concat(lines, " "))
local n = 0
debug.sethook(function() n = n + 1 end, "", 100)
for i = 1, 1000 do end
debug.sethook()
print(n > 5)
print(debug.traceback("msg"))
local function lvl() return debug.getinfo(1, "nSl") end
local info = lvl()
print(info.currentline, info.short_src, info.what, info.name, info.namewhat)
local function f3() return 1, 2, 3 end
local n = 0
debug.sethook(function() n = n + 1 end, "l")
print(f3())
local t = {f3()}
print(#t, select('#', f3()))
local function g(...) return ... end
print(g(f3()))
debug.sethook()
print(n)
debug.sethook(function() end, "", 1)
print(f3())
print(g(f3()))
local t2 = {f3()}
print(#t2)
debug.sethook()
local ev = {}
local function v(...) local a = ... return a end
local function w(x) return x end
debug.sethook(function(e, l) ev[#ev + 1] = e .. (l and (":" .. l) or "") end, "crl")
v(1, 2)
w(3)
debug.sethook()
print(table.concat(ev, " "))
