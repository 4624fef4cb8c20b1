-- vm_traceback: function naming in tracebacks (global, local, method, field, upvalue, metamethod, tail calls).
local M = {}
function M.field() error("f") end
function M:meth() M.field() end
local function up() M:meth() end
local function tailer() return up() end
local anon = function() tailer() end
local t = setmetatable({}, {__index = function(t, k) anon() end})
function glob() return t.x end
print(xpcall(glob, debug.traceback))
print(xpcall(function() local x = t + 1 end, debug.traceback))
local co = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co)
print(debug.traceback(co, "co msg"))
print(debug.traceback("lvl2", 2))
print(pcall(string.gsub, "x", "x", function() error("in gsub cb") end))
print(xpcall(string.gsub, debug.traceback, "x", "x", function() error("in gsub cb") end))
for k, v in pairs({a = 1}) do print(xpcall(function() error("in loop") end, debug.traceback)) end
