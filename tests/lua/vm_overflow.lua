-- vm_overflow: Lua stack overflow and C stack overflow, with and without message handlers.
local function r(n) return 1 + r(n + 1) end
local ok, e = xpcall(r, debug.traceback, 1)
print(ok, #e > 100, e:match("^[^\n]*"))
local ok2, e2 = xpcall(r, function(m) return "H:" .. m end, 1)
print(ok2, e2)
print(pcall(r, 1))
local co = coroutine.create(r)
print(coroutine.resume(co, 1))
local function cr() return pcall(cr) end
print(cr())
local function mm() local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x end
print(pcall(mm))
